#pragma once
// A scratch folder for optimizers that write files (io, database): made by rank 0 under a parent
// every node must see, checked from every rank, removed by rank 0 when the optimizer ends,
// however it ends.

#include <stdlib.h>

#include <boost/mpi/collectives.hpp>
#include <boost/mpi/communicator.hpp>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <string>

#include "nsperf/core/error.hpp"
#include "nsperf/mpi/phase.hpp"

namespace nsperf::mpi {

namespace fs = std::filesystem;

class Scratch {
 public:
  Scratch(const bmpi::communicator& comm, const fs::path& parent) : comm_(comm) {
    run_phase(comm, "io-dir", [&] {
      if (comm.rank() != 0) return;
      std::error_code ec;
      if (!fs::is_directory(parent, ec))
        throw InputError("--io-dir " + parent.string() + ": not a folder");
      std::string name = (parent / ".nsperf-io.XXXXXX").string();
      if (::mkdtemp(name.data()) == nullptr)
        throw InputError("--io-dir " + parent.string() + ": cannot make a scratch folder there (" +
                         std::strerror(errno) + ")");
      path_ = name;
    });
    std::string path = path_.string();
    bmpi::broadcast(comm, path, 0);
    path_ = path;
    run_phase(comm, "io-dir-visible", [&] {
      std::error_code ec;
      if (!fs::is_directory(path_, ec))
        throw InputError("io scratch folder " + path_.string() +
                         " is not visible here: pass --io-dir on a filesystem every node shares");
    });
  }
  Scratch(const Scratch&) = delete;
  Scratch& operator=(const Scratch&) = delete;
  ~Scratch() {
    if (comm_.rank() == 0 && !path_.empty()) {
      std::error_code ec;
      fs::remove_all(path_, ec);
    }
  }
  [[nodiscard]] const fs::path& path() const noexcept { return path_; }

 private:
  const bmpi::communicator& comm_;
  fs::path path_;
};

/// Where the file-writing optimizers make their scratch folder: optimizers.io.dir, else the
/// results file's folder.
inline fs::path scratch_parent(const std::string& io_dir, const std::string& results) {
  if (!io_dir.empty()) return io_dir;
  const fs::path folder = fs::path(results).parent_path();
  return folder.empty() ? fs::path(".") : folder;
}

}  // namespace nsperf::mpi
