#include "config_source.hpp"

#include <boost/mpi/collectives.hpp>
#include <filesystem>

#include "nsperf/core/error.hpp"
#include "nsperf/mpi/phase.hpp"

namespace nsperf::cli {

std::optional<std::string> config_path(const std::optional<std::string>& explicit_path) {
  if (explicit_path) {
    if (!std::filesystem::exists(*explicit_path)) {
      throw InputError("--config " + *explicit_path + ": no such file");
    }
    return explicit_path;
  }
  if (std::filesystem::exists(core::kDefaultConfigFile))
    return std::string(core::kDefaultConfigFile);
  return std::nullopt;
}

core::Config resolve(const std::optional<std::string>& path,
                     const std::vector<core::Override>& overrides) {
  const nlohmann::json doc = path ? core::read_config_file(*path) : nlohmann::json();
  return core::resolve_config(doc, path.value_or("defaults"), overrides);
}

core::Config resolve_on_root(const boost::mpi::communicator& comm,
                             const std::optional<std::string>& path,
                             const std::vector<core::Override>& overrides) {
  std::string effective;
  mpi::run_phase(comm, "config", [&] {
    if (comm.rank() == 0) effective = resolve(config_path(path), overrides).json.dump();
  });
  boost::mpi::broadcast(comm, effective, 0);
  return core::Config::from_json(nlohmann::json::parse(effective));
}

}  // namespace nsperf::cli
