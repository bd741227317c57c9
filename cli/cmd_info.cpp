// nsperf info: this machine, the libraries, and the measured memory-bandwidth ceiling. Does not
// start MPI (MPI_Get_library_version may be called before MPI_Init).
#include <unistd.h>

#include <iomanip>
#include <iostream>

#include "command.hpp"
#include "nsperf/core/memory.hpp"
#include "nsperf/core/provenance.hpp"
#include "nsperf/core/strategy.hpp"
#include "nsperf/core/version.hpp"
#include "nsperf/kernels/machine.hpp"
#include "nsperf/mpi/job_context.hpp"
#include "nsperf/mpi/optimizer.hpp"

namespace nsperf::cli {
namespace {

int run(const CommandContext& ctx) {
  po::options_description options("Options");
  options.add_options()("no-bandwidth", "skip the memory-bandwidth measurement (about 2 s)")(
      "help,h", "this help");
  const auto vm = parse_options(ctx.args, options, nullptr, "info");
  if (vm.count("help")) {
    std::cout
        << "usage: nsperf info [--no-bandwidth]\n\nPrints the build, this machine, the "
           "libraries, the optimizers, and the memory bandwidth kernels are compared with.\n\n"
           "Example:\n  nsperf info --no-bandwidth\n\n"
        << options;
    return 0;
  }
  char host[256] = "unknown";
  ::gethostname(host, sizeof host - 1);
  std::cout << "nsperf     " << core::version() << " (git " << core::git_commit() << ")\n"
            << "build      " << core::compiler() << ", " << core::build_type() << ", "
            << core::build_flags() << "\n"
            << "simd       " << kernels::compiled_simd_isa() << "\n"
            << "host       " << host << ": " << core::cpu_model() << ", " << core::online_cores()
            << " cores (this process may use " << core::affinity_cpus() << "), " << std::fixed
            << std::setprecision(1)
            << static_cast<double>(core::physical_memory_bytes()) / (1 << 30) << " GiB\n"
            << "libraries  " << mpi::library_versions() << "\n"
            << "openmp     " << kernels::openmp_max_threads() << " threads, "
            << kernels::openmp_binding() << "\n";
  for (const auto& o : mpi::optimizers().entries()) {
    std::cout << "optimizer  " << o.name << ":";
    for (const auto& s : core::strategy_catalog().strategies(o.name)) {
      std::cout << " " << s.name << (s.baseline ? " (baseline)" : "");
    }
    std::cout << "\n";
  }
  if (vm.count("no-bandwidth") == 0) {
    const auto one = kernels::measure_triad_bandwidth(1);
    const auto all = kernels::measure_triad_bandwidth(0);
    std::cout << std::setprecision(1) << "bandwidth  STREAM-style triad, 3 arrays of "
              << one.array_mib << " MiB, best of 7: " << one.best_gbyte_per_s
              << " GB/s on 1 thread, " << all.best_gbyte_per_s << " GB/s on " << all.threads
              << " threads (medians " << one.median_gbyte_per_s << ", " << all.median_gbyte_per_s
              << ")\n";
  }
  return 0;
}

}  // namespace
}  // namespace nsperf::cli

NSPERF_REGISTER_COMMAND(Info, "info", "machine, MPI, libraries and the measured memory bandwidth",
                        /*uses_mpi=*/false, &nsperf::cli::run)
