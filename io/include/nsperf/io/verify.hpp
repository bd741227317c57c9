#pragma once
/// \file `nsperf verify`: re-checks a results file or an output of nsperf run against the
/// checksums and the layout stored in it. Without MPI.

#include <filesystem>
#include <string>
#include <vector>

namespace nsperf::io {

/// One check and its outcome.
struct VerifyCheck {
  std::string what;  ///< "runs/<id>/samples", "/mask tile 17", ...
  bool ok = true;
  std::string detail;  ///< what was compared, or what is wrong
};

/// Everything checked in one file.
struct VerifyReport {
  std::string kind;  ///< "results", "output" or "index" (DIR/index.h5 of a many-image run)
  std::vector<VerifyCheck> checks;
  /// An output a stop signal ended early (status incomplete): what it holds was checked, but it
  /// is not a finished run.
  bool incomplete = false;
  [[nodiscard]] bool ok() const {
    for (const auto& c : checks)
      if (!c.ok) return false;
    return true;
  }
};

/// Checks `path`: every table against its stored checksum, the results schema (every run's
/// tables present and readable), and for an output of nsperf run every tile of /mask and
/// /gradient against the checksums in /tiles, the tiles covering the image and the stored
/// negative-space fraction. Damage found is reported in the checks (not thrown), also groups
/// that loop (walk_groups) and attributes that cannot be read; throws InputError naming the
/// file if it is neither kind of file or cannot be opened at all.
VerifyReport verify_file(const std::filesystem::path& path);

}  // namespace nsperf::io
