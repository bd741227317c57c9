// Reads what nsperf whatif replays. The distributed optimizer stores every tile's stage times
// once per partitioner (the last repetition, on whichever rank computed it): a tile's cost is
// the median of those, so one slow repetition of one partitioner does not skew it.
#include "nsperf/analysis/whatif_inputs.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <map>
#include <set>

#include "nsperf/core/error.hpp"
#include "nsperf/core/provenance.hpp"
#include "nsperf/core/statistics.hpp"
#include "nsperf/core/text.hpp"
#include "nsperf/io/results_file.hpp"

namespace nsperf::analysis {
namespace {

using Value = io::StoredTable::Value;

const char* const kRecordTileCosts =
    "record them with `nsperf benchmark --distributed -o FILE.h5` (any "
    "rank count, 1 included)";

// A run's attributes by name.
class StoredRun {
 public:
  StoredRun(const std::filesystem::path& path, const std::string& run_id)
      : values_(io::read_run_attributes(path, run_id)) {}
  [[nodiscard]] std::int64_t integer(const std::string& name, std::int64_t fallback) const {
    for (const auto& [k, v] : values_)
      if (k == name && std::holds_alternative<std::int64_t>(v)) return std::get<std::int64_t>(v);
    return fallback;
  }
  [[nodiscard]] double number(const std::string& name) const {
    return core::attribute_number(values_, name);
  }
  [[nodiscard]] std::string text(const std::string& name) const {
    for (const auto& [k, v] : values_)
      if (k == name && std::holds_alternative<std::string>(v)) return std::get<std::string>(v);
    return {};
  }
  // Distinct hosts the ranks ran on ("hosts": "host:ranks,host:ranks").
  [[nodiscard]] int nodes() const { return std::max(1, static_cast<int>(ranks_per_host().size())); }
  // The most ranks on one host (0 when the run names none).
  [[nodiscard]] int most_ranks_per_host() const {
    const auto counts = ranks_per_host();
    return counts.empty() ? 0 : *std::max_element(counts.begin(), counts.end());
  }
  // Whether a node had more rank threads than rank 0's node has cores: then the tile times
  // include waiting for a core.
  [[nodiscard]] bool oversubscribed() const {
    return most_ranks_per_host() * std::max<std::int64_t>(1, integer("threads_per_rank", 1)) >
           integer("cores", 1);
  }
  // Each rank's CPU when every rank was bound to exactly one ("rank_binding": "0:0;1:1;2:0"),
  // else empty.
  [[nodiscard]] std::vector<int> core_of_rank(int ranks) const {
    const std::string binding = text("rank_binding");
    std::vector<int> cores(static_cast<std::size_t>(std::max(0, ranks)), -1);
    for (std::size_t start = 0; start < binding.size();) {
      auto end = binding.find(';', start);
      if (end == std::string::npos) end = binding.size();
      const std::string item = binding.substr(start, end - start);
      start = end + 1;
      const auto colon = item.find(':');
      if (colon == std::string::npos) return {};
      const std::string rank = item.substr(0, colon);
      const std::string cpu = item.substr(colon + 1);
      if (rank.empty() || cpu.empty() ||
          rank.find_first_not_of("0123456789") != std::string::npos ||
          cpu.find_first_not_of("0123456789") != std::string::npos)
        return {};  // a range or a list: not bound to one core
      const auto r = static_cast<std::size_t>(std::stoul(rank));
      if (r >= cores.size()) return {};
      cores[r] = std::stoi(cpu);
    }
    for (int c : cores)
      if (c < 0) return {};
    return cores;
  }
  [[nodiscard]] nlohmann::json config() const {
    try {
      return nlohmann::json::parse(text("config"));
    } catch (const nlohmann::json::exception&) {
      return nlohmann::json::object();
    }
  }

 private:
  std::vector<std::pair<std::string, core::Provenance::Value>> values_;

  [[nodiscard]] std::vector<int> ranks_per_host() const {
    const std::string hosts = text("hosts");
    std::vector<int> counts;
    for (std::size_t start = 0; start < hosts.size();) {
      auto comma = hosts.find(',', start);
      if (comma == std::string::npos) comma = hosts.size();
      const auto colon = hosts.rfind(':', comma);
      counts.push_back(colon != std::string::npos && colon >= start
                           ? std::atoi(hosts.substr(colon + 1, comma - colon - 1).c_str())
                           : 1);
      start = comma + 1;
    }
    return counts;
  }
};

std::int64_t stored_config_int(const nlohmann::json& config, const char* section, const char* sub,
                               const char* key, std::int64_t fallback) {
  const auto* node = &config;
  for (const char* k : {section, sub, key}) {
    if (k == nullptr) continue;
    if (!node->is_object() || !node->contains(k)) return fallback;
    node = &(*node)[k];
  }
  return node->is_number_integer() ? node->get<std::int64_t>() : fallback;
}

// The column of `table` called `name`, or -1.
int stored_column(const io::StoredTable& table, const std::string& name) {
  const auto it = std::find(table.columns.begin(), table.columns.end(), name);
  return it == table.columns.end() ? -1 : static_cast<int>(it - table.columns.begin());
}

double stored_number(const Value& v) {
  if (const auto* d = std::get_if<double>(&v)) return *d;
  if (const auto* i = std::get_if<std::int64_t>(&v)) return static_cast<double>(*i);
  if (const auto* u = std::get_if<std::uint64_t>(&v)) return static_cast<double>(*u);
  return std::nan("");
}

std::string stored_text(const Value& v) {
  const auto* s = std::get_if<std::string>(&v);
  return s ? *s : std::string{};
}

// One partitioner's row for one tile.
struct StoredTileRow {
  std::string strategy;
  int rank = 0;
  core::Rect rect;
  double compute_s = 0, stage_a_s = 0, stage_b_s = 0, io_s = 0;
  std::int64_t raw_bytes = 0, halo = 0;
};

// The distributed rows of `run_id`'s tiles table, by tile id; throws when the run has none or
// they lack the stage split.
std::map<std::int64_t, std::vector<StoredTileRow>> distributed_tiles(
    const std::filesystem::path& path, const std::string& run_id) {
  const io::StoredTable t = io::read_stored_table(path, run_id, "tiles");
  const int c_opt = stored_column(t, "optimizer");
  const int c_id = stored_column(t, "tile_id");
  std::map<std::int64_t, std::vector<StoredTileRow>> out;
  if (c_opt < 0 || c_id < 0) return out;
  const int c_a = stored_column(t, "stage_a_s");
  const int c_b = stored_column(t, "stage_b_s");
  const int c_x = stored_column(t, "x"), c_y = stored_column(t, "y"),
            c_w = stored_column(t, "width"), c_h = stored_column(t, "height"),
            c_c = stored_column(t, "compute_s"), c_io = stored_column(t, "io_s"),
            c_raw = stored_column(t, "raw_bytes"), c_halo = stored_column(t, "halo"),
            c_strategy = stored_column(t, "strategy"), c_rank = stored_column(t, "rank");
  bool any = false;
  for (const auto& row : t.rows) {
    if (stored_text(row[static_cast<std::size_t>(c_opt)]) != "distributed") continue;
    any = true;
    if (c_a < 0 || c_b < 0) break;
    auto at = [&](int c) { return stored_number(row[static_cast<std::size_t>(c)]); };
    StoredTileRow r;
    r.strategy = stored_text(row[static_cast<std::size_t>(c_strategy)]);
    r.rank = static_cast<int>(at(c_rank));
    r.rect = {static_cast<std::int64_t>(at(c_x)), static_cast<std::int64_t>(at(c_y)),
              static_cast<std::int64_t>(at(c_w)), static_cast<std::int64_t>(at(c_h))};
    r.compute_s = at(c_c);
    r.stage_a_s = at(c_a);
    r.stage_b_s = at(c_b);
    r.io_s = at(c_io);
    r.raw_bytes = static_cast<std::int64_t>(at(c_raw));
    r.halo = static_cast<std::int64_t>(at(c_halo));
    if (!(r.stage_a_s >= 0) || !(r.stage_b_s >= 0)) {
      out.clear();
      any = true;
      break;
    }
    out[static_cast<std::int64_t>(at(c_id))].push_back(r);
  }
  if (any && out.empty())
    throw InputError(path.string() + ": run " + run_id +
                     " has per-tile times without the split into stages (written by an older "
                     "nsperf); " +
                     kRecordTileCosts);
  return out;
}

double median_or_zero(std::vector<double> v) { return v.empty() ? 0.0 : core::median(v); }

// Rank 0's rate cutting other ranks' tiles: its whole cutting time (the samples' io_s, median
// over repetitions) less its own tiles' (the tile rows), over the other ranks' bytes; the
// median over the partitioners. 0 when the run had one rank.
double cut_for_others_rate(const io::StoredTable& t,
                           const std::map<std::int64_t, std::vector<StoredTileRow>>& tiles) {
  const int c_opt = stored_column(t, "optimizer"), c_strategy = stored_column(t, "strategy"),
            c_rank = stored_column(t, "rank"), c_io = stored_column(t, "io_s");
  if (c_opt < 0 || c_strategy < 0 || c_rank < 0 || c_io < 0) return 0;
  std::map<std::string, std::vector<double>> total;  // strategy -> rank 0's io_s per repetition
  for (const auto& row : t.rows) {
    if (stored_text(row[static_cast<std::size_t>(c_opt)]) != "distributed" ||
        stored_number(row[static_cast<std::size_t>(c_rank)]) != 0)
      continue;
    total[stored_text(row[static_cast<std::size_t>(c_strategy)])].push_back(
        stored_number(row[static_cast<std::size_t>(c_io)]));
  }
  std::map<std::string, std::pair<double, double>> own_s_other_bytes;
  for (const auto& [id, rows] : tiles)
    for (const auto& r : rows) {
      auto& [own_s, other_bytes] = own_s_other_bytes[r.strategy];
      if (r.rank == 0) {
        own_s += r.io_s;
      } else {
        other_bytes += static_cast<double>(r.raw_bytes);
      }
    }
  std::vector<double> rates;
  for (auto& [strategy, values] : total) {
    const auto it = own_s_other_bytes.find(strategy);
    if (it == own_s_other_bytes.end() || it->second.second <= 0) continue;
    const double others_s = core::median(values) - it->second.first;
    if (others_s > 0) rates.push_back(it->second.second / others_s);
  }
  return median_or_zero(rates);
}

// What the tile rows need to add up to the repetitions: per partitioner, the factor that makes
// its rows' compute_s (medians over repetitions, per tile) sum to the median busy time of its
// ranks (summed over ranks): a sum of per-tile medians falls short of a typical repetition's
// total, as each tile's slow repetitions differ. And the ranks' time per tile outside every
// measured part (seconds - busy - idle - transfer - io): the median over partitioners and ranks.
struct RowCalibration {
  std::map<std::string, double> scale;  // strategy -> factor (absent: 1)
  double overhead_s = 0;
  // Each repetition's busy time over its median, of every rank whose tile count was the same in
  // every repetition (a static partitioner's: only the core's speed moves it).
  std::vector<double> speeds;
};

RowCalibration calibrate_rows(const io::StoredTable& t,
                              const std::map<std::int64_t, std::vector<StoredTileRow>>& tiles) {
  RowCalibration out;
  const int c_opt = stored_column(t, "optimizer"), c_strategy = stored_column(t, "strategy"),
            c_rank = stored_column(t, "rank"), c_seconds = stored_column(t, "seconds"),
            c_busy = stored_column(t, "busy_s"), c_idle = stored_column(t, "idle_s"),
            c_transfer = stored_column(t, "transfer_s"), c_io = stored_column(t, "io_s"),
            c_tiles = stored_column(t, "tiles");
  for (int c : {c_opt, c_strategy, c_rank, c_seconds, c_busy, c_idle, c_transfer, c_io, c_tiles})
    if (c < 0) return out;
  // strategy -> rank -> per repetition: busy, and the unmeasured time per tile
  std::map<std::string, std::map<int, std::pair<std::vector<double>, std::vector<double>>>> by;
  std::map<std::pair<std::string, int>, std::set<double>> tile_counts;
  for (const auto& row : t.rows) {
    auto at = [&](int c) { return stored_number(row[static_cast<std::size_t>(c)]); };
    if (stored_text(row[static_cast<std::size_t>(c_opt)]) != "distributed") continue;
    const std::string strategy = stored_text(row[static_cast<std::size_t>(c_strategy)]);
    auto& [busy, rest] = by[strategy][static_cast<int>(at(c_rank))];
    busy.push_back(at(c_busy));
    tile_counts[{strategy, static_cast<int>(at(c_rank))}].insert(at(c_tiles));
    if (at(c_tiles) > 0)
      rest.push_back(
          std::max(0.0, at(c_seconds) - at(c_busy) - at(c_idle) - at(c_transfer) - at(c_io)) /
          at(c_tiles));
  }
  std::map<std::string, double> rows_s;
  for (const auto& [id, rows] : tiles)
    for (const auto& r : rows) rows_s[r.strategy] += r.compute_s;
  std::vector<double> overheads;
  for (const auto& [strategy, ranks] : by) {
    double busy_s = 0;
    for (const auto& [rank, values] : ranks) {
      const double median_busy = median_or_zero(values.first);
      busy_s += median_busy;
      if (!values.second.empty()) overheads.push_back(core::median(values.second));
      if (median_busy > 0 && tile_counts[{strategy, rank}].size() == 1)
        for (double b : values.first) out.speeds.push_back(b / median_busy);
    }
    const auto it = rows_s.find(strategy);
    if (it != rows_s.end() && it->second > 0 && busy_s > 0)
      out.scale[strategy] = busy_s / it->second;
  }
  out.overhead_s = median_or_zero(overheads);
  return out;
}

// Rank 0 serving a request for a chunk: it receives 4 bytes and sends 16, small messages whose
// cost is no tile's latency. Within a node the one-way latency of a small message is about a
// send's and a receive's time: here 0.57 us at 16 bytes, where a standalone probe of rank 0's
// loop took 0.2-0.4 us to serve a waiting request and 0.25 us for the probe that then found
// none (the tile's latency, 2.7 us, charged 5x that). Between nodes it adds the wire, an upper
// bound. The sweep's smallest message of 64 bytes or less; without one, the tile's latency.
core::SourcedValue request_figure(const std::vector<core::MessageSize>& sizes,
                                  const std::string& run, const std::string& between,
                                  const core::SourcedValue& latency) {
  if (sizes.empty())  // the latency is a default then, no bound
    return {latency.value, latency.source + "; benchmark --network --sizes 16 measures it"};
  constexpr std::int64_t kSmall = 64;
  const core::MessageSize* smallest = nullptr;
  for (const auto& m : sizes)
    if (m.bytes <= kSmall && m.latency_s > 0 && (smallest == nullptr || m.bytes < smallest->bytes))
      smallest = &m;
  if (smallest == nullptr)
    return {latency.value,
            "the tile's latency, " + latency.source + ", an upper bound: no message of " +
                std::to_string(kSmall) +
                " bytes or less in a size sweep; benchmark --network --sizes 16 measures one"};
  return {smallest->latency_s, "one-way latency at " + std::to_string(smallest->bytes) +
                                   " bytes, message_sizes of run " + run + ", " + between};
}

// The file's runs, `own` first: where a figure is taken from the run itself, else another's.
std::vector<std::string> own_first(const std::vector<std::string>& runs, const std::string& own) {
  std::vector<std::string> order{own};
  for (const auto& r : runs)
    if (r != own) order.push_back(r);
  return order;
}

// The point-to-point figures, from the run itself or else the first other run of the file with
// any: the bandwidth of the network optimizer's mpi-stream (the job's own tiles streamed, osu_bw's
// method over distinct buffers: what the distributed job's transfers are), else the size sweep's
// row for the largest tile (one reused buffer: the library's best case, 2.6x mpi-stream's within
// a node here); the latency from that sweep row.
void network_figures(const std::filesystem::path& path, const std::vector<std::string>& runs,
                     const std::string& own, core::MeasuredJob& job) {
  for (const auto& r : own_first(runs, own)) {
    const auto sizes = io::read_message_sizes(path, r);
    const core::MessageSize* pick = nullptr;
    for (const auto& m : sizes)
      if (m.tile) pick = &m;
    if (pick == nullptr && !sizes.empty()) pick = &sizes.back();
    if (pick != nullptr && (!(pick->latency_s > 0) || !(pick->gbyte_per_s > 0))) pick = nullptr;
    double stream_gbyte_per_s = 0;
    for (const auto& s : io::read_summary(path, r))
      if (s.optimizer == "network" && s.strategy == "mpi-stream" && s.gbyte_per_s > 0)
        stream_gbyte_per_s = s.gbyte_per_s;
    if (pick == nullptr && stream_gbyte_per_s <= 0) continue;
    const StoredRun attrs(path, r);
    job.network_within_node = attrs.nodes() == 1;
    const std::string between = job.network_within_node ? "two ranks of one node" : "two nodes";
    if (pick != nullptr) {
      job.latency_s = {pick->latency_s, "message_sizes of run " + r + " at " +
                                            core::format_bytes(static_cast<double>(pick->bytes)) +
                                            ", " + between};
    } else {
      job.latency_s = {kDefaultLatencyS, "default: run " + r + " has no message_sizes"};
    }
    job.request_s = request_figure(sizes, r, between, job.latency_s);
    if (stream_gbyte_per_s > 0) {
      job.bandwidth_bytes_per_s = {stream_gbyte_per_s * 1e9,
                                   "network mpi-stream of run " + r + ", the tiles, " + between};
    } else {
      job.bandwidth_bytes_per_s = {pick->gbyte_per_s * 1e9, job.latency_s.source};
    }
    // Rank 0's processor time sending between nodes, probed by the same run where it had two.
    const double sending_ns = attrs.number("sending_ns_per_byte");
    if (job.network_within_node) {
      job.sending_s_per_byte = {0,
                                "not measured, not charged: the figures above are of two ranks "
                                "of one node (run " +
                                    r +
                                    "), where the receiver copies; `nsperf benchmark "
                                    "--network` across two nodes measures it"};
    } else if (sending_ns > 0) {
      job.sending_s_per_byte = {sending_ns * 1e-9, "sending probe of run " + r + ", two nodes"};
    } else {
      job.sending_s_per_byte = {
          0, "not measured, not charged: run " + r + " has no sending probe (an nsperf before it)"};
    }
    return;
  }
  const std::string why = "default, shared memory: no `nsperf benchmark --network` run in the file";
  job.latency_s = {kDefaultLatencyS, why};
  job.request_s = {kDefaultLatencyS, why};
  job.bandwidth_bytes_per_s = {kDefaultBandwidthBytesPerS, why};
  job.network_within_node = true;
  job.sending_s_per_byte = {
      0,
      "not measured, not charged: no `nsperf benchmark --network` run across two nodes in the "
      "file"};
}

// What an MPI call that yields a shared core costs (benchmark --network --shared-core), from the
// run itself or else the first other run of the file with the probe; without one, nothing is
// charged for it and the inputs say so.
void handover_figures(const std::filesystem::path& path, const std::vector<std::string>& runs,
                      const std::string& own, core::MeasuredJob& job) {
  for (const auto& r : own_first(runs, own)) {
    const StoredRun attrs(path, r);
    const double waiting = attrs.number("handover_waiting_s");
    const double computing = attrs.number("handover_computing_s");
    if (!(waiting > 0) && !(computing > 0)) continue;
    const std::string source = "shared-core probe of run " + r;
    job.handover_waiting_s = {waiting, source};
    job.handover_computing_s = {computing, source};
    // Files before the slice was probed have the hand-over figures without it.
    const double slice = attrs.number("handover_slice_s");
    job.handover_slice_s =
        slice > 0 ? core::SourcedValue{slice, source}
                  : core::SourcedValue{0, "not measured by run " + r + "'s probe, not modelled"};
    return;
  }
  const std::string none = "no `nsperf benchmark --network --shared-core` run in the file";
  job.handover_waiting_s = {0, "not measured, not charged: " + none};
  job.handover_computing_s = {0, "not measured, not charged: " + none};
  job.handover_slice_s = {0, "not measured, not modelled: " + none};
}

// How much slower a core computes the tiles with its node's other cores computing
// (benchmark --distributed --busy-cores), from the run itself: a probe of another run may have
// been on another machine. And how many cores of a node computed in the run itself.
void busy_cores_figure(const std::filesystem::path& path, const std::string& own,
                       core::MeasuredJob& job) {
  const StoredRun attrs(path, own);
  const auto threads = std::max<std::int64_t>(1, attrs.integer("threads_per_rank", 1));
  job.busy_cores_measured = static_cast<int>(std::min<std::int64_t>(
      std::max(1, attrs.most_ranks_per_host()) * threads, std::max(1, job.cores)));
  const double slowdown = attrs.number("busy_cores_slowdown");
  const auto probed = attrs.integer("busy_cores", 0);
  if (slowdown > 0 && probed >= 2) {
    job.busy_cores_probed = static_cast<int>(probed);
    job.busy_cores_slowdown = {
        slowdown, slowdown > 1
                      ? "busy-cores probe of run " + own
                      : "taken as 1, the tiles cost as measured whatever the node's load: the "
                        "busy-cores probe of run " +
                            own + " measured " + core::format_number(slowdown, 3) + " with " +
                            std::to_string(probed) +
                            " cores computing, below 1, which is the probe's noise"};
    return;
  }
  job.busy_cores_slowdown = {
      0, "not measured, not modelled: run " + own +
             " has no busy-cores probe (`nsperf benchmark --distributed --busy-cores`, one rank "
             "on the node); the tiles cost as measured whatever the node's load"};
}

// The collective write: the io optimizer's IOR-style HDF5 collective write, from any run.
void write_figure(const std::filesystem::path& path, const std::vector<std::string>& runs,
                  const std::string& own, core::MeasuredJob& job) {
  for (const auto& r : own_first(runs, own)) {
    for (const auto& s : io::read_summary(path, r)) {
      if (s.optimizer == "io" && s.strategy == "ior-hdf5" && s.kernel == "write" &&
          s.gbyte_per_s > 0) {
        job.write_bytes_per_s = {s.gbyte_per_s * 1e9,
                                 "io optimizer's ior-hdf5 write (collective, fsync) of run " + r};
        return;
      }
    }
  }
  job.write_bytes_per_s = {0, "not measured: no `nsperf benchmark --io` run in the file"};
}

// Every distributed run's makespans, per partitioner.
void measured_makespans(const std::filesystem::path& path, const std::vector<std::string>& runs,
                        core::MeasuredJob& job) {
  for (const auto& r : runs) {
    std::map<std::string, core::MeasuredMakespans> by;
    const StoredRun attrs(path, r);
    const auto config = attrs.config();
    for (const auto& rep : io::read_repetitions(path, r)) {
      if (rep.optimizer != "distributed" || rep.kernel != "pipeline") continue;
      auto& m = by[rep.strategy];
      if (m.makespans_s.empty()) {
        m.run_id = r;
        m.partitioner = rep.strategy;
        m.ranks = static_cast<int>(attrs.integer("ranks", 0));
        m.threads_per_rank =
            static_cast<int>(std::max<std::int64_t>(1, attrs.integer("threads_per_rank", 1)));
        m.cores = static_cast<int>(attrs.integer("cores", 0));
        m.nodes = attrs.nodes();
        m.ranks_per_node = attrs.most_ranks_per_host();
        if (m.nodes == 1) m.core_of_rank = attrs.core_of_rank(m.ranks);
        m.image = rep.image.extent;
        m.tile_size = stored_config_int(config, "input", "tile", nullptr, 0);
        m.chunk = stored_config_int(config, "optimizers", "distributed", "chunk", 2);
      }
      m.makespans_s.push_back(rep.makespan_s);
    }
    // The run's tiles, where it has them (a run without them is still measured against).
    std::map<std::int64_t, std::vector<StoredTileRow>> tiles;
    try {
      tiles = distributed_tiles(path, r);
    } catch (const InputError&) {
    }
    for (const auto& [id, rows] : tiles)
      for (const auto& t : rows)
        if (auto it = by.find(t.strategy); it != by.end())
          it->second.tiles[id] = {t.rank, t.compute_s};
    for (auto& [name, m] : by) job.measured.push_back(std::move(m));
  }
}

}  // namespace

core::MeasuredJob read_measured_job(const std::filesystem::path& path, const std::string& run_id) {
  const auto runs = io::list_runs(path);
  std::string chosen = run_id;
  std::map<std::int64_t, std::vector<StoredTileRow>> tiles;
  if (!chosen.empty()) {
    if (std::find(runs.begin(), runs.end(), chosen) == runs.end())
      throw InputError(path.string() + ": no run '" + chosen + "' (runs: " + core::join(runs) +
                       ")");
    tiles = distributed_tiles(path, chosen);
    if (tiles.empty())
      throw InputError(path.string() + ": run " + chosen +
                       " has no per-tile costs of the distributed optimizer; " + kRecordTileCosts);
  } else {
    // The newest run with tile costs, one whose nodes had a core for every rank thread if any:
    // an oversubscribed run's tile times include waiting for a core.
    for (const bool any : {false, true}) {
      for (auto it = runs.rbegin(); it != runs.rend() && tiles.empty(); ++it) {
        if (!any && StoredRun(path, *it).oversubscribed()) continue;
        tiles = distributed_tiles(path, *it);
        if (!tiles.empty()) chosen = *it;
      }
      if (!tiles.empty()) break;
    }
    if (tiles.empty())
      throw InputError(path.string() +
                       ": no run has per-tile costs of the distributed optimizer (whatif replays "
                       "them); " +
                       kRecordTileCosts);
  }

  core::MeasuredJob job;
  job.path = path.string();
  job.run_id = chosen;
  const StoredRun attrs(path, chosen);
  const auto config = attrs.config();
  job.image_label = attrs.text("image");
  job.ranks = static_cast<int>(std::max<std::int64_t>(1, attrs.integer("ranks", 1)));
  job.threads_per_rank =
      static_cast<int>(std::max<std::int64_t>(1, attrs.integer("threads_per_rank", 1)));
  job.cores = static_cast<int>(std::max<std::int64_t>(1, attrs.integer("cores", 1)));
  job.nodes = attrs.nodes();
  job.oversubscribed = attrs.oversubscribed();
  job.tile_size = stored_config_int(config, "input", "tile", nullptr, 0);
  job.chunk = stored_config_int(config, "optimizers", "distributed", "chunk", 2);

  // A tile's cost: the median over the partitioners' rows of each stage, each row scaled so
  // that its partitioner's rows add up to its repetitions' median busy time.
  // The run's samples, read once: the busy times the rows are scaled to, rank 0's cutting.
  const io::StoredTable samples = io::read_stored_table(path, chosen, "samples");
  const RowCalibration calibration = calibrate_rows(samples, tiles);
  auto scale_of = [&](const std::string& strategy) {
    const auto it = calibration.scale.find(strategy);
    return it == calibration.scale.end() ? 1.0 : it->second;
  };
  double cut_s = 0;
  double cut_bytes = 0;
  std::int64_t expected = 0;
  for (const auto& [id, rows] : tiles) {
    if (id != expected++)
      throw InputError(path.string() + ": run " + chosen + "'s distributed tiles skip tile " +
                       std::to_string(expected - 1) + " (the table is incomplete)");
    std::vector<double> a, b, h;
    for (const auto& r : rows) {
      const double k = scale_of(r.strategy);
      a.push_back(k * r.stage_a_s);
      b.push_back(k * r.stage_b_s);
      h.push_back(k * std::max(0.0, r.compute_s - r.stage_a_s - r.stage_b_s));
      if (r.io_s > 0) {
        cut_s += r.io_s;
        cut_bytes += static_cast<double>(r.raw_bytes);
      }
    }
    core::TileCost c;
    c.rect = rows.front().rect;
    c.raw_bytes = rows.front().raw_bytes;
    c.stage_a_s = median_or_zero(a) + calibration.overhead_s;
    c.stage_b_s = median_or_zero(b);
    c.histogram_s = median_or_zero(h);
    job.halo = rows.front().halo;
    job.tiles.push_back(c);
  }
  for (const auto& c : job.tiles) {
    job.image.width = std::max(job.image.width, c.rect.x + c.rect.width);
    job.image.height = std::max(job.image.height, c.rect.y + c.rect.height);
  }
  if (job.tile_size <= 0) job.tile_size = job.tiles.front().rect.width;
  if (cut_s > 0 && cut_bytes > 0) {
    job.cut_bytes_per_s = {cut_bytes / cut_s, "rank 0 cutting its own tiles in run " + chosen};
  } else {
    throw InputError(path.string() + ": run " + chosen +
                     " has no time for rank 0 cutting tiles out of the image; " + kRecordTileCosts);
  }
  if (const double rate = cut_for_others_rate(samples, tiles); rate > 0) {
    job.cut_for_others_bytes_per_s = {rate,
                                      "rank 0 cutting the other ranks' tiles in run " + chosen};
  } else if (const double ahead = attrs.number("cut_ahead_gbyte_per_s"); ahead > 0) {
    job.cut_for_others_bytes_per_s = {
        ahead * 1e9, "cut_ahead_gbyte_per_s of run " + chosen +
                         ": rank 0 cutting tiles ahead as for other ranks, the run having one"};
    // A run of other ranks' cutting times mixes adjacent and apart tiles already; this one's
    // calibration tells them apart.
    if (const double apart = attrs.number("cut_ahead_apart_gbyte_per_s"); apart > 0)
      job.cut_apart_bytes_per_s = {
          apart * 1e9, "cut_ahead_apart_gbyte_per_s of run " + chosen + ": every other tile"};
  } else {
    job.cut_for_others_bytes_per_s = {0, "as its own: run " + chosen + " had one rank"};
  }
  // Too few repetitions say nothing of how a core's speed varies.
  if (calibration.speeds.size() >= 5) {
    // Over the middle one (the lower of two): the middle of an odd count of draws computes the
    // tiles as they are (each rank's are over its median, but with an even count of repetitions
    // none is exactly 1).
    job.core_speeds = calibration.speeds;
    std::sort(job.core_speeds.begin(), job.core_speeds.end());
    const double middle = job.core_speeds[(job.core_speeds.size() - 1) / 2];
    for (double& v : job.core_speeds) v /= middle;
    job.core_speeds_source = "run " + chosen +
                             "'s repetitions: each one's busy time over its median, per rank "
                             "with the same tiles in every repetition";
  } else {
    job.core_speeds_source = "run " + chosen +
                             " has fewer than 5 repetitions of a rank with the same tiles in "
                             "each: not modelled, the tiles cost the same in every simulation";
  }
  job.per_tile_overhead_s = {calibration.overhead_s,
                             "the ranks' time outside the measured stages in run " + chosen};
  network_figures(path, runs, chosen, job);
  handover_figures(path, runs, chosen, job);
  busy_cores_figure(path, chosen, job);
  write_figure(path, runs, chosen, job);
  measured_makespans(path, runs, job);
  for (const auto& m : job.measured)
    if (m.run_id == chosen) job.partitioners.push_back(m.partitioner);  // sorted by name
  return job;
}

}  // namespace nsperf::analysis
