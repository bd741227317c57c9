#pragma once
// Where a command's config comes from: --config FILE, else ./optimization_config.json when it
// exists, else the defaults; command-line values laid over it.

#include <boost/mpi/communicator.hpp>
#include <optional>
#include <string>
#include <vector>

#include "nsperf/core/config.hpp"

namespace nsperf::cli {

/// The config file to use: `explicit_path` if given (it must exist), else the default file if it
/// exists in the working directory, else none.
std::optional<std::string> config_path(const std::optional<std::string>& explicit_path);

/// Where the settings of a command come from, for the header it prints before measuring:
/// "./optimization_config.json (found in the current folder); command line: --repetitions 5,
/// --set optimizers.cpu.strategies=[\"scalar\"]". Local (rank 0).
std::string describe_config_sources(const std::optional<std::string>& explicit_path,
                                    const std::vector<core::Override>& overrides);

/// Reads (if any), validates and resolves. Throws ConfigError / InputError. Local.
core::Config resolve(const std::optional<std::string>& path,
                     const std::vector<core::Override>& overrides);

/// Collective over `comm`: rank 0 resolves (the file need not exist on other nodes); every rank
/// gets the same Config, with tile_is_default as rank 0 found it. With `fit_tile`, a default
/// tile larger than input.image is fitted to it here, which opens the image (a PNG or JPEG is
/// then decoded once more by the job: nsperf benchmark still does this); without, run_production
/// fits it once the image is read (ProductionRequest::config). Failures are agreed (PhaseFailed
/// on every rank).
/// `print_notes` false keeps the notes of resolving to itself (a command that resolves twice).
core::Config resolve_on_root(const boost::mpi::communicator& comm,
                             const std::optional<std::string>& path,
                             const std::vector<core::Override>& overrides, bool fit_tile = true,
                             bool print_notes = true);

}  // namespace nsperf::cli
