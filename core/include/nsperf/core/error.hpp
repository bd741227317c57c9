#pragma once
/// \file The error hierarchy rooted at nsperf::Error, and the process exit codes.

#include <stdexcept>
#include <string>
#include <vector>

namespace nsperf {

/// Process exit codes: 0 success, 1 runtime failure, 2 bad usage or bad input.
/// interrupted: a stop signal ended the job early; what was complete is written (core/stop.hpp).
enum class ExitCode : int { success = 0, runtime = 1, usage = 2, interrupted = 3 };

/// Root of every error nsperf throws on purpose. Carries the exit code it should end with.
class Error : public std::runtime_error {
 public:
  explicit Error(const std::string& message, ExitCode code = ExitCode::runtime)
      : std::runtime_error(message), code_(code) {}
  /// The exit code the process should end with if this error ends it.
  [[nodiscard]] ExitCode exit_code() const noexcept { return code_; }

 private:
  ExitCode code_;
};

/// Bad command line: unknown command or option, malformed value (exit 2).
class UsageError : public Error {
 public:
  explicit UsageError(const std::string& message) : Error(message, ExitCode::usage) {}
};

/// One or more problems in a configuration (file, --set or option); all are reported at once
/// (exit 2).
class ConfigError : public Error {
 public:
  explicit ConfigError(std::vector<std::string> problems);
  /// Each problem on its own, naming the file or option and the key.
  [[nodiscard]] const std::vector<std::string>& problems() const noexcept { return problems_; }

 private:
  std::vector<std::string> problems_;
};

/// Bad input data or an unusable input/output path named by the user (exit 2).
class InputError : public Error {
 public:
  explicit InputError(const std::string& message) : Error(message, ExitCode::usage) {}
};

/// A failed read or write at run time: disk full, library error (exit 1).
class IoError : public Error {
 public:
  explicit IoError(const std::string& message) : Error(message, ExitCode::runtime) {}
};

/// A kernel could not run or produced unusable output (exit 1).
class KernelError : public Error {
 public:
  explicit KernelError(const std::string& message) : Error(message, ExitCode::runtime) {}
};

/// A communication failure or a failure agreed across ranks (exit as the failing rank's error).
class MpiError : public Error {
 public:
  explicit MpiError(const std::string& message, ExitCode code = ExitCode::runtime)
      : Error(message, code) {}
};

}  // namespace nsperf
