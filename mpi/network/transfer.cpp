#include "nsperf/mpi/transfer.hpp"

#include <chrono>
#include <thread>

namespace nsperf::mpi {

core::Registry<TransferEntry>& transfer_strategies() {
  static core::Registry<TransferEntry> registry;
  return registry;
}

void pace(const Link& link, std::size_t bytes, double elapsed_s) {
  if (!link.emulated) return;
  const double wait = static_cast<double>(bytes) / link.bytes_per_s - elapsed_s;
  if (wait > 0) std::this_thread::sleep_for(std::chrono::duration<double>(wait));
}

}  // namespace nsperf::mpi
