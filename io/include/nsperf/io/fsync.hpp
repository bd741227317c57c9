#pragma once
/// \file Making a file that a library wrote and closed durable.

#include <filesystem>

namespace nsperf::io {

/// Opens `path` (a file or a folder) and fsyncs it (any descriptor flushes the file's dirty
/// pages on Linux): makes durable what a library (MPI-IO, HDF5) wrote and closed, or, for a
/// folder, a rename in it. Throws IoError naming the call and the path.
void fsync_path(const std::filesystem::path& path);

}  // namespace nsperf::io
