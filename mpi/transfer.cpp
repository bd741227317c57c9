#include "nsperf/mpi/transfer.hpp"

#include <chrono>
#include <thread>

namespace nsperf::mpi {

core::Registry<TransferEntry>& transfer_strategies() {
  static core::Registry<TransferEntry> registry;
  return registry;
}

namespace detail {
bool register_transfer(core::StrategyInfo info, TransferEntry entry) {
  core::strategy_catalog().add(std::move(info));
  transfer_strategies().add(std::move(entry));
  return true;
}
}  // namespace detail

void pace(const Link& link, std::size_t bytes, double elapsed_s) {
  if (!link.emulated) return;
  const double wait = static_cast<double>(bytes) / link.bytes_per_s - elapsed_s;
  if (wait > 0) std::this_thread::sleep_for(std::chrono::duration<double>(wait));
}

}  // namespace nsperf::mpi
