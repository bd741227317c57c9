#pragma once
// The options that choose a command's input image (benchmark and run share them) and turn into
// config overrides.

#include <boost/program_options.hpp>
#include <vector>

#include "nsperf/core/config.hpp"

namespace nsperf::cli {

/// --image, --raw, --synthetic, --tile, --seed, --skew.
boost::program_options::options_description input_options();

/// Appends the overrides the input options in `vm` give. Throws UsageError for --image with
/// --synthetic.
void add_input_overrides(const boost::program_options::variables_map& vm,
                         std::vector<core::Override>& overrides);

/// Appends one override per --set KEY=VALUE in `vm`.
void add_set_overrides(const boost::program_options::variables_map& vm,
                       std::vector<core::Override>& overrides);

}  // namespace nsperf::cli
