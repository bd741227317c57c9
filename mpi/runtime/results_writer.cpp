#include "nsperf/mpi/results_writer.hpp"

#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>
#include <iostream>

#include <boost/mpi/collectives.hpp>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <string>

#include "nsperf/core/error.hpp"
#include "nsperf/core/profiler.hpp"
#include "nsperf/core/stop.hpp"
#include "nsperf/core/text.hpp"
#include "nsperf/io/fsync.hpp"
#include "nsperf/io/results_file.hpp"
#include "nsperf/mpi/phase.hpp"

namespace nsperf::mpi {
namespace {

std::string mib(double bytes) { return core::format_bytes(bytes); }

// Refuses a write that cannot fit: HDF5 failing half-way through a collective write on a full
// disk cannot be recovered cleanly (it keeps the file open and retries at MPI_Finalize).
void check_room(const std::filesystem::path& path, std::uint64_t bytes) {
  struct statvfs fs {};
  if (::statvfs(core::folder_of(path).c_str(), &fs) == 0) {
    const auto free_bytes = static_cast<std::uint64_t>(fs.f_bavail) * fs.f_frsize;
    if (free_bytes < bytes) {
      throw IoError(path.string() + ": needs about " + mib(static_cast<double>(bytes)) + " in " +
                    core::folder_of(path).string() + ", where " +
                    mib(static_cast<double>(free_bytes)) +
                    " are free (the disk is full): free space or write elsewhere");
    }
  }
  struct rlimit limit {};
  if (::getrlimit(RLIMIT_FSIZE, &limit) == 0 && limit.rlim_cur != RLIM_INFINITY &&
      limit.rlim_cur < bytes) {
    throw IoError(path.string() + ": needs about " + mib(static_cast<double>(bytes)) +
                  ", more than this process's file-size limit of " +
                  mib(static_cast<double>(limit.rlim_cur)) + " (ulimit -f)");
  }
}

}  // namespace

void check_new_file(const std::filesystem::path& path, const std::string& name) {
  namespace fs = std::filesystem;
  if (path.empty() || path.filename().empty()) throw InputError(name + ": not a file name");
  const fs::path folder = core::folder_of(path);
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

void check_replaceable(const std::filesystem::path& path, const std::string& name) {
  struct stat st {};
  if (::lstat(path.c_str(), &st) != 0) return;  // nothing there (or unreadable: the write says)
  if (S_ISLNK(st.st_mode)) {
    std::error_code ec;
    const auto target = std::filesystem::read_symlink(path, ec);
    throw InputError(name + ": is a symbolic link" + (ec ? "" : " to " + target.string()) +
                     "; nsperf writes a new file and renames it into place, which would replace "
                     "the link, not its target: give the target's path");
  }
  if (S_ISREG(st.st_mode)) return;
  if (S_ISDIR(st.st_mode)) throw InputError(name + ": is a folder, not a file");
  const char* kind = S_ISCHR(st.st_mode)    ? "a character device"
                     : S_ISBLK(st.st_mode)  ? "a block device"
                     : S_ISFIFO(st.st_mode) ? "a FIFO"
                     : S_ISSOCK(st.st_mode) ? "a socket"
                                            : "not a regular file";
  throw InputError(name + ": is " + kind +
                   "; nsperf writes only regular files (a new one, renamed into place), so it "
                   "never replaces this, even with --force");
}

bool same_file(const std::filesystem::path& a, const std::filesystem::path& b) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (fs::exists(a, ec) && fs::exists(b, ec)) return fs::equivalent(a, b, ec) && !ec;
  const fs::path ca = fs::weakly_canonical(fs::absolute(a, ec), ec);
  const fs::path cb = fs::weakly_canonical(fs::absolute(b, ec), ec);
  return !ec && ca == cb;
}

void check_output(const std::filesystem::path& path, WriteMode mode,
                  const std::vector<InputFile>& inputs, const std::string& option,
                  bool can_append) {
  namespace fs = std::filesystem;
  const std::string name = option + " " + path.string();
  for (const auto& input : inputs) {
    if (!input.path.empty() && same_file(path, input.path)) {
      throw UsageError(name + ": is the same file as " + input.what +
                       "; writing the output would replace it, so nsperf refuses this even "
                       "with --force: give another output file");
    }
  }
  check_new_file(path, name);
  check_replaceable(path, name);
  std::error_code ec;
  const bool exists = fs::exists(path, ec);
  switch (mode) {
    case WriteMode::create:
      if (exists) {
        throw InputError(name + ": file exists; use --force to replace it" +
                         (can_append ? std::string(" or --append to add this run to it") : ""));
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

namespace {

// A parallel HDF5 write that failed part-way (a disk filling up, a quota, an I/O error) may have
// failed on some ranks only, and the open file then closes with collective calls that the ranks
// no longer make in step: waiting for agreement would hang, and leaving the file to HDF5 crashes
// it at MPI_Finalize. So the failing rank removes the temporary file and ends the job.
[[noreturn]] void abort_failed_write(const bmpi::communicator& comm,
                                     const std::filesystem::path& path,
                                     const std::string& temporary, const std::exception& e) {
  ::unlink(temporary.c_str());
  std::cerr << "[rank " + std::to_string(comm.rank()) + "] nsperf: error: writing " +
                   path.string() + " failed: " + e.what() + "\n(" + path.string() +
                   " is unchanged and the temporary file is removed; the writes of the other "
                   "ranks cannot be finished in order, so the job is aborted)\n"
            << std::flush;
  MPI_Abort(comm, static_cast<int>(ExitCode::runtime));
  std::abort();  // MPI_Abort does not return
}

}  // namespace

void write_through_temporary(const bmpi::communicator& comm, const std::filesystem::path& path,
                             bool copy_existing, const std::string& phases,
                             const std::function<void(const std::string&)>& write,
                             std::uint64_t new_bytes) {
  std::string temporary;
  try {
    run_phase(comm, phases + "-prepare", [&] {
      if (comm.rank() != 0) return;
      if (new_bytes > 0) {
        std::error_code ec;
        const auto existing = copy_existing ? std::filesystem::file_size(path, ec) : 0;
        // HDF5's metadata and the tables' headers: a generous allowance.
        check_room(path, new_bytes + new_bytes / 8 + (64u << 10) + (ec ? 0 : existing));
      }
      temporary = core::make_temporary(path).string();
      core::remove_on_stop(temporary);  // a stop signal during the write leaves nothing behind
      if (copy_existing) {
        // Changes go to a copy, so the original stays whole until the rename.
        std::filesystem::copy_file(path, temporary,
                                   std::filesystem::copy_options::overwrite_existing);
      }
    });
    bmpi::broadcast(comm, temporary, 0);
    {
      NSPERF_REGION(phases + "-write");
      try {
        write(temporary);
      } catch (const std::exception& e) {
        abort_failed_write(comm, path, temporary, e);
      }
    }
    // HDF5 does not flush to disk on close: every rank makes what it wrote durable (on a
    // parallel file system a client's fsync covers that client's writes only), and only then
    // is the file renamed into place, so that the name never points at data still in memory.
    run_phase(comm, phases + "-flush", [&] { io::fsync_path(temporary); });
    run_phase(comm, phases + "-commit", [&] {
      if (comm.rank() != 0) return;
      if (::rename(temporary.c_str(), path.c_str()) != 0) {
        throw IoError(path.string() + ": cannot rename the finished file into place (" +
                      std::strerror(errno) + ")");
      }
      core::keep_on_stop(temporary);
      io::fsync_path(core::folder_of(path));  // the rename itself
    });
  } catch (...) {
    if (comm.rank() == 0 && !temporary.empty()) {
      core::keep_on_stop(temporary);
      ::unlink(temporary.c_str());
    }
    throw;
  }
}

void write_results(const bmpi::communicator& comm, const std::filesystem::path& path,
                   WriteMode mode, const core::Provenance& provenance, const io::RunRows& rows) {
  const bool append = mode == WriteMode::append;
  // What this run adds, every rank's rows (the in-memory records are a little larger than the
  // packed rows stored).
  const std::uint64_t mine = rows.samples.size() * sizeof(core::Sample) +
                             rows.tiles.size() * sizeof(core::TileResult) +
                             rows.repetitions.size() * sizeof(core::Repetition) +
                             rows.summary.size() * sizeof(core::SummaryRow) +
                             rows.regions.size() * 400;  // a region row is 360 bytes stored
  const std::uint64_t bytes = bmpi::all_reduce(comm, mine, std::plus<>());
  write_through_temporary(
      comm, path, append, "results",
      [&](const std::string& temporary) {
        auto file = append ? io::ResultsFile::open_for_append(temporary, comm)
                           : io::ResultsFile::create(temporary, comm);
        try {
          file.write_run(provenance, rows);
          file.close();
        } catch (...) {
          file.abandon();  // not closed: see abort_failed_write
          throw;
        }
      },
      bytes);
}

}  // namespace nsperf::mpi
