#include "nsperf/core/error.hpp"

namespace nsperf {
namespace {

std::string join_lines(const std::vector<std::string>& problems) {
  if (problems.size() == 1) return problems.front();
  std::string text = std::to_string(problems.size()) + " problems:";
  for (const auto& p : problems) text += "\n  - " + p;
  return text;
}

}  // namespace

ConfigError::ConfigError(std::vector<std::string> problems)
    : Error(join_lines(problems), ExitCode::usage), problems_(std::move(problems)) {}

}  // namespace nsperf
