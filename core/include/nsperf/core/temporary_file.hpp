#pragma once
/// \file Files written whole or not at all: made under a temporary name beside the target and
/// renamed into place when complete, so a failed or stopped command never leaves half a file
/// under the name the user asked for.

#include <filesystem>
#include <string>

namespace nsperf::core {

/// The folder `path` is in ("." for a bare file name).
std::filesystem::path folder_of(const std::filesystem::path& path);

/// A new, empty, uniquely named file beside `path` (same folder, so a rename is atomic), named
/// `.<name>.tmp.XXXXXX<suffix>`, with the permissions a normal file gets. Throws IoError naming
/// the folder if it cannot be made. Local.
std::filesystem::path make_temporary(const std::filesystem::path& path,
                                     const std::string& suffix = "");

/// A file made by make_temporary(target, suffix) and written by one process: removed when it
/// goes out of scope, or by a stop signal that ends the process (remove_on_stop), unless
/// renamed into place first. Local.
class TemporaryFile {
 public:
  explicit TemporaryFile(const std::filesystem::path& target, const std::string& suffix = "");
  ~TemporaryFile();
  TemporaryFile(const TemporaryFile&) = delete;
  TemporaryFile& operator=(const TemporaryFile&) = delete;

  [[nodiscard]] const std::filesystem::path& path() const noexcept { return path_; }
  /// Renames the finished file to `target`. Throws IoError naming `target`.
  void rename_to(const std::filesystem::path& target);

 private:
  std::filesystem::path path_;
  bool renamed_ = false;
};

}  // namespace nsperf::core
