#pragma once
// A progress line on stderr: redrawn in place on a terminal, sparse plain lines in batch logs.
// Short runs show nothing: the line appears after NSPERF_PROGRESS_AFTER seconds (default 2).

#include <cstdint>
#include <string>
#include <string_view>

#include "nsperf/core/timer.hpp"
#include "nsperf/mpi/optimizer.hpp"

namespace nsperf::cli {

class ProgressLine final : public mpi::ProgressSink {
 public:
  /// `enabled` false prints nothing (--no-progress). `unit` names what is counted; `eta` false
  /// leaves out the estimate, for units of very different lengths (a job's stages).
  explicit ProgressLine(bool enabled, std::string unit = "tile runs", bool eta = true);
  void update(std::int64_t done, std::int64_t total, std::string_view label) override;
  void finish() override;

 private:
  bool enabled_;
  std::string unit_;
  bool eta_;
  bool terminal_;
  double delay_s_;  // nothing is shown before this much time has passed
  bool drawn_ = false;
  core::Stopwatch clock_;
  double last_draw_s_ = 0;
  int last_decile_ = 0;
};

}  // namespace nsperf::cli
