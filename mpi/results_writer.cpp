#include "nsperf/mpi/results_writer.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <boost/mpi/collectives.hpp>
#include <cerrno>
#include <cstring>
#include <string>

#include "nsperf/core/error.hpp"
#include "nsperf/io/results_file.hpp"
#include "nsperf/mpi/phase.hpp"

namespace nsperf::mpi {
namespace {

std::filesystem::path folder_of(const std::filesystem::path& path) {
  return path.parent_path().empty() ? std::filesystem::path(".") : path.parent_path();
}

// A new, empty, uniquely named file next to `path`, with the permissions a normal file gets.
std::filesystem::path make_temporary(const std::filesystem::path& path) {
  std::string name = (folder_of(path) / ("." + path.filename().string() + ".tmp.XXXXXX")).string();
  const int fd = ::mkstemp(name.data());
  if (fd < 0) {
    throw IoError(path.string() + ": cannot create a temporary file in " +
                  folder_of(path).string() + " (" + std::strerror(errno) + ")");
  }
  const mode_t mask = ::umask(0);
  ::umask(mask);
  ::fchmod(fd, 0666 & ~mask);
  ::close(fd);
  return name;
}

}  // namespace

void check_new_file(const std::filesystem::path& path, const std::string& name) {
  namespace fs = std::filesystem;
  if (path.empty() || path.filename().empty()) throw InputError(name + ": not a file name");
  const fs::path folder = folder_of(path);
  std::error_code ec;
  if (!fs::is_directory(folder, ec)) {
    throw InputError(name + ": folder " + folder.string() + " does not exist (create it first)");
  }
  // Permission bits do not tell (root passes access(); a read-only mount does not show in
  // them), so make and remove a file there, as the writer will.
  std::string probe = (folder / ".nsperf-probe.XXXXXX").string();
  const int fd = ::mkstemp(probe.data());
  if (fd < 0) {
    throw InputError(name + ": folder " + folder.string() + " is not writable (" +
                     std::strerror(errno) + ")");
  }
  ::close(fd);
  ::unlink(probe.c_str());
}

void check_output(const std::filesystem::path& path, WriteMode mode) {
  namespace fs = std::filesystem;
  const std::string name = "--output " + path.string();
  check_new_file(path, name);
  std::error_code ec;
  const bool exists = fs::exists(path, ec);
  if (exists && fs::is_directory(path, ec)) throw InputError(name + ": is a folder, not a file");
  switch (mode) {
    case WriteMode::create:
      if (exists) {
        throw InputError(name +
                         ": file exists; use --force to replace it or --append to add "
                         "this run to it");
      }
      break;
    case WriteMode::overwrite:
      break;
    case WriteMode::append:
      if (!exists) throw InputError(name + ": --append needs an existing results file; none there");
      (void)io::list_runs(path);  // throws InputError if it is not one we can extend
      break;
  }
}

void write_through_temporary(const bmpi::communicator& comm, const std::filesystem::path& path,
                             bool copy_existing, const std::string& phases,
                             const std::function<void(const std::string&)>& write) {
  std::string temporary;
  try {
    run_phase(comm, phases + "-prepare", [&] {
      if (comm.rank() != 0) return;
      temporary = make_temporary(path).string();
      if (copy_existing) {
        // Changes go to a copy, so the original stays whole until the rename.
        std::filesystem::copy_file(path, temporary,
                                   std::filesystem::copy_options::overwrite_existing);
      }
    });
    bmpi::broadcast(comm, temporary, 0);
    run_collective(comm, phases + "-write", [&] { write(temporary); });
    run_phase(comm, phases + "-commit", [&] {
      if (comm.rank() != 0) return;
      if (::rename(temporary.c_str(), path.c_str()) != 0) {
        throw IoError(path.string() + ": cannot rename the finished file into place (" +
                      std::strerror(errno) + ")");
      }
    });
  } catch (...) {
    if (comm.rank() == 0 && !temporary.empty()) ::unlink(temporary.c_str());
    throw;
  }
}

void write_results(const bmpi::communicator& comm, const std::filesystem::path& path,
                   WriteMode mode, const core::Provenance& provenance, const io::RunRows& rows) {
  const bool append = mode == WriteMode::append;
  write_through_temporary(comm, path, append, "results", [&](const std::string& temporary) {
    auto file = append ? io::ResultsFile::open_for_append(temporary, comm)
                       : io::ResultsFile::create(temporary, comm);
    file.write_run(provenance, rows);
    file.close();
  });
}

}  // namespace nsperf::mpi
