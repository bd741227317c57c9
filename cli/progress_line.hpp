#pragma once
// A progress line on stderr: redrawn in place on a terminal, sparse plain lines in batch logs.
// Short runs show nothing: the line appears after NSPERF_PROGRESS_AFTER seconds (default 2).

#include <cstdint>
#include <string_view>

#include "nsperf/core/timer.hpp"
#include "nsperf/mpi/optimizer.hpp"

namespace nsperf::cli {

class ProgressLine final : public mpi::ProgressSink {
 public:
  /// `enabled` false prints nothing (--no-progress).
  explicit ProgressLine(bool enabled);
  void update(std::int64_t done, std::int64_t total, std::string_view label) override;
  void finish() override;

 private:
  bool enabled_;
  bool terminal_;
  double delay_s_;  // nothing is shown before this much time has passed
  bool drawn_ = false;
  core::Stopwatch clock_;
  double last_draw_s_ = 0;
  int last_decile_ = 0;
};

}  // namespace nsperf::cli
