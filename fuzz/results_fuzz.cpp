// Fuzz target: the results-file readers (io/results/results_file.cpp) that report, compare,
// profile, export and merge use, and `nsperf verify` (io/results/verify.cpp).
//
// Input: the results file's bytes (HDF5). Checked: list_runs, then for each run (the first
// four) read_run_attributes, read_summary, read_repetitions and read_regions, then verify_file
// of a results file; no HDF5 identifier left open. nsperf::Error (InputError, IoError) is the clean
// rejection.
#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "fuzz_input.hpp"
#include "nsperf/io/hdf5.hpp"
#include "nsperf/io/results_file.hpp"
#include "nsperf/io/verify.hpp"

namespace io = nsperf::io;

extern "C" int LLVMFuzzerInitialize(int* /*argc*/, char*** /*argv*/) {
  nsperf::fuzz::init_hdf5();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto path =
      nsperf::fuzz::write_input("results.h5", {reinterpret_cast<const std::byte*>(data), size});
  std::vector<std::string> runs;
  bool listed = false;
  nsperf::fuzz::expect_clean([&] {
    runs = io::list_runs(path);
    listed = true;
  });
  runs.resize(std::min<std::size_t>(runs.size(), 4));
  for (const auto& run : runs) {
    nsperf::fuzz::expect_clean([&] { (void)io::read_run_attributes(path, run); });
    nsperf::fuzz::expect_clean([&] { (void)io::read_summary(path, run); });
    nsperf::fuzz::expect_clean([&] { (void)io::read_repetitions(path, run); });
    nsperf::fuzz::expect_clean([&] { (void)io::read_regions(path, run); });
  }
  // verify_file of a results file. An output of nsperf run (output_version) is left out: its
  // checks are being reworked (docs/fuzzing.md).
  if (listed) nsperf::fuzz::expect_clean([&] { (void)io::verify_file(path); });
  nsperf::fuzz::check_no_open_hdf5_ids();
  return 0;
}
