#pragma once
/// \file RAII over HDF5 identifiers, and a checker that turns a failed HDF5 call into an IoError
/// naming the call and HDF5's own message.

#include <hdf5.h>

#include <cstdint>
#include <string>
#include <string_view>

namespace nsperf::io {

/// Owns one HDF5 identifier and closes it with the matching H5*close. Move-only. The destructor
/// closes quietly; close() reports failure.
class Handle {
 public:
  using Closer = herr_t (*)(hid_t);
  Handle() noexcept = default;
  Handle(hid_t id, Closer closer) noexcept : id_(id), closer_(closer) {}
  Handle(Handle&& other) noexcept;
  Handle& operator=(Handle&& other) noexcept;
  Handle(const Handle&) = delete;
  Handle& operator=(const Handle&) = delete;
  ~Handle();

  [[nodiscard]] hid_t get() const noexcept { return id_; }
  /// Closes now; throws IoError if HDF5 reports failure (e.g. flushing a full disk).
  void close();

 private:
  hid_t id_ = H5I_INVALID_HID;
  Closer closer_ = nullptr;
};

/// HDF5's error stack of this thread as one line (innermost cause first), then clears it.
std::string hdf5_message();

/// Throws IoError("<call>: <HDF5's message>") if `status` is negative; returns it otherwise.
hid_t check(hid_t status, std::string_view call);
/// As above for herr_t results.
herr_t check_status(herr_t status, std::string_view call);

/// Stops HDF5 from printing its error stack to stderr: nsperf reports errors itself, once.
/// Call once per process before using HDF5.
void silence_hdf5_errors() noexcept;

/// HDF5's registered id of the zstd filter (a zstd frame per chunk, level in cd_values[0]).
inline constexpr int kZstdFilterId = 32015;

/// Makes the zstd filter available in this process (io/h5z_zstd.cpp), unless a plugin with
/// the same id is already loaded. Idempotent. Throws IoError if HDF5 refuses.
void register_zstd_filter();

/// "HDF5 1.10.8 (parallel)".
std::string hdf5_version();

/// Wraps a call: `NSPERF_H5(H5Dwrite(...))` checks it and names it in the error.
#define NSPERF_H5(call) ::nsperf::io::check_status((call), #call)

}  // namespace nsperf::io
