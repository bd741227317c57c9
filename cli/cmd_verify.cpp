// nsperf verify: re-checks results files and nsperf run outputs against the checksums and the
// layout stored in them.
#include <iostream>

#include "command.hpp"
#include "nsperf/core/error.hpp"
#include "nsperf/io/hdf5.hpp"
#include "nsperf/io/verify.hpp"

namespace nsperf::cli {
namespace {

int run(const CommandContext& ctx) {
  po::options_description options("Verify");
  options.add_options()("quiet,q", "print only what is damaged")("help,h", "this help");
  po::positional_options_description positional;
  const auto all = with_positionals(options, {{"file", -1}}, positional);
  const auto vm = parse_options(ctx.args, all, &positional, "verify");
  if (vm.count("help")) {
    std::cout
        << "usage: nsperf verify FILE.h5 [FILE.h5 ...] [-q]\n\n"
           "Recomputes every checksum stored in the files from the bytes that are there: each\n"
           "table's rows (rows_checksum), and for an output of nsperf run each tile of /mask\n"
           "and /gradient (checksums in /tiles), the tiles covering the image and the\n"
           "negative-space fraction; checks a results file's schema and that every run's\n"
           "tables and attributes are present and readable, and that the file's groups do\n"
           "not loop back into themselves; for the index.h5 of a many-image run, its table.\n"
           "Exit 0 when all is intact, 1 naming what is\n"
           "damaged or for an intact but incomplete run (one a stop signal ended; nsperf run\n"
           "--resume continues it), 2 for a file that is neither kind. No MPI.\n\n"
           "Example:\n  nsperf verify results.h5 output.h5\n\n"
        << options;
    return 0;
  }
  if (vm.count("file") == 0) throw UsageError("give the files to verify (nsperf verify --help)");
  const bool quiet = vm.count("quiet") > 0;
  io::silence_hdf5_errors();
  bool damaged = false;
  for (const auto& f : vm["file"].as<std::vector<std::string>>()) {
    const auto report = io::verify_file(f);
    std::cout << f << " (" << report.kind << "): "
              << (!report.ok()        ? "DAMAGED"
                  : report.incomplete ? "intact, but an INCOMPLETE run (continue it with nsperf "
                                        "run --resume and the same options)"
                                      : "intact")
              << "\n";
    for (const auto& c : report.checks) {
      if (quiet && c.ok) continue;
      std::cout << "  " << (c.ok ? "ok      " : "DAMAGED ") << c.what << ": " << c.detail << "\n";
    }
    damaged = damaged || !report.ok() || report.incomplete;
  }
  return damaged ? static_cast<int>(ExitCode::runtime) : 0;
}

}  // namespace
}  // namespace nsperf::cli

NSPERF_REGISTER_COMMAND(Verify, "verify", "re-check the checksums and layout of stored files",
                        /*uses_mpi=*/false, &nsperf::cli::run)
