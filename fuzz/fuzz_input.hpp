#pragma once
// Shared by the fuzz targets: the fuzz input as a file in a per-process scratch folder, the
// "selection line" input format, and the verdict on exceptions. See docs/fuzzing.md.

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <span>
#include <string_view>
#include <utility>

#include "nsperf/core/error.hpp"

namespace nsperf::fuzz {

/// `bytes` written to `name` in this process's scratch folder ($NSPERF_FUZZ_SCRATCH, else
/// /dev/shm/nsperf-fuzz-<pid>, removed at exit). Each call replaces the file by a new one.
std::filesystem::path write_input(std::string_view name, std::span<const std::byte> bytes);

/// The input split at its first '\n': a text line (a selection or a layout) and the file's
/// bytes. Without a '\n' the line is empty and everything is the file.
std::pair<std::string_view, std::span<const std::byte>> split_line(const std::uint8_t* data,
                                                                   std::size_t size);

/// Runs `fn`. nsperf::Error and its subclasses are nsperf's clean rejections of bad input; any
/// other exception escapes, and libFuzzer reports it (std::terminate) as a finding.
template <class Fn>
void expect_clean(Fn&& fn) {
  try {
    fn();
  } catch (const nsperf::Error&) {
  }
}

/// Once, before the first input: HDF5's error stack silenced (nsperf reports errors itself),
/// and its free lists kept (up to 64 MiB). HDF5 otherwise frees its large blocks (the metadata
/// cache) at every file close, and under ASan each is mapped and zeroed afresh: 20 times
/// slower.
void init_hdf5();

/// Aborts (a finding) if HDF5 identifiers are still open: nsperf leaked a file, dataset or
/// type, and the next input would see a stale open file.
void check_no_open_hdf5_ids();

}  // namespace nsperf::fuzz
