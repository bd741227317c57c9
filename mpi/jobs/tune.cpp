#include "nsperf/mpi/tune.hpp"

#include <algorithm>
#include <boost/mpi/collectives.hpp>
#include <optional>
#include <random>
#include <set>

#include "nsperf/core/error.hpp"
#include "nsperf/core/statistics.hpp"
#include "nsperf/core/stop.hpp"
#include "nsperf/core/text.hpp"
#include "nsperf/core/timer.hpp"
#include "nsperf/io/image_reader.hpp"
#include "nsperf/kernels/buffers.hpp"
#include "nsperf/kernels/synthetic.hpp"
#include "nsperf/mpi/batch.hpp"
#include "nsperf/mpi/job_context.hpp"
#include "nsperf/mpi/phase.hpp"
#include "nsperf/mpi/production.hpp"

namespace nsperf::mpi {
namespace {

using nlohmann::json;

constexpr int kMostPasses = 3;  // passes over the keys; the third rarely changes anything

json::json_pointer key_pointer(const std::string& key) {
  std::string p;
  for (char c : key) p += c == '.' ? '/' : c;
  return json::json_pointer("/" + p);
}

// The config of one job run: `base` with `s`, writing `output`, checked or not, no catalog.
core::Config config_with(const core::Config& base, const core::Settings& s,
                         const std::filesystem::path& output, bool check) {
  json j = base.json;
  for (const auto& [key, value] : s.items()) j[key_pointer(key)] = value;
  j["run"]["output"] = output.string();
  j["run"]["check"] = check;
  j["run"]["catalog"] = "";
  core::Config c = core::Config::from_json(j);
  c.tile_is_default = false;
  c.input_is_default = false;
  return c;
}

// What one candidate is and has measured so far.
struct Candidate {
  core::Settings settings;
  std::string text;  // settings_text: its identity
  bool failed = false;
  // Its measured runs in the race under way: a race compares only runs made side by side in it
  // (runs from an earlier race ran under other conditions of the machine).
  std::vector<double> times;
};

class Tuner {
 public:
  Tuner(const bmpi::communicator& comm, const TuneRequest& request, ProgressSink* sink)
      : comm_(comm),
        request_(request),
        sink_(comm.rank() == 0 ? sink : nullptr),
        rng_(request.config.input.seed) {}

  TuneReport run();

 private:
  // The workload, every rank: the image's size and type from rank 0, the cores of the rank with
  // the fewest.
  void probe();
  // The settings with every key after the first made possible again (threads 1 for a strategy
  // that runs one), or null when some key has no possible value.
  std::optional<core::Settings> normalized(core::Settings s) const;
  int candidate_id(const core::Settings& s);
  // The settings that decide how tiles are computed (Tunable::computes), as text: candidates
  // alike in these share one check run.
  std::string check_key(const core::Settings& s) const;
  // Runs the check of candidate `id` unless its computing settings were checked; false if the
  // search is to stop.
  bool check(int id, const std::string& race, std::int64_t round, std::int64_t reserve);
  // Agreed on every rank: whether the search may start another job run.
  bool go_on(std::int64_t reserve_runs);
  // One job run of candidate `id` (or the stopped search's, resuming); false if it failed (the
  // candidate is then dropped).
  bool job(int id, const std::string& race, std::int64_t round, int repetition, bool check,
           std::string_view label);
  // Runs the production job once for `t` and sets its time, status and output size.
  void run_job(core::TuneTrial& t, const Candidate& c, bool check);
  // The same for several images: `nsperf run`'s job over all of them.
  void run_images(core::TuneTrial& t, const Candidate& c, bool check);
  // Races `entrants` (ids; the first is the settings so far) and returns the winner.
  // `exhaustive`: every entrant gets kTuneConfirmRuns runs, none is dropped, the lowest median
  // wins (the yardstick the racing is measured against).
  int race(const std::string& key, const std::vector<int>& entrants, std::int64_t round,
           bool exhaustive = false);
  // Every combination of the space's values that can run, in race order.
  std::vector<core::Settings> every_setting() const;
  void confirm();
  void explain();
  std::int64_t count_space() const;

  const bmpi::communicator& comm_;
  const TuneRequest& request_;
  ProgressSink* sink_;
  std::mt19937_64 rng_;
  core::Stopwatch clock_;
  TuneReport report_;
  std::vector<core::SpaceKey> space_;
  core::ImageSpec
      image_;  // with several images: the one with the shortest side (it bounds the tile)
  std::int64_t pixels_ = 0;             // of every image
  std::vector<mpi::BatchImage> batch_;  // rank 0, several images: each with its scratch output
  bool many_ = false;                   // every rank: several images
  std::vector<Candidate> candidates_;
  std::filesystem::path output_;
  double typical_s_ = 0;  // the median job so far, to keep time for the closing comparison
  // check_key -> whether that check passed; a check whose run failed for another reason (its
  // write, say) is not recorded: the next candidate alike gets a check run of its own.
  std::map<std::string, bool> checks_;
  // Candidates found significantly slower in a race: they do not enter another one (as irace
  // eliminates a configuration for good), so that a key raced again beside other settings races
  // only values that have not lost yet.
  std::set<int> beaten_;
};

void Tuner::probe() {
  const auto& cfg = request_.config;
  run_phase(comm_, "tune-input", [&] {
    if (comm_.rank() != 0) return;
    const auto raw = cfg.input.raw.empty()
                         ? std::nullopt
                         : std::optional(io::parse_raw_layout(cfg.input.raw, "--raw"));
    if (!request_.images.empty()) {
      // Every header, before any work: a file that cannot be read is named now.
      std::int64_t shortest = 0;
      for (const auto& text : request_.images) {
        const auto input = io::parse_image_input(text, raw);
        const auto info = io::open_image(input)->info();
        const std::int64_t side = std::min(info.extent.width, info.extent.height);
        if (shortest == 0 || side < shortest) {
          shortest = side;
          image_ = {info.extent, info.dtype};
        }
        pixels_ += info.extent.pixels();
        mpi::BatchImage item;
        item.image = text;
        std::error_code ec;
        const auto bytes = std::filesystem::file_size(input.path, ec);
        item.file_bytes = ec ? 0 : static_cast<std::int64_t>(bytes);
        batch_.push_back(std::move(item));
      }
      report_.input = std::to_string(request_.images.size()) + " images (" +
                      request_.images.front() + (request_.images.size() > 1 ? ", ...)" : ")");
      return;
    }
    if (cfg.input.image.empty()) {
      image_ = cfg.input.synthetic;
      report_.input = "synthetic " + core::to_string(cfg.input.synthetic);
      return;
    }
    const auto info = io::open_image(io::parse_image_input(cfg.input.image, raw))->info();
    image_ = {info.extent, info.dtype};
    report_.input = cfg.input.image;
  });
  bmpi::broadcast(comm_, image_.extent.width, 0);
  bmpi::broadcast(comm_, image_.extent.height, 0);
  int dtype = static_cast<int>(image_.dtype);
  bmpi::broadcast(comm_, dtype, 0);
  image_.dtype = static_cast<core::DType>(dtype);
  bmpi::broadcast(comm_, report_.input, 0);
  bmpi::broadcast(comm_, pixels_, 0);
  if (pixels_ == 0) pixels_ = image_.extent.pixels();
  many_ = bmpi::all_reduce(comm_, batch_.empty() ? 0 : 1, bmpi::maximum<int>()) != 0;
  const NodeLayout layout = node_layout(comm_, 0);
  report_.workload.image = image_.extent;
  report_.workload.ranks = comm_.size();
  report_.workload.cores_per_rank = bmpi::all_reduce(comm_, layout.threads, bmpi::minimum<int>());
  report_.provenance = gather_provenance(comm_, request_.command_line, cfg, layout);
}

std::optional<core::Settings> Tuner::normalized(core::Settings s) const {
  const auto& w = report_.workload;
  for (const auto& key : space_) {
    const auto& name = key.tunable->name;
    if (key.tunable->impossible(s[name], w, s).empty()) continue;
    const auto values = core::candidates_of(key, w, s);
    if (values.empty()) return std::nullopt;
    s[name] = values.front();
  }
  return s;
}

int Tuner::candidate_id(const core::Settings& s) {
  const std::string text = core::settings_text(s);
  for (std::size_t i = 0; i < candidates_.size(); ++i)
    if (candidates_[i].text == text) return static_cast<int>(i);
  candidates_.push_back({s, text, false, {}});
  return static_cast<int>(candidates_.size()) - 1;
}

std::string Tuner::check_key(const core::Settings& s) const {
  core::Settings key = json::object();
  for (const auto& k : space_)
    if (k.tunable->computes && s.contains(k.tunable->name))
      key[k.tunable->name] = s[k.tunable->name];
  return core::settings_text(key);
}

bool Tuner::check(int id, const std::string& race, std::int64_t round, std::int64_t reserve) {
  Candidate& c = candidates_[static_cast<std::size_t>(id)];
  if (c.failed) return true;
  const std::string key = check_key(c.settings);
  if (const auto it = checks_.find(key); it != checks_.end()) {
    c.failed = !it->second;
    return true;
  }
  if (!go_on(reserve)) return false;
  job(id, race, round, -1, /*check=*/true, "check");
  const std::string& status = report_.trials.back().status;
  if (status == "ok" || status == "failed-check") checks_[key] = status == "ok";
  return true;
}

bool Tuner::go_on(std::int64_t reserve_runs) {
  const int signal = bmpi::all_reduce(comm_, request_.stop_signal ? request_.stop_signal() : 0,
                                      bmpi::maximum<int>());
  if (signal != 0) {
    report_.interrupted = true;
    report_.stopped = "stopped by " + core::signal_name(signal) + " after " +
                      std::to_string(report_.runs) + " job runs";
    return false;
  }
  // Rank 0's clock decides for every rank.
  int stop = 0;
  if (comm_.rank() == 0) {
    if (request_.budget_runs > 0 && report_.runs + 1 + reserve_runs > request_.budget_runs) {
      stop = 1;
    } else if (request_.budget_s > 0 &&
               clock_.elapsed_s() + typical_s_ * static_cast<double>(1 + reserve_runs) >
                   request_.budget_s) {
      stop = 2;
    }
  }
  bmpi::broadcast(comm_, stop, 0);
  if (stop == 0) return true;
  if (report_.stopped.empty()) {
    report_.stopped =
        stop == 1 ? "the budget of " + std::to_string(request_.budget_runs) +
                        " job runs was spent (up to " + std::to_string(reserve_runs) +
                        " of them kept for the closing comparison)"
                  : "the budget of " + core::format_number(request_.budget_s, 3) + " s was spent";
  }
  return false;
}

bool Tuner::job(int id, const std::string& race, std::int64_t round, int repetition, bool check,
                std::string_view label) {
  Candidate& c = candidates_[static_cast<std::size_t>(id)];
  if (sink_ != nullptr) {
    const std::string text = std::string(label) + " " + c.text;
    if (request_.budget_runs > 0)
      sink_->update(report_.runs, request_.budget_runs, text);
    else
      sink_->update(static_cast<std::int64_t>(clock_.elapsed_s()),
                    static_cast<std::int64_t>(request_.budget_s), text);
  }
  core::TuneTrial t;
  t.trial = static_cast<std::int64_t>(report_.trials.size());
  t.candidate = id;
  t.settings = c.settings.dump();
  t.race = race;
  t.round = round;
  t.repetition = repetition;
  t.status = "ok";
  // Resuming: the stopped search's runs, in the order this search asks for them (the same seed,
  // the same decisions), are taken as they were measured instead of run again.
  if (const auto at = static_cast<std::size_t>(t.trial); at < request_.replay.size()) {
    const auto& was = request_.replay[at];
    run_phase(comm_, "tune-resume", [&] {
      if (was.settings != t.settings || was.race != t.race || was.repetition != t.repetition) {
        throw InputError("--resume: job run " + std::to_string(t.trial) +
                         " of the stopped search ran " + was.race + " " + was.settings +
                         "; this search would run " + t.race + " " + t.settings +
                         ": resume with the same input, options and rank count");
      }
    });
    t.seconds = was.seconds;
    t.output_bytes = was.output_bytes;
    t.status = was.status;
    ++report_.replayed;
  } else {
    run_job(t, c, check);
  }
  ++report_.runs;
  report_.trials.push_back(t);
  if (t.status != "ok") {
    c.failed = true;
    return false;
  }
  if (repetition >= 0) c.times.push_back(t.seconds);
  return true;
}

void Tuner::run_job(core::TuneTrial& t, const Candidate& c, bool check) {
  if (many_) {
    run_images(t, c, check);
    return;
  }
  ProductionRequest run{config_with(request_.config, c.settings, output_, check),
                        request_.command_line,
                        /*resume=*/false,
                        request_.stop_signal,
                        /*start_s=*/0,
                        /*launcher=*/"",
                        /*since_init=*/nullptr,
                        /*on_start=*/{},
                        /*count_tiles=*/false};
  comm_.barrier();
  const core::Stopwatch watch;
  try {
    // A phase of its own, where tests inject a fault into one job run (NSPERF_FAULT).
    run_phase(comm_, "tune-run-" + std::to_string(t.trial), [] {});
    const ProductionReport r = run_production(comm_, run, nullptr);
    if (r.failed_tiles > 0) t.status = "failed-check";
    t.output_bytes = r.file_bytes;
  } catch (const PhaseFailed& e) {
    if (e.exit_code() == ExitCode::interrupted) {
      if (comm_.rank() == 0) std::filesystem::remove(output_);
      throw;
    }
    t.status = "failed";
    report_.notes.push_back(c.text + ": " + e.what());
  }
  t.seconds = bmpi::all_reduce(comm_, watch.elapsed_s(), bmpi::maximum<double>());
  // Every rank is past the job's last collective: the output is no longer open anywhere.
  if (comm_.rank() == 0) {
    std::error_code ec;
    std::filesystem::remove(output_, ec);
  }
}

void Tuner::run_images(core::TuneTrial& t, const Candidate& c, bool check) {
  BatchRequest batch;
  batch.config = config_with(request_.config, c.settings, output_, check);
  batch.command_line = request_.command_line;
  batch.images = batch_;  // rank 0's plan; run_batch sends it to the others
  batch.stop_signal = request_.stop_signal;
  comm_.barrier();
  const core::Stopwatch watch;
  enum : int { kOk = 0, kCheckFailed = 1, kFailed = 2, kInterrupted = 3 };
  int status = kOk;
  std::string error;
  std::vector<io::ImageIndexRow> rows;
  try {
    // A phase of its own, where tests inject a fault into one job run (NSPERF_FAULT).
    run_phase(comm_, "tune-run-" + std::to_string(t.trial), [] {});
    rows = run_batch(comm_, batch, nullptr);  // an image that fails is a row, not a throw
  } catch (const PhaseFailed& e) {
    if (e.exit_code() == ExitCode::interrupted) throw;
    status = kFailed;
    error = e.what();
  }
  t.seconds = bmpi::all_reduce(comm_, watch.elapsed_s(), bmpi::maximum<double>());
  // A stop signal ends the batch between images (those not started are "not run") or inside
  // one: either way the run is interrupted, not failed.
  const int signal = bmpi::all_reduce(comm_, request_.stop_signal ? request_.stop_signal() : 0,
                                      bmpi::maximum<int>());
  if (signal != 0) {
    status = kInterrupted;
    error = "stopped by " + core::signal_name(signal);
  }
  // Otherwise rank 0 has every image's row: the run's status is the worst of theirs.
  std::int64_t bytes = 0;
  if (comm_.rank() == 0) {
    for (const auto& row : rows) {
      int s = kOk;
      if (row.status == io::image_status::interrupted)
        s = kInterrupted;
      else if (row.status == io::image_status::check_failed)
        s = kCheckFailed;
      else if (row.status != io::image_status::ok)
        s = kFailed;
      if (s > status) {
        status = s;
        error = row.image + ": " + (row.error.empty() ? row.status : row.error);
      }
    }
    for (const auto& item : batch_) {
      std::error_code ec;
      const auto size = std::filesystem::file_size(item.output, ec);
      if (!ec) bytes += static_cast<std::int64_t>(size);
      std::filesystem::remove(item.output, ec);
    }
  }
  bmpi::broadcast(comm_, status, 0);
  bmpi::broadcast(comm_, error, 0);
  bmpi::broadcast(comm_, bytes, 0);
  t.output_bytes = bytes;
  if (status == kInterrupted) throw PhaseFailed(error, ExitCode::interrupted);
  if (status == kCheckFailed) t.status = "failed-check";
  if (status == kFailed) {
    t.status = "failed";
    report_.notes.push_back(c.text + ": " + error);
  }
}

int Tuner::race(const std::string& key, const std::vector<int>& entrants, std::int64_t round,
                bool exhaustive) {
  std::vector<int> alive;
  std::map<int, std::string> outcome;
  const std::int64_t reserve = 2 * kTuneConfirmRuns;
  for (int id : entrants) candidates_[static_cast<std::size_t>(id)].times.clear();
  for (int id : entrants) {
    if (!check(id, key, round, reserve)) break;
    if (candidates_[static_cast<std::size_t>(id)].failed)
      outcome[id] = "failed";
    else
      alive.push_back(id);
  }
  const auto drop_failed = [&] {
    std::erase_if(alive, [&](int id) {
      if (!candidates_[static_cast<std::size_t>(id)].failed) return false;
      outcome[id] = "failed";
      return true;
    });
  };
  int target = exhaustive ? kTuneConfirmRuns : kTuneFirstRuns;
  bool out = report_.interrupted;
  while (alive.size() > 1 && !out) {
    // Sweeps, each in an order shuffled from the seed (the same on every rank), until every
    // candidate alive has `target` runs: a slow drift of the machine spreads over all of them.
    for (;;) {
      std::vector<int> need;
      for (int id : alive)
        if (static_cast<int>(candidates_[static_cast<std::size_t>(id)].times.size()) < target)
          need.push_back(id);
      if (need.empty()) break;
      std::shuffle(need.begin(), need.end(), rng_);
      for (int id : need) {
        if (!go_on(reserve)) {
          out = true;
          break;
        }
        auto& c = candidates_[static_cast<std::size_t>(id)];
        const int rep = static_cast<int>(c.times.size());
        job(id, key, round, rep, false,
            key + " run " + std::to_string(rep + 1) + "/" + std::to_string(target));
      }
      if (out) break;
      drop_failed();
    }
    drop_failed();
    // The standing among those measured (a stop may leave one without runs).
    std::vector<int> measured;
    std::vector<std::vector<double>> times;
    for (int id : alive) {
      const auto& c = candidates_[static_cast<std::size_t>(id)];
      if (c.times.empty()) continue;
      measured.push_back(id);
      times.push_back(c.times);
    }
    if (measured.size() < 2) break;
    const auto standing = core::race_standing(times);
    if (exhaustive) {
      // Nothing is dropped: the fastest by median wins, and the fates say what the racing would
      // have concluded from the same runs.
      for (std::size_t i = 0; i < measured.size(); ++i)
        if (standing.slower[i]) outcome[measured[i]] = "slower";
      std::erase_if(alive, [&](int id) { return id != measured[standing.best]; });
      break;
    }
    for (std::size_t i = 0; i < measured.size(); ++i) {
      if (!standing.slower[i]) continue;
      outcome[measured[i]] = "slower";
      beaten_.insert(measured[i]);
      std::erase(alive, measured[i]);
    }
    if (alive.size() <= 1 || out) break;
    bool all_most = true;
    for (int id : alive)
      all_most =
          all_most &&
          static_cast<int>(candidates_[static_cast<std::size_t>(id)].times.size()) >= kTuneMostRuns;
    if (all_most) break;  // the best and the rest cannot be told apart
    target = std::min(kTuneMostRuns, target + kTuneMoreRuns);
  }
  // The winner: the settings so far while nothing is significantly faster (a move among
  // candidates that cannot be told apart would follow the noise), else the lowest median among
  // those alive and measured.
  int winner = exhaustive && alive.size() == 1 ? alive.front() : entrants.front();
  const auto measured = [&](int id) {
    return std::find(alive.begin(), alive.end(), id) != alive.end() &&
           !candidates_[static_cast<std::size_t>(id)].times.empty();
  };
  bool found = measured(winner);
  if (!found) {
    double best = 0;
    for (int id : alive) {
      if (!measured(id)) continue;
      const double m = core::median(candidates_[static_cast<std::size_t>(id)].times);
      if (!found || m < best) {
        winner = id;
        best = m;
        found = true;
      }
    }
  }
  if (exhaustive) {
    // The ones not dropped above and not the winner were tied with it.
    for (int id : entrants)
      if (outcome.find(id) == outcome.end() && id != winner &&
          !candidates_[static_cast<std::size_t>(id)].times.empty())
        outcome[id] = "tied";
  }
  for (int id : alive)
    outcome[id] = id == winner                                              ? "chosen"
                  : candidates_[static_cast<std::size_t>(id)].times.empty() ? "unmeasured"
                                                                            : "tied";
  if (!found && candidates_[static_cast<std::size_t>(winner)].failed) {
    // Every candidate failed, the settings so far among them: keep them, the search says so.
    report_.notes.push_back("every value of " + key + " failed beside " +
                            candidates_[static_cast<std::size_t>(winner)].text);
  }
  for (auto& t : report_.trials)
    if (t.round == round && t.race == key) {
      if (const auto it = outcome.find(static_cast<int>(t.candidate)); it != outcome.end())
        t.outcome = it->second;
    }
  TuneRace record{round, key, {}, {}, {}};
  for (int id : entrants) {
    const auto& c = candidates_[static_cast<std::size_t>(id)];
    record.entrants.push_back(c.settings);
    record.times.push_back(c.times);
    const auto it = outcome.find(id);
    record.outcomes.push_back(it != outcome.end() ? it->second : "unmeasured");
  }
  report_.races.push_back(std::move(record));
  std::vector<double> all;
  for (const auto& t : report_.trials)
    if (t.repetition >= 0 && t.status == "ok") all.push_back(t.seconds);
  if (!all.empty()) typical_s_ = core::median(all);
  return winner;
}

void Tuner::confirm() {
  const int d = candidate_id(report_.defaults);
  const int b = candidate_id(report_.best);
  if (d == b) return;
  const std::vector<std::pair<int, const char*>> sides = {{d, "default"}, {b, "tuned"}};
  // As a race: 5 runs each, then 3 more while the two cannot be told apart, at most 10. A clear
  // difference, the common case once a search found one, is settled in 10 runs rather than 20.
  int target = kTuneFirstRuns;
  for (int r = 0; r < kTuneConfirmRuns; ++r) {
    if (r == target) {
      if (core::time_ratio(report_.default_s, report_.tuned_s).p < core::kTuneAlpha) break;
      target = std::min(kTuneConfirmRuns, target + kTuneMoreRuns);
    }
    auto order = sides;
    std::shuffle(order.begin(), order.end(), rng_);
    for (const auto& [id, name] : order) {
      const int signal = bmpi::all_reduce(comm_, request_.stop_signal ? request_.stop_signal() : 0,
                                          bmpi::maximum<int>());
      if (signal != 0) {
        report_.interrupted = true;
        report_.stopped =
            "stopped by " + core::signal_name(signal) + " during the closing comparison";
        return;
      }
      const auto before = report_.trials.size();
      if (!job(id, "confirm", -1, r, false,
               std::string("closing comparison ") + std::to_string(r + 1) + "/" +
                   std::to_string(kTuneConfirmRuns) + ", " + name)) {
        report_.notes.push_back(std::string("the closing comparison's ") + name + " run failed");
        return;
      }
      auto& t = report_.trials[before];
      t.outcome = name;
      (std::string_view(name) == "default" ? report_.default_s : report_.tuned_s)
          .push_back(t.seconds);
      core::Sample s;
      s.optimizer = "tune";
      s.strategy = name;
      s.kernel = "job";
      s.image = image_;
      s.repetition = r;
      s.seconds = t.seconds;
      s.pixels = pixels_;
      report_.samples.push_back(s);
    }
  }
  report_.overall = core::time_ratio(report_.default_s, report_.tuned_s);
  if (report_.overall.p < core::kTuneAlpha && report_.overall.ratio > 1) {
    report_.fell_back = true;
    report_.best = report_.defaults;
  }
}

void Tuner::explain() {
  for (const auto& key : space_) {
    const auto& name = key.tunable->name;
    TuneGain g;
    g.key = name;
    g.from = report_.defaults[name];
    g.to = report_.best[name];
    // The key's last race with both the default value and the chosen one among its entrants
    // (a value beaten once enters no later race), else its last race.
    const TuneRace* last = nullptr;
    const TuneRace* both = nullptr;
    for (const auto& race : report_.races) {
      if (race.key != name) continue;
      const auto has = [&](const json& v) {
        return std::any_of(race.entrants.begin(), race.entrants.end(),
                           [&](const core::Settings& e) { return e[name] == v; });
      };
      last = &race;
      if (has(g.from) && has(g.to)) both = &race;
    }
    if (both != nullptr) last = both;
    // An exhaustive search measured the chosen settings with this key at its default too.
    std::optional<core::Settings> with_default;
    if (last == nullptr && !report_.races.empty() && report_.races.front().key == "exhaustive") {
      last = &report_.races.front();
      with_default = normalized(core::with_setting(report_.best, name, g.from));
    }
    if (g.from != g.to) {
      std::optional<std::size_t> from;
      std::optional<std::size_t> to;
      for (std::size_t i = 0; last != nullptr && i < last->entrants.size(); ++i) {
        if (with_default) {
          if (last->entrants[i] == *with_default) from = i;
          if (last->entrants[i] == report_.best) to = i;
          continue;
        }
        if (last->entrants[i][name] == g.from) from = i;
        if (last->entrants[i][name] == g.to) to = i;
      }
      if (!from || !to) {
        g.why = key.tunable->impossible(g.from, report_.workload, report_.best);
        if (g.why.empty() && !key.given.empty() &&
            std::find(key.given.begin(), key.given.end(), g.from) == key.given.end())
          g.why = "--space leaves the default out";
        if (g.why.empty()) g.why = "not raced beside the chosen settings";
      } else if (last->times[*from].size() < 2 || last->times[*to].size() < 2) {
        g.why = last->outcomes[*from] == "failed" ? "the default failed"
                                                  : "too few runs to compare (the search stopped)";
      } else {
        g.measured = true;
        g.ratio = core::time_ratio(last->times[*from], last->times[*to]);
        core::Settings beside = last->entrants[*to];
        beside.erase(name);
        g.beside = core::settings_text(beside);
      }
    }
    report_.gains.push_back(std::move(g));
  }
}

std::vector<core::Settings> Tuner::every_setting() const {
  std::vector<core::Settings> out;
  const auto& w = report_.workload;
  std::function<void(std::size_t, core::Settings)> walk = [&](std::size_t at, core::Settings s) {
    if (at == space_.size()) {
      out.push_back(std::move(s));
      return;
    }
    for (const auto& v : core::candidates_of(space_[at], w, s))
      walk(at + 1, core::with_setting(s, space_[at].tunable->name, v));
  };
  walk(0, report_.defaults);
  return out;
}

std::int64_t Tuner::count_space() const {
  return static_cast<std::int64_t>(every_setting().size());
}

TuneReport Tuner::run() {
  probe();
  auto& cfg = request_.config;
  // The defaults: every tunable as the config has it, the automatic threads as they resolve.
  report_.defaults = json::object();
  for (const auto* t : core::tunables_in_order())
    report_.defaults[t->name] = cfg.json.at(key_pointer(t->name));
  if (report_.defaults["optimizers.cpu.threads"] == 0)
    report_.defaults["optimizers.cpu.threads"] = report_.workload.cores_per_rank;
  // Several images: one tile for all, which `nsperf run` would refuse for an image narrower
  // than it. As a single image's default tile is fitted to it, the defaults' tile is fitted to
  // the narrowest image, and the console says so.
  const std::int64_t side = std::min(image_.extent.width, image_.extent.height);
  if (many_ && report_.defaults["input.tile"].get<std::int64_t>() > side) {
    report_.notes.push_back("the defaults' tile is " + std::to_string(side) + ", the side of the " +
                            core::to_string(image_) + " image (its " +
                            report_.defaults["input.tile"].dump() +
                            " is larger than that image, which nsperf run would refuse)");
    report_.defaults["input.tile"] = side;
  }
  run_phase(comm_, "tune-space",
            [&] { space_ = core::make_space(request_.space, report_.workload, report_.defaults); });
  report_.space_size = count_space();
  output_ = request_.scratch / ("nsperf-tune-" + report_.provenance.run_id + ".h5");
  for (std::size_t k = 0; k < batch_.size(); ++k) {
    batch_[k].output = (request_.scratch / ("nsperf-tune-" + report_.provenance.run_id + "-" +
                                            std::to_string(k) + ".h5"))
                           .string();
  }

  // Where the search starts: the defaults, each key moved into the space where --space leaves
  // its default out.
  core::Settings start = report_.defaults;
  if (request_.start) {
    for (const auto& [key, value] : request_.start->items())
      if (start.contains(key)) start[key] = value;
    start = normalized(start).value_or(report_.defaults);
  }
  for (const auto& key : space_) {
    const auto values = core::candidates_of(key, report_.workload, start);
    if (values.empty())
      throw InputError("--space " + key.tunable->name + ": no value can run beside " +
                       core::settings_text(start));
    if (std::find(values.begin(), values.end(), start[key.tunable->name]) == values.end())
      start[key.tunable->name] = values.front();
  }
  core::Settings incumbent = start;
  std::set<std::string> raced;  // key + the other settings: a race never runs twice
  std::int64_t round = 0;
  try {
    if (request_.exhaustive) {
      // The yardstick: every setting, the same runs each, the fastest median.
      std::vector<int> all;
      for (const auto& s : every_setting()) all.push_back(candidate_id(s));
      const int best = race("exhaustive", all, 0, /*exhaustive=*/true);
      incumbent = candidates_[static_cast<std::size_t>(best)].settings;
      if (report_.stopped.empty())
        report_.stopped = "exhaustive: every setting of the space ran " +
                          std::to_string(kTuneConfirmRuns) + " times";
    }
    for (int pass = 0; pass < (request_.exhaustive ? 0 : kMostPasses); ++pass) {
      bool changed = false;
      for (const auto& key : space_) {
        const auto& name = key.tunable->name;
        std::vector<int> entrants = {candidate_id(incumbent)};
        for (const auto& v : core::candidates_of(key, report_.workload, incumbent)) {
          const auto s = normalized(core::with_setting(incumbent, name, v));
          if (!s) continue;
          const int id = candidate_id(*s);
          if (beaten_.count(id) == 0 &&
              std::find(entrants.begin(), entrants.end(), id) == entrants.end())
            entrants.push_back(id);
        }
        if (entrants.size() < 2) continue;
        core::Settings others = incumbent;
        others.erase(name);
        if (!raced.insert(name + " " + core::settings_text(others)).second) continue;
        const int winner = race(name, entrants, round);
        ++round;
        const auto& w = candidates_[static_cast<std::size_t>(winner)].settings;
        if (w != incumbent) {
          incumbent = w;
          changed = true;
        }
        if (!report_.stopped.empty()) break;
      }
      if (!report_.stopped.empty()) break;
      if (!changed) {
        report_.stopped = pass == 0 && round == 0
                              ? "nothing to race: every key has one possible value"
                              : "converged: a pass over every key changed nothing";
        break;
      }
      if (pass + 1 == kMostPasses)
        report_.stopped = std::to_string(kMostPasses) + " passes over every key";
    }
    report_.best = incumbent;
    if (!report_.interrupted) confirm();
  } catch (const PhaseFailed& e) {
    if (e.exit_code() != ExitCode::interrupted) throw;
    report_.interrupted = true;
    report_.best = incumbent;
    // The job's own message speaks of resuming its output, which tune removes: not repeated.
    const int signal = request_.stop_signal ? request_.stop_signal() : 0;
    report_.stopped = "stopped by " + (signal != 0 ? core::signal_name(signal) : "a signal") +
                      " during job run " + std::to_string(report_.runs + 1) +
                      " (that run is not kept)";
  }
  explain();
  if (sink_ != nullptr) sink_->finish();
  return report_;
}

}  // namespace

core::WorkloadFeatures sample_workload(const core::Config& cfg, int ranks, int cores,
                                       const std::string& host) {
  core::WorkloadFeatures f;
  f.ranks = ranks;
  f.cores_per_rank = cores;
  f.host = host;
  std::function<core::Image(const core::Rect&)> read;
  std::unique_ptr<io::ImageReader> reader;
  std::optional<kernels::SyntheticImage> synthetic;
  core::Image whole;
  core::Extent extent;
  if (cfg.input.image.empty()) {
    synthetic.emplace(cfg.input.synthetic, cfg.input.seed, cfg.input.skew);
    extent = cfg.input.synthetic.extent;
    f.dtype = std::string(core::to_string(cfg.input.synthetic.dtype));
    read = [&](const core::Rect& r) { return synthetic->render(r); };
  } else {
    const auto raw = cfg.input.raw.empty()
                         ? std::nullopt
                         : std::optional(io::parse_raw_layout(cfg.input.raw, "--raw"));
    reader = io::open_image(io::parse_image_input(cfg.input.image, raw));
    extent = reader->info().extent;
    f.dtype = std::string(core::to_string(reader->info().dtype));
    if (reader->info().sequential) {
      whole = reader->read_all();  // decoded top to bottom anyway: once
      read = [&](const core::Rect& r) {
        return core::extract_padded(whole, r.x, r.y, r.width, r.height, 0);
      };
    } else {
      read = [&](const core::Rect& r) { return reader->read(r); };
    }
  }
  f.width = extent.width;
  f.height = extent.height;
  // Tiles of a quarter of the shorter side (32 to 512 pixels), so that the grid also finds the
  // empty part of a small image.
  const std::int64_t side =
      std::clamp<std::int64_t>(std::min(extent.width, extent.height) / 4, 32, 512);
  const std::int64_t w = std::min(side, extent.width);
  const std::int64_t h = std::min(side, extent.height);
  std::set<std::pair<std::int64_t, std::int64_t>> corners;
  for (int i = 0; i < 4; ++i)
    for (int j = 0; j < 4; ++j)
      corners.emplace((extent.width - w) * i / 3, (extent.height - h) * j / 3);
  std::int64_t empty = 0;
  double raw_bytes = 0;
  double packed_bytes = 0;
  for (const auto& [x, y] : corners) {
    const core::Image tile = read({x, y, w, h});
    const auto bytes = tile.bytes();
    const std::size_t size = core::dtype_size(tile.dtype());
    bool constant = true;
    for (std::size_t at = size; at < bytes.size() && constant; at += size)
      constant = std::equal(bytes.begin(), bytes.begin() + static_cast<std::ptrdiff_t>(size),
                            bytes.begin() + static_cast<std::ptrdiff_t>(at));
    empty += constant ? 1 : 0;
    raw_bytes += static_cast<double>(bytes.size());
    packed_bytes += static_cast<double>(kernels::compress_shuffled(bytes, size, 1).size());
  }
  f.empty_tiles = static_cast<double>(empty) / static_cast<double>(corners.size());
  f.compressibility = raw_bytes > 0 ? std::min(1.0, packed_bytes / raw_bytes) : 1.0;
  return f;
}

std::optional<NearestTuned> nearest_tuned(const std::vector<io::CatalogTuned>& rows,
                                          const core::WorkloadFeatures& f) {
  std::optional<NearestTuned> best;
  for (const auto& row : rows) {
    std::string how;
    const double d = core::workload_distance(f, row.features, &how);
    if (!best || d < best->distance) best = NearestTuned{row, d, how};
  }
  return best;
}

TuneReport run_tune(const bmpi::communicator& comm, const TuneRequest& request,
                    ProgressSink* progress) {
  Tuner tuner(comm, request, progress);
  return tuner.run();
}

}  // namespace nsperf::mpi
