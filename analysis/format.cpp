#include "nsperf/analysis/format.hpp"

namespace nsperf::analysis {

std::string_view to_string(Format f) noexcept {
  switch (f) {
    case Format::text:
      return "text";
    case Format::json:
      return "json";
    case Format::csv:
      return "csv";
    case Format::markdown:
      return "markdown";
  }
  return "?";
}

}  // namespace nsperf::analysis
