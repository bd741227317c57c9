#include "nsperf/core/temporary_file.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "nsperf/core/error.hpp"
#include "nsperf/core/stop.hpp"

namespace nsperf::core {

std::filesystem::path folder_of(const std::filesystem::path& path) {
  return path.parent_path().empty() ? std::filesystem::path(".") : path.parent_path();
}

std::filesystem::path make_temporary(const std::filesystem::path& path, const std::string& suffix) {
  std::string name =
      (folder_of(path) / ("." + path.filename().string() + ".tmp.XXXXXX" + suffix)).string();
  const int fd = ::mkstemps(name.data(), static_cast<int>(suffix.size()));
  if (fd < 0) {
    throw IoError(path.string() + ": cannot create a temporary file in " +
                  folder_of(path).string() + " (" + std::strerror(errno) + ")");
  }
  // mkstemp makes it private (0600); the finished file is shared like any the user writes.
  const mode_t mask = ::umask(0);
  ::umask(mask);
  ::fchmod(fd, 0666 & ~mask);
  ::close(fd);
  return name;
}

TemporaryFile::TemporaryFile(const std::filesystem::path& target, const std::string& suffix)
    : path_(make_temporary(target, suffix)) {
  remove_on_stop(path_.string());
}

TemporaryFile::~TemporaryFile() {
  keep_on_stop(path_.string());
  if (!renamed_) ::unlink(path_.c_str());
}

void TemporaryFile::rename_to(const std::filesystem::path& target) {
  if (::rename(path_.c_str(), target.c_str()) != 0) {
    throw IoError(target.string() + ": cannot rename the finished file into place (" +
                  std::strerror(errno) + ")");
  }
  renamed_ = true;
}

}  // namespace nsperf::core
