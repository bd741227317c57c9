#pragma once
/// \file The one reporter interface behind every --format: a kind of result (a comparison, a
/// table, a profile) has one writer per format it offers, registered in a Reporters; the command
/// parses --format through it (the valid names come from what was registered) and writes
/// through it. Analysis computes; reporters only format.

#include <functional>
#include <ostream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "nsperf/core/error.hpp"
#include "nsperf/core/text.hpp"

namespace nsperf::analysis {

enum class Format { text, json, csv, markdown };

/// "text", "json", "csv", "markdown".
std::string_view to_string(Format f) noexcept;

/// The writers of one kind of result `Result`, one per format, in the order added (the first is
/// the default).
template <class Result>
class Reporters {
 public:
  using Write = std::function<void(std::ostream&, const Result&)>;

  Reporters& add(Format format, Write write) {
    writers_.emplace_back(format, std::move(write));
    return *this;
  }

  /// The format named `text` (the value of `option`). Throws UsageError "--format X: valid:
  /// text, json" naming the formats this kind of result offers.
  [[nodiscard]] Format parse(std::string_view text, std::string_view option = "--format") const {
    for (const auto& [format, write] : writers_)
      if (to_string(format) == text) return format;
    throw UsageError(std::string(option) + " " + std::string(text) + ": valid: " + names());
  }

  /// "text, json, markdown", for help and messages.
  [[nodiscard]] std::string names() const {
    std::vector<std::string> all;
    for (const auto& entry : writers_) all.emplace_back(to_string(entry.first));
    return core::join(all);
  }

  /// The default format (the first added).
  [[nodiscard]] Format first() const { return writers_.front().first; }

  void write(std::ostream& out, const Result& result, Format format) const {
    for (const auto& [f, write] : writers_) {
      if (f == format) {
        write(out, result);
        return;
      }
    }
    throw UsageError("--format " + std::string(to_string(format)) + ": valid: " + names());
  }

 private:
  std::vector<std::pair<Format, Write>> writers_;
};

}  // namespace nsperf::analysis
