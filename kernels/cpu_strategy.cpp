#include "nsperf/kernels/cpu_strategy.hpp"

#include <algorithm>
#include <string>

#include "nsperf/core/tuning.hpp"

namespace nsperf::kernels {

core::Registry<CpuStrategyEntry>& cpu_strategies() {
  static core::Registry<CpuStrategyEntry> registry;
  return registry;
}

core::Registry<KernelInfo>& kernel_registry() {
  static core::Registry<KernelInfo> registry;
  return registry;
}

std::vector<const KernelInfo*> kernels_in_pipeline_order() {
  std::vector<const KernelInfo*> out;
  for (const auto& k : kernel_registry().entries()) out.push_back(&k);
  std::stable_sort(out.begin(), out.end(), [](const KernelInfo* a, const KernelInfo* b) {
    return a->position < b->position;
  });
  return out;
}

namespace detail {

bool register_kernel(KernelInfo info) {
  kernel_registry().add(std::move(info));
  return true;
}

}  // namespace detail
}  // namespace nsperf::kernels

namespace nsperf::kernels {
namespace {

// The CPU strategy and its threads, as `nsperf tune` varies them (core/tuning.hpp).
std::vector<nlohmann::json> strategy_values(const core::TuneWorkload&, const core::Settings&) {
  std::vector<nlohmann::json> out;
  for (const auto& e : cpu_strategies().entries()) out.emplace_back(e.name);
  return out;
}

std::string strategy_impossible(const nlohmann::json& v, const core::TuneWorkload&,
                                const core::Settings&) {
  if (v.is_string() && cpu_strategies().find(v.get<std::string>()) != nullptr) return "";
  return "not a CPU strategy";
}

bool threaded(const core::Settings& s) {
  const auto it = s.find("run.strategy");
  if (it == s.end() || !it->is_string()) return true;
  const auto* e = cpu_strategies().find(it->get<std::string>());
  return e == nullptr || e->threaded;
}

// 1, 2, 4, ... and the rank's cores themselves: the doublings find the knee, the cores the top.
std::vector<nlohmann::json> thread_values(const core::TuneWorkload& w, const core::Settings& s) {
  std::vector<nlohmann::json> out;
  if (!threaded(s)) return {1};
  for (int t = 1; t < w.cores_per_rank; t *= 2) out.emplace_back(t);
  out.emplace_back(w.cores_per_rank);
  return out;
}

std::string thread_impossible(const nlohmann::json& v, const core::TuneWorkload& w,
                              const core::Settings& s) {
  const auto t = v.get<std::int64_t>();
  if (t < 1) return "0 is automatic: tune sets the threads it measured";
  if (t > w.cores_per_rank) {
    return "more threads than the " + std::to_string(w.cores_per_rank) + " core" +
           (w.cores_per_rank == 1 ? "" : "s") + " a rank may use";
  }
  if (t > 1 && !threaded(s))
    return "strategy " + s["run.strategy"].get<std::string>() + " runs one thread";
  return "";
}

}  // namespace
}  // namespace nsperf::kernels

NSPERF_REGISTER_TUNABLE(cpu_strategy, {"run.strategy", 10, &nsperf::kernels::strategy_values,
                                       &nsperf::kernels::strategy_impossible});
NSPERF_REGISTER_TUNABLE(cpu_threads, {"optimizers.cpu.threads", 20, &nsperf::kernels::thread_values,
                                      &nsperf::kernels::thread_impossible});
