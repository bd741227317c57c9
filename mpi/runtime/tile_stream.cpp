// TileStream: rank 0 decodes a sequential image (PNG, JPEG) top to bottom and sends each tile as
// soon as its rows are decoded; the other ranks receive into buffers posted up front.
//
// Messages, rank 0 to rank j, in this order: j's tiles in id order (tag kStreamPixels, a tile
// above 1 GiB in several pieces), then one status (kStreamStatus): 0 when every tile was sent,
// 1 when rank 0 stopped because the file is damaged. Receives of one tag from one source match
// in the order they were posted, so the n-th pixel message fills j's n-th tile. The status
// comes after the last pixel message was posted, not necessarily after it arrived: a receiver
// that sees status 0 still waits for its tiles, and one that sees 1 cancels the receives that
// no message will match.
#include <mpi.h>

#include <algorithm>
#include <boost/mpi/collectives.hpp>
#include <deque>
#include <exception>
#include <string>
#include <vector>

#include "nsperf/core/error.hpp"
#include "nsperf/core/profiler.hpp"
#include "nsperf/core/timer.hpp"
#include "nsperf/mpi/workload.hpp"
#include "p2p.hpp"
#include "tiles.hpp"

namespace nsperf::mpi {
namespace {

constexpr int kSent = 0;
constexpr int kFailed = 1;

// Rank 0 keeps at most this many bytes of tiles in flight (at least one tile): a slow receiver
// then holds back the decode rather than the memory growing by the image again.
constexpr std::size_t kMaxBytesInFlight = std::size_t{256} << 20;

struct InFlight {
  std::vector<MPI_Request> requests;  // one per piece
  core::Image pixels;                 // kept alive until the requests complete
};

// Pieces of at most p2p::kMaxMessageBytes, each with its own request.
template <class Post>
std::vector<MPI_Request> post_pieces(std::span<std::byte> bytes, Post&& post) {
  std::vector<MPI_Request> requests;
  for (std::size_t done = 0; done < bytes.size(); done += p2p::kMaxMessageBytes) {
    const auto n = static_cast<int>(std::min(p2p::kMaxMessageBytes, bytes.size() - done));
    requests.push_back(MPI_REQUEST_NULL);
    post(bytes.data() + done, n, &requests.back());
  }
  return requests;
}

void wait_all(std::vector<MPI_Request>& requests, const char* call) {
  p2p::check(MPI_Waitall(static_cast<int>(requests.size()), requests.data(), MPI_STATUSES_IGNORE),
             call);
}

}  // namespace

struct TileStream::State {
  MPI_Comm comm = MPI_COMM_NULL;
  int rank = 0;
  int ranks = 1;
  Workload* w = nullptr;
  std::int64_t halo = 0;
  std::vector<std::int64_t> mine;  // tile ids, local index k -> id
  std::vector<bool> ready;         // by local index
  double busy_s = 0;
  bool finished = false;
  std::exception_ptr failure;  // thrown once; later calls return or rethrow as documented

  // Rank 0.
  std::unique_ptr<io::ImageReader> reader;
  std::int64_t next_row = 0;          // the next row of tiles to decode and send
  std::vector<std::size_t> local_of;  // tile id -> local index (rank 0's own tiles)
  std::deque<InFlight> in_flight;
  std::size_t bytes_in_flight = 0;

  // Other ranks.
  std::vector<std::vector<MPI_Request>> tile_requests;  // by local index
  MPI_Request status_request = MPI_REQUEST_NULL;
  int status = kSent;

  // Counts the time from here to the end of the scope as the stream's.
  struct Busy {
    double& total;
    core::Stopwatch clock{};
    ~Busy() { total += clock.elapsed_s(); }
  };

  // Rank 0: pump(), and on a failure tell the others and let the sends in flight complete.
  void pump_or_fail(std::int64_t last_row) {
    try {
      pump(last_row);
    } catch (...) {
      failure = std::current_exception();
      send_status(kFailed);
      retire(true);
      throw;
    }
  }

  // Rank 0: completes the oldest sends until the bytes in flight fit, and any that are done.
  void retire(bool all) {
    while (!in_flight.empty()) {
      auto& front = in_flight.front();
      if (all || bytes_in_flight > kMaxBytesInFlight) {
        wait_all(front.requests, "MPI_Waitall");
      } else {
        int done = 0;
        p2p::check(MPI_Testall(static_cast<int>(front.requests.size()), front.requests.data(),
                               &done, MPI_STATUSES_IGNORE),
                   "MPI_Testall");
        if (done == 0) return;
      }
      bytes_in_flight -= front.pixels.bytes().size();
      in_flight.pop_front();
    }
  }

  // Rank 0: decodes and hands out rows of tiles up to and including `last_row`.
  void pump(std::int64_t last_row) {
    const auto& plan = w->plan;
    const auto extent = w->image.extent;
    const std::int64_t columns = plan.columns();
    for (; next_row <= last_row; ++next_row) {
      const std::int64_t bottom = (next_row + 1) * plan.tile_size + halo;
      reader->decode_rows(std::min(bottom, extent.height));
      for (std::int64_t c = 0; c < columns; ++c) {
        const auto id = static_cast<std::size_t>(next_row * columns + c);
        const core::Rect& r = plan.tiles[id];
        core::Stopwatch cut;
        const core::Rect area = tiles::read_area(r, halo, extent);
        core::Image padded = tiles::pad(reader->read(area), area, r, halo);
        const int owner = plan.owner[id];
        if (owner == 0) {
          auto& tile = w->tiles[local_of[id]];
          tile.padded = std::move(padded);
          tile.io_s = cut.elapsed_s();
          ready[local_of[id]] = true;
          continue;
        }
        InFlight sending{{}, std::move(padded)};
        sending.requests =
            post_pieces(sending.pixels.bytes(), [&](std::byte* p, int n, MPI_Request* request) {
              p2p::check(MPI_Isend(p, n, MPI_BYTE, owner, p2p::kStreamPixels, comm, request),
                         "MPI_Isend");
            });
        bytes_in_flight += sending.pixels.bytes().size();
        in_flight.push_back(std::move(sending));
        retire(false);
      }
    }
  }

  // Rank 0: tells every other rank how the stream ended.
  void send_status(int value) {
    for (int j = 1; j < ranks; ++j)
      p2p::check(MPI_Send(&value, 1, MPI_INT, j, p2p::kStreamStatus, comm), "MPI_Send");
  }

  // Another rank: rank 0 stopped; no message will match the receives still pending.
  void abandon() {
    for (auto& requests : tile_requests) {
      for (auto& request : requests)
        if (request != MPI_REQUEST_NULL) MPI_Cancel(&request);
      // A receive already matched completes instead of being cancelled.
      MPI_Waitall(static_cast<int>(requests.size()), requests.data(), MPI_STATUSES_IGNORE);
    }
  }

  // Another rank: waits for the status if it has not come.
  void wait_status() {
    if (status_request != MPI_REQUEST_NULL)
      p2p::check(MPI_Wait(&status_request, MPI_STATUS_IGNORE), "MPI_Wait");
  }

  [[noreturn]] void stopped_sending() {
    abandon();
    failure = std::make_exception_ptr(MpiError(
        "rank 0 stopped sending tiles before this rank's were all sent: it could not decode "
        "the image (its error says why)"));
    std::rethrow_exception(failure);
  }

  // Another rank: waits for tile k, or for a status that says it will not come.
  void receive(std::size_t k) {
    auto& requests = tile_requests[k];
    for (auto& request : requests) {
      while (request != MPI_REQUEST_NULL) {
        if (status_request == MPI_REQUEST_NULL) {
          if (status == kFailed) stopped_sending();
          p2p::check(MPI_Wait(&request, MPI_STATUS_IGNORE), "MPI_Wait");
          break;
        }
        MPI_Request pair[2] = {request, status_request};
        int which = MPI_UNDEFINED;
        p2p::check(MPI_Waitany(2, pair, &which, MPI_STATUS_IGNORE), "MPI_Waitany");
        request = pair[0];
        status_request = pair[1];
      }
    }
    ready[k] = true;
  }
};

TileStream::TileStream(const bmpi::communicator& comm, Workload& workload,
                       const core::ImageSpec& spec, std::unique_ptr<io::ImageReader> reader,
                       std::int64_t tile, std::int64_t halo, core::Partition partition)
    : s_(std::make_unique<State>()) {
  workload = tiles::planned(comm, {}, spec, tile, halo, partition, /*rank0_last=*/true);
  State& s = *s_;
  s.comm = comm;
  s.rank = comm.rank();
  s.ranks = comm.size();
  s.w = &workload;
  s.halo = halo;
  s.reader = std::move(reader);
  s.mine = workload.plan.tiles_of(s.rank);
  s.ready.assign(s.mine.size(), false);
  if (s.rank == 0) s.local_of.assign(workload.plan.tiles.size(), 0);
  // Every buffer is made before any receive is posted: MPI holds their addresses.
  for (std::size_t k = 0; k < s.mine.size(); ++k) {
    const auto id = s.mine[k];
    const core::Rect& r = workload.plan.tiles[static_cast<std::size_t>(id)];
    LocalTile local{id, r, {}, 0.0, 0.0};
    if (s.rank != 0)
      local.padded = core::Image({r.width + 2 * halo, r.height + 2 * halo}, spec.dtype);
    workload.tiles.push_back(std::move(local));
    if (s.rank == 0) s.local_of[static_cast<std::size_t>(id)] = k;
  }
  if (s.rank == 0) {
    workload.bytes_read = s.reader->bytes_read();
    return;
  }
  NSPERF_MPI_REGION("MPI_Irecv");
  for (auto& local : workload.tiles) {
    s.tile_requests.push_back(post_pieces(local.padded.bytes(), [&](std::byte* p, int n,
                                                                    MPI_Request* request) {
      p2p::check(MPI_Irecv(p, n, MPI_BYTE, 0, p2p::kStreamPixels, s.comm, request), "MPI_Irecv");
    }));
  }
  p2p::check(MPI_Irecv(&s.status, 1, MPI_INT, 0, p2p::kStreamStatus, s.comm, &s.status_request),
             "MPI_Irecv");
}

TileStream::~TileStream() {
  State& s = *s_;
  if (s.finished) return;
  // Left before finish() (a failure agreed before the pipeline): nothing may stay in flight
  // into buffers about to be freed. Rank 0 stops sending and says so; the others cancel what
  // no message will match.
  if (s.rank == 0) {
    if (!s.failure) {
      const int value = kFailed;
      for (int j = 1; j < s.ranks; ++j) MPI_Send(&value, 1, MPI_INT, j, p2p::kStreamStatus, s.comm);
    }
    for (auto& sending : s.in_flight)
      MPI_Waitall(static_cast<int>(sending.requests.size()), sending.requests.data(),
                  MPI_STATUSES_IGNORE);
    return;
  }
  if (s.status_request != MPI_REQUEST_NULL) MPI_Wait(&s.status_request, MPI_STATUS_IGNORE);
  if (s.status == kFailed) {
    s.abandon();
  } else {
    for (auto& requests : s.tile_requests)
      MPI_Waitall(static_cast<int>(requests.size()), requests.data(), MPI_STATUSES_IGNORE);
  }
}

void TileStream::wait(std::size_t k) {
  State& s = *s_;
  if (s.failure) std::rethrow_exception(s.failure);
  if (s.ready[k]) return;
  NSPERF_REGION("stream");
  const State::Busy busy{s.busy_s};
  if (s.rank != 0) {
    s.receive(k);
    s.w->tiles[k].transfer_s = busy.clock.elapsed_s();
    return;
  }
  s.pump_or_fail(s.w->plan.tiles[static_cast<std::size_t>(s.mine[k])].y / s.w->plan.tile_size);
}

void TileStream::finish() {
  State& s = *s_;
  if (s.finished) return;
  NSPERF_REGION("stream");
  const State::Busy busy{s.busy_s};
  if (s.rank == 0) {
    s.finished = true;
    if (s.failure) return;  // thrown by wait(); the others were told
    s.pump_or_fail(s.w->plan.rows() - 1);
    s.send_status(kSent);
    s.retire(true);
    s.reader.reset();  // the decoded image: every tile has been cut from it
    return;
  }
  if (s.failure) {
    s.finished = true;
    return;  // thrown by wait(); nothing left pending
  }
  try {
    for (std::size_t k = 0; k < s.mine.size(); ++k)
      if (!s.ready[k]) s.receive(k);
  } catch (...) {
    s.finished = true;
    throw;
  }
  // Every tile is here: a status saying rank 0 failed later is rank 0's error to report.
  s.wait_status();
  s.finished = true;
}

double TileStream::busy_s() const noexcept { return s_->busy_s; }

}  // namespace nsperf::mpi
