#pragma once
// The production job as a command: `nsperf run`, and `nsperf profile` with run options, which
// is the same job followed by its profile.

#include "command.hpp"

namespace nsperf::cli {

/// Collective over ctx.world: parses run options (and, for `profile`, --top and --tree), runs
/// the production job, prints its report on rank 0, and its profile when `profile`. Returns the
/// exit code.
int run_job(const CommandContext& ctx, bool profile);

}  // namespace nsperf::cli
