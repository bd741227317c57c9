#pragma once
/// \file Writing a run into the results file so that a failed or killed run never leaves a
/// half-written file under the requested name: the file is written under a temporary name in
/// the same folder and renamed into place when complete.

#include <boost/mpi/communicator.hpp>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <span>
#include <string>
#include <vector>

#include "nsperf/core/provenance.hpp"
#include "nsperf/core/records.hpp"
#include "nsperf/core/temporary_file.hpp"
#include "nsperf/io/results_file.hpp"

namespace nsperf::mpi {

namespace bmpi = boost::mpi;

/// What to do when the results file exists.
enum class WriteMode {
  create,     ///< it must not exist
  overwrite,  ///< replace it (--force)
  append,     ///< add this run to it (--append); it must be an nsperf results file
};

/// Checks, before any work, that a file can be made at `path`: its folder exists and is
/// writable (a file is made and removed there). Throws InputError starting with `name` (the
/// option and the path). Local.
void check_new_file(const std::filesystem::path& path, const std::string& name);

/// Refuses an existing `path` that a new file renamed into place must not replace: a symbolic
/// link (the rename would replace the link, not the file it points to) or anything but a regular
/// file (a device such as /dev/null, which root could otherwise replace; a FIFO, a socket, a
/// folder). Throws InputError starting with `name`. Nothing at `path` passes. Local.
void check_replaceable(const std::filesystem::path& path, const std::string& name);

/// A file the job reads, for the refusal to write over it: `what` names it ("--image a.tif").
struct InputFile {
  std::filesystem::path path;
  std::string what;
};

/// Checks, before any work, that `path` can be written in `mode` and is none of `inputs` (by
/// any path: a hard or symbolic link to an input is the input; refused in every mode, --force
/// included, since the write would replace the file being read). Throws InputError naming the
/// path as `option` gives it and what would be valid (UsageError when it is an input); an
/// existing file's message offers --append where the command has it (`can_append`). Local:
/// call on one rank.
void check_output(const std::filesystem::path& path, WriteMode mode,
                  const std::vector<InputFile>& inputs = {}, const std::string& option = "--output",
                  bool can_append = false);

/// Whether `a` and `b` are the same file: the same inode when both exist, else the same
/// absolute path once `.`, `..` and symbolic links are resolved.
bool same_file(const std::filesystem::path& a, const std::filesystem::path& b);

/// Collective over `comm`: calls `write(temporary)` on every rank (a collective body that
/// writes the whole file at `temporary`, a new file next to `path`, or a copy of `path` if
/// `copy_existing`), then renames it to `path`. The phases are named `phases`-prepare, -write and
/// -commit. `new_bytes` (0 if unknown) is about what the write adds: a folder without that much
/// free space (plus a copy of the existing file), or a file-size limit below it, is refused in
/// the prepare phase, before HDF5 starts writing. On failure the temporary file is removed and
/// an earlier file at `path` is untouched; every rank throws PhaseFailed, except when `write`
/// itself throws: then the failing rank says so and aborts the job (exit 1), since the ranks
/// can no longer close the half-written file together. `write` must abandon, not close, its
/// file when it fails (io::OutputFile::abandon).
void write_through_temporary(const bmpi::communicator& comm, const std::filesystem::path& path,
                             bool copy_existing, const std::string& phases,
                             const std::function<void(const std::string&)>& write,
                             std::uint64_t new_bytes = 0);

/// Collective over `comm`: writes the run (`provenance` identical on every rank, each rank its
/// own rows) into `path`, through a temporary file renamed into place when every rank's rows are
/// written. On failure the temporary file is removed and an earlier file at `path` is untouched;
/// every rank throws PhaseFailed.
void write_results(const bmpi::communicator& comm, const std::filesystem::path& path,
                   WriteMode mode, const core::Provenance& provenance, const io::RunRows& rows);

}  // namespace nsperf::mpi
