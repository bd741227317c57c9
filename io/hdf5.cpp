#include "nsperf/io/hdf5.hpp"

#include <utility>

#include "nsperf/core/error.hpp"

namespace nsperf::io {
namespace {

// HDF5 keeps an error stack per thread; the innermost entry says what really went wrong
// ("No space left on device"), the outermost which API call failed.
herr_t collect(unsigned n, const H5E_error2_t* err, void* data) {
  auto* text = static_cast<std::string*>(data);
  if (err->desc != nullptr && err->desc[0] != '\0') {
    if (n == 0) {
      *text = err->desc;
    } else if (text->find(err->desc) == std::string::npos) {
      *text += "; " + std::string(err->desc);
    }
  }
  return 0;
}

std::string call_name(std::string_view call) {
  // "H5Dwrite(dset, type, ...)" reads best as "H5Dwrite".
  const auto paren = call.find('(');
  return std::string(paren == std::string_view::npos ? call : call.substr(0, paren));
}

}  // namespace

std::string hdf5_message() {
  std::string text;
  H5Ewalk2(H5E_DEFAULT, H5E_WALK_UPWARD, collect, &text);
  H5Eclear2(H5E_DEFAULT);
  return text.empty() ? "no message from HDF5" : text;
}

Handle::Handle(Handle&& other) noexcept
    : id_(std::exchange(other.id_, H5I_INVALID_HID)), closer_(other.closer_) {}

Handle& Handle::operator=(Handle&& other) noexcept {
  if (this != &other) {
    if (id_ >= 0 && closer_ != nullptr) closer_(id_);
    id_ = std::exchange(other.id_, H5I_INVALID_HID);
    closer_ = other.closer_;
  }
  return *this;
}

Handle::~Handle() {
  if (id_ >= 0 && closer_ != nullptr) {
    // Quiet by design: this runs while unwinding from an error that is already reported.
    closer_(id_);
  }
}

void Handle::close() {
  if (id_ < 0 || closer_ == nullptr) return;
  const hid_t id = std::exchange(id_, H5I_INVALID_HID);
  check_status(closer_(id), "H5close");
}

hid_t check(hid_t status, std::string_view call) {
  if (status < 0) throw IoError(call_name(call) + ": " + hdf5_message());
  return status;
}

herr_t check_status(herr_t status, std::string_view call) {
  if (status < 0) throw IoError(call_name(call) + ": " + hdf5_message());
  return status;
}

void silence_hdf5_errors() noexcept { H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr); }

std::string hdf5_version() {
  unsigned major = 0;
  unsigned minor = 0;
  unsigned release = 0;
  H5get_libversion(&major, &minor, &release);
  std::string v =
      "HDF5 " + std::to_string(major) + "." + std::to_string(minor) + "." + std::to_string(release);
#ifdef H5_HAVE_PARALLEL
  v += " (parallel)";
#endif
  return v;
}

}  // namespace nsperf::io
