#include "nsperf/mpi/batch.hpp"

#include <mpi.h>

#include <algorithm>
#include <boost/mpi/collectives.hpp>
#include <filesystem>

#include "nsperf/core/error.hpp"
#include "nsperf/core/timer.hpp"
#include "nsperf/io/output_file.hpp"
#include "nsperf/mpi/job_context.hpp"
#include "serialization.hpp"

namespace nsperf::mpi {
namespace {

// Counters on rank 0 that every rank adds to with MPI_Fetch_and_op, under one passive-target
// epoch for the whole batch. Where the window is not in shared memory, a rank's add waits for
// rank 0 to enter MPI, which it does often (every image it runs calls MPI-IO).
class SharedCounters {
 public:
  SharedCounters(const bmpi::communicator& comm, int count) {
    const MPI_Aint bytes =
        comm.rank() == 0 ? count * static_cast<MPI_Aint>(sizeof(std::int64_t)) : 0;
    MPI_Win_allocate(bytes, sizeof(std::int64_t), MPI_INFO_NULL, comm, &base_, &window_);
    if (comm.rank() == 0) {
      // Local stores into window memory belong in an exclusive epoch of its own.
      MPI_Win_lock(MPI_LOCK_EXCLUSIVE, 0, 0, window_);
      std::fill(base_, base_ + count, std::int64_t{0});
      MPI_Win_unlock(0, window_);
    }
    MPI_Barrier(comm);
    MPI_Win_lock_all(MPI_MODE_NOCHECK, window_);
  }
  SharedCounters(const SharedCounters&) = delete;
  SharedCounters& operator=(const SharedCounters&) = delete;
  /// Collective: every rank leaves the epoch and frees the window.
  ~SharedCounters() {
    MPI_Win_unlock_all(window_);
    MPI_Win_free(&window_);
  }
  /// Adds `value` to counter `index`; returns its value before.
  std::int64_t fetch_add(int index, std::int64_t value) {
    std::int64_t before = 0;
    MPI_Fetch_and_op(&value, &before, MPI_INT64_T, 0, index, MPI_SUM, window_);
    MPI_Win_flush(0, window_);
    return before;
  }

 private:
  std::int64_t* base_ = nullptr;
  MPI_Win window_ = MPI_WIN_NULL;
};

enum Counter : int { kNextImage = 0, kImagesDone = 1 };

core::Config image_config(const core::Config& base, const BatchImage& item, int threads) {
  core::Config cfg = base;
  cfg.input.image = item.image;
  cfg.json["input"]["image"] = item.image;
  cfg.run.output = item.output;
  cfg.json["run"]["output"] = item.output;
  // A rank running an image alone keeps the threads it has in the whole job, rather than
  // taking every core of the node as a rank alone on it would.
  cfg.optimizers.at("cpu").settings["threads"] = threads;
  cfg.json["optimizers"]["cpu"]["threads"] = threads;
  return cfg;
}

// An image whose file holds more than a rank's share of all the images' bytes is split across
// every rank (file_bytes > total_bytes / ranks, without the division's rounding).
bool split_across_ranks(std::int64_t file_bytes, std::int64_t total_bytes, int ranks) {
  return ranks > 1 && file_bytes * ranks > total_bytes;
}

std::string output_name(const BatchImage& item) {
  return std::filesystem::path(item.output).filename().string();
}

io::ImageIndexRow run_image(const bmpi::communicator& comm, const BatchRequest& request,
                            const BatchImage& item, int threads, int rank) {
  io::ImageIndexRow row;
  row.image = item.image;
  row.output = output_name(item);
  row.rank = comm.size() == 1 ? rank : -1;
  row.ranks = comm.size();
  ProductionRequest production;
  production.config = image_config(request.config, item, threads);
  production.command_line = request.command_line;
  production.resume = item.action == BatchImage::Action::resume;
  production.stop_signal = request.stop_signal;
  const core::Stopwatch clock;
  try {
    const auto r = run_production(comm, production, nullptr);
    row.width = r.width;
    row.height = r.height;
    row.tiles = r.tiles;
    row.threshold = r.threshold;
    row.negative_space_fraction = r.negative_space_fraction;
    row.setup_s = r.setup_s;
    row.read_s = r.read_s;
    row.pipeline_s = r.compute_s;
    row.check_s = request.config.run.check ? r.check_s : io::ImageIndexRow::kNotMeasured;
    row.write_s = r.write_s;
    row.close_s = r.close_s;
    row.wall_s = clock.elapsed_s();
    row.status = r.failed_tiles > 0 ? io::image_status::check_failed : io::image_status::ok;
    if (r.failed_tiles > 0)
      row.error = "the check against the float64 reference failed on " +
                  std::to_string(r.failed_tiles) + " of " + std::to_string(r.tiles) + " tiles";
  } catch (const Error& e) {
    row.status = e.exit_code() == ExitCode::interrupted ? io::image_status::interrupted
                                                        : io::image_status::failed;
    row.error = e.what();
  } catch (const std::exception& e) {
    // Anything else (out of memory) fails this image, not the job.
    row.status = io::image_status::failed;
    row.error = e.what();
  }
  return row;
}

// A kept output's figures, from its attributes: the summary shows them too.
io::ImageIndexRow skipped_row(const BatchImage& item) {
  io::ImageIndexRow row;
  row.image = item.image;
  row.output = output_name(item);
  row.status = io::image_status::skipped;
  try {
    for (const auto& [name, value] : io::read_output_attributes(item.output)) {
      const auto* i = std::get_if<std::int64_t>(&value);
      const auto* d = std::get_if<double>(&value);
      if (name == "width" && i) row.width = *i;
      if (name == "height" && i) row.height = *i;
      if (name == "threshold" && i) row.threshold = *i;
      if (name == "negative_space_fraction" && d) row.negative_space_fraction = *d;
    }
    row.tiles = static_cast<std::int64_t>(io::OutputReader(item.output).tiles().size());
  } catch (const Error& e) {
    row.error = e.what();  // it was intact when planned; say what changed since
  }
  return row;
}

}  // namespace

std::vector<io::ImageIndexRow> run_batch(const bmpi::communicator& comm,
                                         const BatchRequest& request, ProgressSink* sink) {
  std::vector<BatchImage> images = request.images;
  bmpi::broadcast(comm, images, 0);
  const auto count = static_cast<std::int64_t>(images.size());
  const int threads = node_layout(comm, request.config.setting<int>("cpu", "threads")).threads;
  Progress progress(comm.rank() == 0 ? sink : nullptr, count);
  std::int64_t total_bytes = 0;
  for (const auto& item : images) total_bytes += item.file_bytes;

  // Rows this rank made, by image.
  std::vector<std::pair<std::size_t, io::ImageIndexRow>> mine;
  std::int64_t settled = 0;  // images done or skipped, as rank 0 last knew
  std::vector<std::size_t> split;
  std::vector<std::size_t> alone;
  for (std::size_t i = 0; i < images.size(); ++i) {
    if (images[i].action == BatchImage::Action::skip) {
      ++settled;
      if (comm.rank() == 0) mine.emplace_back(i, skipped_row(images[i]));
    } else {
      (split_across_ranks(images[i].file_bytes, total_bytes, comm.size()) ? split : alone)
          .push_back(i);
    }
  }
  progress.set(settled, "");

  // The large images first, each across every rank; the ranks agree on a stop between them.
  for (const std::size_t i : split) {
    const int local = request.stop_signal ? request.stop_signal() : 0;
    if (bmpi::all_reduce(comm, local, bmpi::maximum<int>()) != 0) break;
    auto row = run_image(comm, request, images[i], threads, comm.rank());
    if (comm.rank() == 0) mine.emplace_back(i, std::move(row));
    progress.set(++settled, images[i].image);
  }

  // The others whole, one per rank, the largest first, to whichever rank is free.
  std::stable_sort(alone.begin(), alone.end(), [&](std::size_t a, std::size_t b) {
    return images[a].file_bytes > images[b].file_bytes;
  });
  {
    SharedCounters counters(comm, 2);
    const bmpi::communicator self(MPI_COMM_SELF, bmpi::comm_attach);
    for (;;) {
      if (request.stop_signal && request.stop_signal() != 0) break;
      const auto next = counters.fetch_add(kNextImage, 1);
      if (next >= static_cast<std::int64_t>(alone.size())) break;
      const std::size_t i = alone[static_cast<std::size_t>(next)];
      mine.emplace_back(i, run_image(self, request, images[i], threads, comm.rank()));
      const auto done = counters.fetch_add(kImagesDone, 1) + 1;
      progress.set(settled + done, images[i].image);
    }
  }  // every rank frees the counters together

  // Every row to rank 0, in the order of the images; an image no rank started is not run.
  std::vector<std::vector<std::pair<std::size_t, io::ImageIndexRow>>> gathered;
  bmpi::gather(comm, mine, gathered, 0);
  progress.finish();
  if (comm.rank() != 0) return {};
  std::vector<io::ImageIndexRow> result(images.size());
  for (std::size_t i = 0; i < images.size(); ++i) {
    result[i].image = images[i].image;
    result[i].output = output_name(images[i]);
    result[i].status = io::image_status::not_run;
  }
  for (auto& rows : gathered)
    for (auto& [i, row] : rows) result.at(i) = std::move(row);
  return result;
}

}  // namespace nsperf::mpi
