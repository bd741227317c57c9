#include "tile_progress.hpp"

#include <numeric>

namespace nsperf::mpi {
namespace {

constexpr int kCountTag = 1;  // a count so far
constexpr int kEndTag = 2;    // the last count of a rank

}  // namespace

TileProgress::TileProgress(MPI_Comm comm, std::int64_t total, std::int64_t already,
                           std::function<void(std::int64_t, std::int64_t)> report)
    : total_(total), already_(already), report_(std::move(report)) {
  // A communicator of its own: these messages never match the job's.
  MPI_Comm_dup(comm, &comm_);
  MPI_Comm_rank(comm_, &rank_);
  int size = 1;
  MPI_Comm_size(comm_, &size);
  if (rank_ == 0) counts_.assign(static_cast<std::size_t>(size), 0);
}

TileProgress::~TileProgress() {
  // Without finish (the pipeline failed on every rank, which then ends the job): the sends are
  // small and buffered; they are left to MPI_Finalize rather than waited for here.
  if (comm_ != MPI_COMM_NULL && finished_) MPI_Comm_free(&comm_);
}

void TileProgress::computed(std::int64_t done) {
  if (rank_ == 0) {
    counts_[0] = done;
    drain(false);
    return;
  }
  // The counts only grow: one in flight per tile at most, a few bytes each.
  sent_.push_back(done);
  requests_.emplace_back();
  MPI_Isend(&sent_.back(), 1, MPI_INT64_T, 0, kCountTag, comm_, &requests_.back());
}

void TileProgress::drain(bool until_every_rank_ended) {
  const int size = static_cast<int>(counts_.size());
  for (;;) {
    int arrived = 0;
    MPI_Status status;
    if (until_every_rank_ended) {
      if (ended_ == size - 1) break;
      MPI_Probe(MPI_ANY_SOURCE, MPI_ANY_TAG, comm_, &status);
      arrived = 1;
    } else {
      MPI_Iprobe(MPI_ANY_SOURCE, MPI_ANY_TAG, comm_, &arrived, &status);
    }
    if (arrived == 0) break;
    std::int64_t count = 0;
    MPI_Recv(&count, 1, MPI_INT64_T, status.MPI_SOURCE, status.MPI_TAG, comm_, MPI_STATUS_IGNORE);
    counts_[static_cast<std::size_t>(status.MPI_SOURCE)] = count;
    if (status.MPI_TAG == kEndTag) ++ended_;
  }
  const std::int64_t sum =
      already_ + std::accumulate(counts_.begin(), counts_.end(), std::int64_t{0});
  if (sum != reported_ && report_) report_(sum, total_);
  reported_ = sum;
}

void TileProgress::finish(std::int64_t done) {
  if (rank_ == 0) {
    counts_[0] = done;
    drain(true);
  } else {
    MPI_Send(&done, 1, MPI_INT64_T, 0, kEndTag, comm_);
    MPI_Waitall(static_cast<int>(requests_.size()), requests_.data(), MPI_STATUSES_IGNORE);
  }
  finished_ = true;
}

}  // namespace nsperf::mpi
