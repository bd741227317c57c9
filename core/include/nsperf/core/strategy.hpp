#pragma once
/// \file The catalog of every optimizer's strategies: what config validation, `--list`, the
/// results file and the report know about a strategy. Behaviour lives with each family
/// (kernels/, io/, mpi/); this is only the description, filled in when the libraries load.

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "nsperf/core/registry.hpp"

namespace nsperf::core {

/// `optimization_level`: how far the default choice of strategies goes.
enum class Level : std::uint8_t { conservative, balanced, aggressive };

std::string_view to_string(Level level) noexcept;
std::optional<Level> parse_level(std::string_view text) noexcept;
/// "conservative", "balanced", "aggressive".
std::vector<std::string> level_names();

/// One strategy of one optimizer.
struct StrategyInfo {
  std::string name;         ///< registry key, CLI value and results name, e.g. "openmp"
  std::string optimizer;    ///< e.g. "cpu"
  std::string description;  ///< one line for --list and the report
  bool baseline = false;    ///< the strategy every other one is compared with (one per optimizer)
  /// The lowest optimization_level whose preset runs this strategy by default.
  Level level = Level::conservative;
  /// A reference measured beside the strategies (plain MPI, a way to build one catalog): always
  /// run by its optimizer, never configured, listed apart (StrategyCatalog::references).
  bool reference = false;
};

/// Every registered strategy, grouped by optimizer.
class StrategyCatalog {
 public:
  /// Adds a strategy; throws std::logic_error on a duplicate or a second baseline.
  void add(StrategyInfo info);
  /// Optimizer names that have at least one strategy, sorted.
  [[nodiscard]] std::vector<std::string> optimizers() const;
  /// The strategies of `optimizer`, baseline first, then by name; empty if unknown.
  [[nodiscard]] std::vector<StrategyInfo> strategies(std::string_view optimizer) const;
  /// Names as strategies() orders them.
  [[nodiscard]] std::vector<std::string> strategy_names(std::string_view optimizer) const;
  /// The baseline of `optimizer`, or nullptr.
  [[nodiscard]] const StrategyInfo* baseline(std::string_view optimizer) const;
  [[nodiscard]] const StrategyInfo* find(std::string_view optimizer, std::string_view name) const;
  /// Adds a reference of an optimizer (info.reference is set); throws std::logic_error on a
  /// duplicate name among its references or strategies.
  void add_reference(StrategyInfo info);
  /// The references of `optimizer`, by name; empty if none.
  [[nodiscard]] std::vector<StrategyInfo> references(std::string_view optimizer) const;

 private:
  std::map<std::string, Registry<StrategyInfo>, std::less<>> groups_;
  std::map<std::string, Registry<StrategyInfo>, std::less<>> references_;
};

/// The process-wide catalog.
StrategyCatalog& strategy_catalog();

/// Registers a strategy of any family: its description in the catalog (config keys, levels,
/// --list) and `entry` (its factory) in the family's `registry`. Returns true, for the static
/// initializer of a NSPERF_REGISTER_* macro.
template <class Entry>
bool register_strategy(Registry<Entry>& registry, StrategyInfo info, Entry entry) {
  strategy_catalog().add(std::move(info));
  registry.add(std::move(entry));
  return true;
}

}  // namespace nsperf::core

/// Registers a reference of `optimizer` (a bare name: network) in the catalog, where --list and
/// the docs find it; the optimizer runs every reference registered for it.
#define NSPERF_REGISTER_REFERENCE(optimizer, Id, name, description)                            \
  namespace {                                                                                  \
  [[maybe_unused]] const bool nsperf_registered_reference_##Id =                               \
      (::nsperf::core::strategy_catalog().add_reference(                                       \
           {name, #optimizer, description, false, ::nsperf::core::Level::conservative, true}), \
       true);                                                                                  \
  }
