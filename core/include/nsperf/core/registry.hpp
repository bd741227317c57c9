#pragma once
/// \file A name-keyed registry: the one mechanism behind kernels, strategies, optimizers and
/// commands. Plugins add themselves from a static initializer in their own file (see the
/// NSPERF_REGISTER_* macros of each family), so adding one is adding one file.

#include <algorithm>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "nsperf/core/error.hpp"
#include "nsperf/core/text.hpp"

namespace nsperf::core {

/// Longest registered name: names are stored in fixed-width HDF5 string columns.
inline constexpr std::size_t kMaxRegisteredName = 31;

/// Entries keyed by their `name` member, kept in name order.
template <class Entry>
class Registry {
 public:
  /// Adds `entry`; throws std::logic_error on an empty, too long or duplicate name (a
  /// programming error, found by the first test that loads the library).
  void add(Entry entry) {
    const std::string& name = entry.name;
    if (name.empty() || name.size() > kMaxRegisteredName) {
      throw std::logic_error("registry: bad name '" + name + "'");
    }
    if (find(name) != nullptr) throw std::logic_error("registry: '" + name + "' registered twice");
    auto pos = std::lower_bound(entries_.begin(), entries_.end(), name,
                                [](const Entry& e, const std::string& n) { return e.name < n; });
    entries_.insert(pos, std::move(entry));
  }

  /// The entry called `name`, or nullptr.
  [[nodiscard]] const Entry* find(std::string_view name) const {
    for (const auto& e : entries_) {
      if (e.name == name) return &e;
    }
    return nullptr;
  }

  /// The entry called `name`; throws ConfigError "unknown <what> 'name'; did you mean …".
  [[nodiscard]] const Entry& at(std::string_view name, std::string_view what) const {
    if (const Entry* e = find(name)) return *e;
    const auto valid = names();
    throw ConfigError({unknown_name_message(what, name, valid)});
  }

  [[nodiscard]] std::span<const Entry> entries() const noexcept { return entries_; }

  [[nodiscard]] std::vector<std::string> names() const {
    std::vector<std::string> out;
    out.reserve(entries_.size());
    for (const auto& e : entries_) out.push_back(e.name);
    return out;
  }

 private:
  std::vector<Entry> entries_;
};

}  // namespace nsperf::core
