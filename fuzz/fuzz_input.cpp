#include "fuzz_input.hpp"

#include <hdf5.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>

#include "nsperf/io/hdf5.hpp"

namespace nsperf::fuzz {
namespace {

namespace fs = std::filesystem;

const fs::path& scratch() {
  static const fs::path dir = [] {
    const char* env = std::getenv("NSPERF_FUZZ_SCRATCH");
    fs::path d = env != nullptr && *env != '\0'
                     ? fs::path(env)
                     : fs::path("/dev/shm") / ("nsperf-fuzz-" + std::to_string(::getpid()));
    fs::create_directories(d);
    // Only the folder this process made is removed (not one named by the caller).
    if (env == nullptr || *env == '\0') {
      static const fs::path owned = d;
      std::atexit([] {
        std::error_code ec;
        fs::remove_all(owned, ec);
      });
    }
    return d;
  }();
  return dir;
}

}  // namespace

fs::path write_input(std::string_view name, std::span<const std::byte> bytes) {
  // A new file under a new name for every input: no library can mistake it for a file it still
  // holds open, and io::check_structure, which walks a file once per process, walks each.
  static fs::path last;
  static std::uint64_t count = 0;
  std::error_code ec;
  if (!last.empty()) fs::remove(last, ec);
  char number[24];  // one width for every name: paths in messages are as long for each input
  std::snprintf(number, sizeof number, "%012llu-", static_cast<unsigned long long>(count++));
  const fs::path path = scratch() / (number + std::string(name));
  last = path;
  std::ofstream out(path, std::ios::binary);
  out.write(reinterpret_cast<const char*>(bytes.data()),
            static_cast<std::streamsize>(bytes.size()));
  out.close();
  if (!out) {
    std::fprintf(stderr, "fuzz: cannot write %s\n", path.c_str());
    std::abort();
  }
  return path;
}

std::pair<std::string_view, std::span<const std::byte>> split_line(const std::uint8_t* data,
                                                                   std::size_t size) {
  const std::string_view all(reinterpret_cast<const char*>(data), size);
  const auto nl = all.find('\n');
  const auto* bytes = reinterpret_cast<const std::byte*>(data);
  if (nl == std::string_view::npos) return {{}, {bytes, size}};
  return {all.substr(0, nl), {bytes + nl + 1, size - nl - 1}};
}

void init_hdf5() {
  io::silence_hdf5_errors();
  constexpr int kGlobal = 64 << 20;
  constexpr int kList = 16 << 20;
  H5set_free_list_limits(kGlobal, kList, kGlobal, kList, kGlobal, kList);
}

void check_no_open_hdf5_ids() {
  const ssize_t open = H5Fget_obj_count(H5F_OBJ_ALL, H5F_OBJ_ALL);
  if (open > 0) {
    std::fprintf(stderr, "fuzz: %zd HDF5 identifiers left open after the input\n", open);
    std::abort();
  }
}

}  // namespace nsperf::fuzz
