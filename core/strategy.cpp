#include "nsperf/core/strategy.hpp"

#include <stdexcept>
#include <utility>

namespace nsperf::core {

std::string_view to_string(Level level) noexcept {
  switch (level) {
    case Level::conservative:
      return "conservative";
    case Level::balanced:
      return "balanced";
    case Level::aggressive:
      return "aggressive";
  }
  return "?";
}

std::optional<Level> parse_level(std::string_view text) noexcept {
  for (Level l : {Level::conservative, Level::balanced, Level::aggressive}) {
    if (text == to_string(l)) return l;
  }
  return std::nullopt;
}

std::vector<std::string> level_names() { return {"conservative", "balanced", "aggressive"}; }

void StrategyCatalog::add(StrategyInfo info) {
  if (info.baseline && baseline(info.optimizer) != nullptr) {
    throw std::logic_error("strategy catalog: optimizer '" + info.optimizer +
                           "' has two baselines");
  }
  const std::string optimizer = info.optimizer;
  groups_[optimizer].add(std::move(info));
}

std::vector<std::string> StrategyCatalog::optimizers() const {
  std::vector<std::string> out;
  for (const auto& [name, group] : groups_) out.push_back(name);
  return out;
}

std::vector<StrategyInfo> StrategyCatalog::strategies(std::string_view optimizer) const {
  std::vector<StrategyInfo> out;
  auto g = groups_.find(optimizer);
  if (g == groups_.end()) return out;
  for (const auto& s : g->second.entries()) {
    if (s.baseline)
      out.insert(out.begin(), s);
    else
      out.push_back(s);
  }
  return out;
}

std::vector<std::string> StrategyCatalog::strategy_names(std::string_view optimizer) const {
  std::vector<std::string> out;
  for (const auto& s : strategies(optimizer)) out.push_back(s.name);
  return out;
}

const StrategyInfo* StrategyCatalog::baseline(std::string_view optimizer) const {
  auto g = groups_.find(optimizer);
  if (g == groups_.end()) return nullptr;
  for (const auto& s : g->second.entries()) {
    if (s.baseline) return &s;
  }
  return nullptr;
}

const StrategyInfo* StrategyCatalog::find(std::string_view optimizer, std::string_view name) const {
  auto g = groups_.find(optimizer);
  return g == groups_.end() ? nullptr : g->second.find(name);
}

void StrategyCatalog::add_reference(StrategyInfo info) {
  if (find(info.optimizer, info.name) != nullptr) {
    throw std::logic_error("strategy catalog: '" + info.name + "' of '" + info.optimizer +
                           "' is a strategy and a reference");
  }
  info.reference = true;
  const std::string optimizer = info.optimizer;
  references_[optimizer].add(std::move(info));
}

std::vector<StrategyInfo> StrategyCatalog::references(std::string_view optimizer) const {
  auto g = references_.find(optimizer);
  if (g == references_.end()) return {};
  const auto entries = g->second.entries();
  return {entries.begin(), entries.end()};
}

StrategyCatalog& strategy_catalog() {
  static StrategyCatalog catalog;
  return catalog;
}

}  // namespace nsperf::core
