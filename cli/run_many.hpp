#pragma once
// `nsperf run` over many images: --image given several times or as a glob, --images LIST, and
// --output-dir DIR, one output per image and DIR/index.h5 summarizing them.

#include <string>
#include <vector>

#include "command.hpp"
#include "nsperf/core/config.hpp"
#include "nsperf/metrics/publisher.hpp"
#include "nsperf/mpi/results_writer.hpp"

namespace nsperf::cli {

struct ManyImages {
  std::vector<std::string> images;               ///< --image values, globs not yet expanded
  std::string list;                              ///< --images LIST ("" for none)
  std::string output_dir;                        ///< --output-dir
  mpi::WriteMode mode = mpi::WriteMode::create;  ///< overwrite with --force
  bool resume = false;
  bool progress = true;
  metrics::PublishOptions publish;  ///< --metrics-*: the job's images by status, and progress
};

/// Whether `text` is a glob to expand: it has * or ? (a '[' alone is a FITS extension or an
/// HDF5 index, not a character class).
bool is_glob(const std::string& text);

/// Rank 0: the images that --image (repeatable, quoted globs expanded) and --images LIST (one per
/// line) name, in that order. Throws UsageError when there is none or a glob matches no file,
/// InputError when the list cannot be read.
std::vector<std::string> image_texts(const std::vector<std::string>& given,
                                     const std::string& list);

/// Collective over ctx.world: plans the images on rank 0 (expands globs, reads the list, names
/// the outputs and refuses collisions and outputs that are inputs, before any work), runs them
/// (mpi::run_batch), writes DIR/index.h5 and prints the summary. Returns the exit code: 0, 1 if
/// any image failed, 3 if a stop signal ended the job.
int run_many(const CommandContext& ctx, const ManyImages& many, const core::Config& cfg);

}  // namespace nsperf::cli
