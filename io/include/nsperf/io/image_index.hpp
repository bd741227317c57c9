#pragma once
/// \file The summary of a many-image `nsperf run`: `DIR/index.h5`, one row per image in /images
/// (docs/output-layout.md).

#include <cstdint>
#include <filesystem>
#include <limits>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "nsperf/core/provenance.hpp"

namespace nsperf::io {

/// What became of an image (ImageIndexRow::status, stored as text).
namespace image_status {
inline constexpr std::string_view ok = "ok";
inline constexpr std::string_view failed = "failed";              ///< see the row's error
inline constexpr std::string_view check_failed = "check-failed";  ///< written; --check differed
inline constexpr std::string_view interrupted = "interrupted";    ///< output holds what was done
inline constexpr std::string_view skipped = "skipped";  ///< complete output kept by --resume
inline constexpr std::string_view not_run = "not-run";  ///< a stop signal came first
}  // namespace image_status

/// One image of a many-image run. Times not measured by this job (an image skipped because its
/// output was complete, or one that failed before it was timed) are NaN, never 0.
struct ImageIndexRow {
  static constexpr double kNotMeasured = std::numeric_limits<double>::quiet_NaN();
  std::string image;       ///< as given (--image, --images)
  std::string output;      ///< the output file's name inside the output folder
  std::string status;      ///< one of image_status
  std::string error;       ///< why it failed; empty otherwise
  std::int64_t rank = -1;  ///< the rank that ran it alone; -1 when split across all ranks
  std::int64_t ranks = 0;  ///< ranks that ran it (0: not run)
  std::int64_t width = 0;  ///< pixels (0: unknown)
  std::int64_t height = 0;
  std::int64_t tiles = 0;
  std::int64_t threshold = -1;  ///< Otsu's bin; -1: unknown
  double negative_space_fraction = kNotMeasured;
  double setup_s = kNotMeasured;  ///< before the read: the run's checks, provenance, strategy
  double read_s = kNotMeasured;
  double pipeline_s = kNotMeasured;
  double check_s = kNotMeasured;
  double write_s = kNotMeasured;
  double close_s = kNotMeasured;  ///< after the write: /ranks, the output's size
  double wall_s = kNotMeasured;   ///< the image from start to its output in place
};

/// Local, without MPI of its own: writes `path` (a new file, replaced if present) with the
/// table /images and the root attributes `attributes`.
void write_image_index(
    const std::filesystem::path& path, const std::vector<ImageIndexRow>& rows,
    const std::vector<std::pair<std::string, core::Provenance::Value>>& attributes);

}  // namespace nsperf::io
