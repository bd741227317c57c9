#include "nsperf/mpi/phase.hpp"

#include <boost/mpi/collectives.hpp>
#include <csignal>
#include <cstdlib>
#include <map>
#include <new>
#include <string>
#include <vector>

namespace nsperf::mpi {
namespace {

struct Failure {
  int code = 0;  // 0 = none, else an ExitCode
  std::string message;
};

Failure describe(const std::exception_ptr& error, std::string_view phase) {
  if (!error) return {};
  try {
    std::rethrow_exception(error);
  } catch (const Error& e) {
    return {static_cast<int>(e.exit_code()), e.what()};
  } catch (const std::bad_alloc&) {
    return {static_cast<int>(ExitCode::runtime),
            "out of memory during " + std::string(phase) +
                " (try more ranks, a smaller image, or fewer strategies)"};
  } catch (const std::exception& e) {
    return {static_cast<int>(ExitCode::runtime),
            "unexpected error during " + std::string(phase) + ": " + e.what()};
  } catch (...) {
    return {static_cast<int>(ExitCode::runtime), "unknown error during " + std::string(phase)};
  }
}

// "0", "1,3", "0-3": compact rank lists for messages.
std::string rank_list(const std::vector<int>& ranks) {
  std::string out;
  for (std::size_t i = 0; i < ranks.size(); ++i) {
    std::size_t j = i;
    while (j + 1 < ranks.size() && ranks[j + 1] == ranks[j] + 1) ++j;
    if (!out.empty()) out += ",";
    out += std::to_string(ranks[i]);
    if (j > i) out += "-" + std::to_string(ranks[j]);
    i = j;
  }
  return out;
}

// One line per distinct message. The rank prefix is left out when every rank of a multi-rank
// job said the same thing (a bad option, say): then it is not about a rank at all.
std::string combine(const std::vector<std::string>& messages) {
  std::vector<std::pair<std::string, std::vector<int>>> distinct;
  for (std::size_t r = 0; r < messages.size(); ++r) {
    if (messages[r].empty()) continue;
    auto it = std::find_if(distinct.begin(), distinct.end(),
                           [&](const auto& d) { return d.first == messages[r]; });
    if (it == distinct.end())
      distinct.push_back({messages[r], {static_cast<int>(r)}});
    else
      it->second.push_back(static_cast<int>(r));
  }
  std::string text;
  for (const auto& [message, ranks] : distinct) {
    if (!text.empty()) text += "\n";
    if (ranks.size() == messages.size()) {
      text += message;
    } else {
      text += (ranks.size() == 1 ? "rank " : "ranks ") + rank_list(ranks) + ": " + message;
    }
  }
  return text;
}

}  // namespace

namespace {

// NSPERF_FAULT's items ("rank:1,phase:compute" -> rank=1, phase=compute), read at every call
// (cheap next to a phase or a tile) so tests can set it between phases; empty when unset.
std::map<std::string, std::string> fault_spec() {
  std::map<std::string, std::string> items;
  const char* value = std::getenv("NSPERF_FAULT");
  if (value == nullptr || *value == '\0') return items;
  const std::string spec = value;
  items["spec"] = spec;
  std::size_t pos = 0;
  while (pos <= spec.size()) {
    const auto end = std::min(spec.find(',', pos), spec.size());
    const std::string item = spec.substr(pos, end - pos);
    const auto colon = item.find(':');
    if (colon != std::string::npos) items[item.substr(0, colon)] = item.substr(colon + 1);
    pos = end + 1;
  }
  return items;
}

bool names(const std::map<std::string, std::string>& spec, const char* key,
           const std::string& value) {
  const auto it = spec.find(key);
  return it == spec.end() || it->second == "*" || it->second == value;
}

void raise_signal(const std::map<std::string, std::string>& spec) {
  const std::map<std::string, int> signals = {
      {"TERM", SIGTERM}, {"INT", SIGINT}, {"USR1", SIGUSR1}, {"KILL", SIGKILL}};
  const auto it = signals.find(spec.at("signal"));
  if (it == signals.end())
    throw UsageError("NSPERF_FAULT=" + spec.at("spec") + ": signal is TERM, INT, USR1 or KILL");
  std::raise(it->second);
}

}  // namespace

void inject_fault(int rank, std::string_view phase) {
  const auto spec = fault_spec();
  if (spec.empty() || spec.count("tile") > 0) return;  // a tile's signal is inject_signal's
  if (!names(spec, "rank", std::to_string(rank)) || !names(spec, "phase", std::string(phase)))
    return;
  if (spec.count("signal") == 0) {
    throw Error("fault injected by NSPERF_FAULT=" + spec.at("spec") + " in phase " +
                std::string(phase));
  }
  raise_signal(spec);
}

void inject_signal(int rank, std::int64_t tile) {
  const auto spec = fault_spec();
  if (spec.count("signal") == 0 || spec.count("tile") == 0 ||
      spec.at("tile") != std::to_string(tile) || !names(spec, "rank", std::to_string(rank)))
    return;
  raise_signal(spec);
}

void agree(const bmpi::communicator& comm, std::string_view phase,
           const std::exception_ptr& local) {
  NSPERF_MPI_REGION("agree");
  Failure mine = describe(local, phase);
  const int worst = bmpi::all_reduce(comm, mine.code, bmpi::maximum<int>());
  if (worst == 0) return;
  std::vector<std::string> messages;
  bmpi::gather(comm, mine.message, messages, 0);
  const auto code = static_cast<ExitCode>(worst);
  if (comm.rank() == 0) throw PhaseFailed(combine(messages), code);
  throw PhaseFailed("failed on another rank during " + std::string(phase), code);
}

}  // namespace nsperf::mpi
