#pragma once
// How many tiles every rank has computed, known to rank 0 while the pipeline runs: for the
// progress metrics of `nsperf run` (--metrics-*). Each rank tells rank 0 its count with a small
// non-blocking message before each tile it starts; rank 0 reads them between its own tiles
// (never waiting) and once more at the end, when every rank sends its last count.

#include <mpi.h>

#include <cstdint>
#include <deque>
#include <functional>
#include <vector>

namespace nsperf::mpi {

class TileProgress {
 public:
  /// Collective over `comm`. `report(done, total)` runs on rank 0 whenever its sum changes;
  /// `already` tiles (resumed from an earlier run) count as done from the start.
  TileProgress(MPI_Comm comm, std::int64_t total, std::int64_t already,
               std::function<void(std::int64_t, std::int64_t)> report);
  TileProgress(const TileProgress&) = delete;
  TileProgress& operator=(const TileProgress&) = delete;
  ~TileProgress();

  /// This rank has computed `done` tiles so far (called before each tile it starts).
  void computed(std::int64_t done);

  /// Collective: every rank sends its final count, rank 0 receives every message still on
  /// its way and reports the sum; then every send is complete.
  void finish(std::int64_t done);

 private:
  void drain(bool until_every_rank_ended);
  MPI_Comm comm_ = MPI_COMM_NULL;
  int rank_ = 0;
  std::int64_t total_ = 0;
  std::int64_t already_ = 0;
  std::function<void(std::int64_t, std::int64_t)> report_;
  std::vector<std::int64_t> counts_;  // rank 0: each rank's latest count
  std::int64_t reported_ = -1;
  int ended_ = 0;
  // Other ranks: the counts on their way (one buffer per message, kept until finish; a deque,
  // so that a buffer never moves while MPI holds it).
  std::deque<std::int64_t> sent_;
  std::vector<MPI_Request> requests_;
  bool finished_ = false;
};

}  // namespace nsperf::mpi
