#include "progress_line.hpp"

#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <utility>

namespace nsperf::cli {
namespace {

std::string duration(double s) {
  const long total = std::lround(s);
  if (total < 60) return std::to_string(total) + "s";
  if (total < 3600) return std::to_string(total / 60) + "m" + std::to_string(total % 60) + "s";
  return std::to_string(total / 3600) + "h" + std::to_string(total / 60 % 60) + "m";
}

double delay_from_environment() {
  const char* text = std::getenv("NSPERF_PROGRESS_AFTER");
  if (text == nullptr) return 2.0;
  char* end = nullptr;
  const double v = std::strtod(text, &end);
  return end != text && v >= 0 ? v : 2.0;
}

}  // namespace

ProgressLine::ProgressLine(bool enabled, std::string unit, bool eta)
    : enabled_(enabled),
      unit_(std::move(unit)),
      eta_(eta),
      terminal_(::isatty(STDERR_FILENO) == 1),
      delay_s_(delay_from_environment()) {}

void ProgressLine::update(std::int64_t done, std::int64_t total, std::string_view label) {
  if (!enabled_ || total <= 0) return;
  const double elapsed = clock_.elapsed_s();
  // Short runs print nothing: a line that flashes by helps nobody.
  if (elapsed < delay_s_) return;
  const double fraction = static_cast<double>(done) / static_cast<double>(total);
  const std::string eta =
      !eta_ ? "" : ", ETA " + (done > 0 ? duration(elapsed * (1.0 - fraction) / fraction) : "?");
  const int percent = static_cast<int>(100.0 * fraction);
  if (terminal_) {
    if (elapsed - last_draw_s_ < 0.2 && done < total) return;
    last_draw_s_ = elapsed;
    std::fprintf(stderr, "\r[%3d%%] %lld/%lld %s, %.*s%s\033[K", percent,
                 static_cast<long long>(done), static_cast<long long>(total), unit_.c_str(),
                 static_cast<int>(label.size()), label.data(), eta.c_str());
    drawn_ = true;
  } else {
    // Batch logs: a line per 10%, and at least one a minute on very long steps.
    const int decile = percent / 10;
    if (decile <= last_decile_ && elapsed - last_draw_s_ < 60.0) return;
    last_decile_ = decile;
    last_draw_s_ = elapsed;
    std::fprintf(stderr, "progress: %d%% (%lld/%lld %s), %.*s, elapsed %s%s\n", percent,
                 static_cast<long long>(done), static_cast<long long>(total), unit_.c_str(),
                 static_cast<int>(label.size()), label.data(), duration(elapsed).c_str(),
                 eta.c_str());
  }
  std::fflush(stderr);
}

void ProgressLine::finish() {
  if (drawn_) std::fprintf(stderr, "\r\033[K");
  drawn_ = false;
  std::fflush(stderr);
}

}  // namespace nsperf::cli
