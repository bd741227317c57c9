#pragma once
/// \file Many images in one `nsperf run`: each image is a production run (production.hpp) of
/// its own, with its own output; the images are shared among the ranks as they free up.

#include <boost/mpi/communicator.hpp>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "nsperf/io/image_index.hpp"
#include "nsperf/mpi/optimizer.hpp"
#include "nsperf/mpi/production.hpp"

namespace nsperf::mpi {

/// One image of the batch, as rank 0 planned it.
struct BatchImage {
  std::string image;   ///< as given: a file, with a FITS extension or HDF5 dataset if any
  std::string output;  ///< its output file
  /// What to do: run (a new output, or replacing one), resume (continue the incomplete run in
  /// `output`), skip (its output is complete and intact; --resume keeps it).
  enum class Action : std::uint8_t { run, resume, skip } action = Action::run;
  std::int64_t file_bytes = 0;  ///< the size of its file (0 if it cannot be read)
};

struct BatchRequest {
  /// The job's settings; input.image and run.output are set per image. The tile is fitted to
  /// an image smaller than it when `config.tile_is_default`.
  core::Config config;
  std::string command_line;
  std::vector<BatchImage> images;  ///< rank 0's plan (run_batch sends it to the other ranks)
  /// As ProductionRequest::stop_signal: asked between images and between tiles.
  std::function<int()> stop_signal;
};

/// Collective over `comm`: runs every image not skipped, each into its own output through
/// run_production. How the images are shared: an image whose file holds more than a rank's
/// share of all the images' bytes (total / ranks) is split into tiles across every rank (over
/// `comm`), one such image after another; the others go whole to one rank each (over that rank
/// alone), largest first, to whichever rank frees up first (a shared counter on rank 0, taken
/// with MPI_Fetch_and_op). With one rank, every image goes whole to it. An image that
/// fails is recorded with its error and the others go on. After a stop signal no new image is
/// started; the one running stops between tiles as a single run does (its output holds an
/// incomplete run). Returns one row per image, in the order of `request.images`, on rank 0
/// (empty elsewhere). `progress` counts images on rank 0 and may be null.
std::vector<io::ImageIndexRow> run_batch(const bmpi::communicator& comm,
                                         const BatchRequest& request, ProgressSink* progress);

}  // namespace nsperf::mpi
