// nsperf tune: finds the production job's settings by racing candidates (mpi/tune.hpp), and
// writes them as a config file that `nsperf run -c` takes, every job run into a results file.
#include <boost/mpi/collectives.hpp>
#include <cmath>
#include <iomanip>
#include <iostream>
#include <optional>
#include <sstream>

#include "command.hpp"
#include "config_source.hpp"
#include "input_options.hpp"
#include "nsperf/analysis/summary_table.hpp"
#include "nsperf/core/error.hpp"
#include "nsperf/core/provenance.hpp"
#include "nsperf/core/statistics.hpp"
#include "nsperf/core/stop.hpp"
#include "nsperf/core/text.hpp"
#include "nsperf/core/tuning.hpp"
#include "nsperf/io/catalog.hpp"
#include "nsperf/io/image_reader.hpp"
#include "nsperf/io/results_file.hpp"
#include "nsperf/mpi/phase.hpp"
#include "nsperf/mpi/results_writer.hpp"
#include "nsperf/mpi/tune.hpp"
#include "progress_line.hpp"
#include "run_many.hpp"
#include "tuned_settings.hpp"

namespace nsperf::cli {
namespace {

using nlohmann::json;

struct Options {
  std::optional<std::string> config;
  std::vector<core::Override> overrides;
  std::vector<std::string> space;
  std::string budget = "30m";
  std::string output = "nsperf-tuned.json";
  std::string results = "nsperf-tune.h5";
  std::optional<std::string> scratch;
  std::optional<std::string> catalog;
  /// Several images: --image repeated or a glob, and --images LIST (not yet expanded).
  bool many = false;
  std::vector<std::string> images;
  std::string images_list;
  mpi::WriteMode mode = mpi::WriteMode::create;
  bool progress = true;
  bool help = false;
  bool exhaustive = false;
  bool resume = false;
};

po::options_description describe_options() {
  std::vector<std::string> keys;
  for (const auto* t : core::tunables_in_order()) keys.push_back(t->name);
  const std::string space_help =
      "the values of a key to try, e.g. --space input.tile=256,512,1024 "
      "(repeatable; one value pins the key). Keys: " +
      core::join(keys) + ". Default: every value each key declares";
  po::options_description tune("Search");
  tune.add_options()(
      "images", po::value<std::string>()->value_name("LIST"),
      "tune the job over several images, as 'nsperf run --images' runs them: a file naming one "
      "image per line, besides any --image (which may also be repeated or a quoted glob)")(
      "budget", po::value<std::string>()->value_name("N|DURATION"),
      "at most N job runs, or as long as DURATION (90s, 20m, 1h30m); default 30m")(
      "space", po::value<std::vector<std::string>>()->value_name("KEY=V1,V2")->composing(),
      space_help.c_str())("output,o", po::value<std::string>()->value_name("FILE.json"),
                          "the tuned settings, a config file for 'nsperf run -c' (default "
                          "nsperf-tuned.json)")(
      "results", po::value<std::string>()->value_name("FILE.h5"),
      "every job run (the run's tune table) and the closing comparison (default nsperf-tune.h5)")(
      "catalog", po::value<std::string>()->value_name("FILE"),
      "SQLite catalog of tuned workloads (made if absent): the search starts from the settings "
      "of the nearest workload recorded there, and its result is recorded with this workload's "
      "features (docs/tuning.md)")(
      "exhaustive",
      "instead of racing, run every setting of the space 10 times and take the fastest median: "
      "the yardstick racing is measured against (docs/tuning.md); slow")(
      "scratch", po::value<std::string>()->value_name("DIR"),
      "where the job runs write their outputs, each removed after its run (default: the results "
      "file's folder; put it where 'nsperf run' will write)")(
      "set", po::value<std::vector<std::string>>()->value_name("KEY=VALUE")->composing(),
      "any config key: the settings tune starts from (repeatable)")(
      "config,c", po::value<std::string>()->value_name("FILE"),
      "optimization config to start from (default: ./optimization_config.json if present)")(
      "force", "replace the output and results files if they exist")(
      "resume",
      "continue the search a stop signal ended, from its job runs in --results (replayed, not "
      "run again); same input, options and rank count")(
      "no-progress", "no progress line on stderr")("help,h", "this help");
  po::options_description all;
  all.add(input_options()).add(tune);
  return all;
}

Options parse(const CommandContext& ctx, const po::options_description& description) {
  auto vm = parse_options(ctx.args, description, nullptr, "tune");
  Options o;
  o.help = vm.count("help") > 0;
  const auto images =
      vm.count("image") ? vm["image"].as<std::vector<std::string>>() : std::vector<std::string>{};
  if (images.size() > 1 || (images.size() == 1 && is_glob(images.front())) || vm.count("images")) {
    if (vm.count("synthetic"))
      throw UsageError("--synthetic is one image; several images are files (--image, --images)");
    o.many = true;
    o.images = images;
    if (vm.count("images")) o.images_list = vm["images"].as<std::string>();
    vm.erase("image");  // the images are the job's, not input.image
  }
  if (vm.count("config")) o.config = vm["config"].as<std::string>();
  add_input_overrides(vm, o.overrides);
  add_set_overrides(vm, o.overrides);
  if (vm.count("space")) o.space = vm["space"].as<std::vector<std::string>>();
  if (vm.count("budget")) o.budget = vm["budget"].as<std::string>();
  if (vm.count("output")) o.output = vm["output"].as<std::string>();
  if (vm.count("results")) o.results = vm["results"].as<std::string>();
  if (vm.count("scratch")) o.scratch = vm["scratch"].as<std::string>();
  if (vm.count("catalog")) o.catalog = vm["catalog"].as<std::string>();
  if (vm.count("force")) o.mode = mpi::WriteMode::overwrite;
  o.progress = vm.count("no-progress") == 0;
  o.exhaustive = vm.count("exhaustive") > 0;
  o.resume = vm.count("resume") > 0;
  return o;
}

// "200" job runs, or a duration: "90s", "20m", "1h30m", "2h" (seconds). Throws UsageError.
std::pair<std::int64_t, double> parse_budget(const std::string& text) {
  const auto wrong = [&](const std::string& why) {
    return UsageError("--budget " + text + ": " + why +
                      "; valid: a number of job runs (200) or a duration (90s, 20m, 1h30m)");
  };
  if (text.empty()) throw wrong("empty");
  if (text.find_first_not_of("0123456789") == std::string::npos) {
    if (text.size() > 9) throw wrong("too many runs");
    const auto runs = std::stoll(text);
    if (runs < 1) throw wrong("a budget of zero runs measures nothing");
    return {runs, 0};
  }
  double seconds = 0;
  std::size_t at = 0;
  while (at < text.size()) {
    const auto digits = text.find_first_not_of("0123456789", at);
    if (digits == at || digits == std::string::npos) throw wrong("a number needs a unit (s, m, h)");
    if (digits - at > 9) throw wrong("too long");
    const double n = std::stod(text.substr(at, digits - at));
    const char unit = text[digits];
    if (unit == 's')
      seconds += n;
    else if (unit == 'm')
      seconds += 60 * n;
    else if (unit == 'h')
      seconds += 3600 * n;
    else
      throw wrong(std::string("unknown unit '") + unit + "'");
    at = digits + 1;
  }
  if (seconds < 1) throw wrong("a budget of zero time measures nothing");
  return {0, seconds};
}

constexpr const char* kUsage =
    "mpirun -n N nsperf tune (--image FILE | --synthetic WxH | --images LIST) "
    "[--budget N|DURATION] [--space KEY=V1,V2 ...] [-o tuned.json]";

void print_help(std::ostream& out, const po::options_description& options) {
  out << "usage: " << kUsage
      << "\n\n"
         "Finds the settings of the production job ('nsperf run': read, pipeline, output\n"
         "written and flushed, timed end to end on the slowest rank) for this input at this\n"
         "rank count, and writes them as a config file that 'nsperf run -c' and 'nsperf\n"
         "benchmark -c' take as they are.\n\n"
         "The keys tried and their values come from the settings the strategies, the tile\n"
         "plan, its partitioner and the output's compression declare; --space narrows or\n"
         "widens them, and combinations that cannot run (a tile larger than the image, more\n"
         "threads than a rank's cores, threads for a one-thread strategy) are never tried. The\n"
         "search races one key at a time beside the settings found so far: the output of each\n"
         "new way of computing (strategy, threads, tile) is checked once against the float64\n"
         "reference, then candidates get measured runs in shuffled rounds (5, then 3 more, at\n"
         "most 10), and those significantly slower than the best (Mann-Whitney p < 0.05, as\n"
         "'nsperf compare') are dropped for good. Passes over the keys repeat until one\n"
         "changes nothing or the budget is spent. The defaults and the tuned settings are then\n"
         "run side by side (5 times each, up to 10 while they cannot be told apart), and each\n"
         "setting's gain is printed with its 95% interval. Every job run is stored in the\n"
         "results file's tune table. See docs/tuning.md.\n\n"
         "With several images (--image repeated or a quoted glob, --images LIST), a job run is\n"
         "'nsperf run's job over all of them (each image its own output, the images shared\n"
         "among the ranks as they free up), timed as a whole: one set of settings for the lot.\n"
         "The tile sizes tried are bounded by the image with the shortest side.\n\n"
         "On SIGTERM, SIGINT or SIGUSR1 the search stops, writes the job runs made so far to\n"
         "the results file (no settings file) and exits with 3; the same command with\n"
         "--resume continues it. With --catalog FILE the search starts from the settings of\n"
         "the nearest workload recorded there and records this one; 'nsperf run --tuned FILE'\n"
         "then runs with the nearest workload's settings.\n\n"
         "example: mpirun -n 2 nsperf tune --image scan.tif --budget 20m -o scan-tuned.json\n"
         "         mpirun -n 2 nsperf run -c scan-tuned.json --image scan.tif -o scan-ns.h5\n"
         "         mpirun -n 4 nsperf tune --images night.txt --budget 1h -o night.json\n\n"
      << options;
}

std::string seconds(double s) { return analysis::format_seconds(s); }

// "0.912x [0.880, 0.941]": a time ratio and its interval.
std::string ratio_text(const core::TimeRatio& r) {
  std::string level = core::format_number(100 * r.ci.level, 3) + "%";
  return core::format_number(r.ratio, 3) + "x the time [" + core::format_number(r.ci.low, 3) +
         ", " + core::format_number(r.ci.high, 3) + "] " + level;
}

// The races as the console shows them: each value raced, its runs then, median, interval and
// fate.
void print_races(std::ostream& out, const mpi::TuneReport& r) {
  for (const auto& race : r.races) {
    if (race.key == "exhaustive") {
      out << "every setting of the space, " << mpi::kTuneConfirmRuns << " runs each:\n";
    } else {
      json others = race.entrants.front();
      others.erase(race.key);
      out << "race " << race.round + 1 << ": " << race.key << " (beside "
          << core::settings_text(others) << ")\n";
    }
    const bool every = race.key == "exhaustive";
    const auto label = [&](std::size_t i) {
      return every ? "#" + std::to_string(i + 1) : core::value_text(race.entrants[i][race.key]);
    };
    // The value column as wide as its widest value ("static-cyclic"), at least "value ".
    int width = 10;
    for (std::size_t i = 0; i < race.entrants.size(); ++i)
      width = std::max(width, static_cast<int>(label(i).size()) + 2);
    out << "  " << std::left << std::setw(width) << "value" << std::right << std::setw(6) << "runs"
        << std::setw(11) << "median"
        << "  " << std::left << std::setw(30) << "interval of the median"
        << "outcome\n";
    for (std::size_t i = 0; i < race.entrants.size(); ++i) {
      const auto& times = race.times[i];
      out << "  " << std::left << std::setw(width) << label(i) << std::right << std::setw(6)
          << times.size();
      if (times.empty()) {
        out << std::setw(11) << "-"
            << "  " << std::left << std::setw(30) << "-";
      } else if (times.size() == 1) {
        out << std::setw(11) << seconds(times.front()) << "  " << std::left << std::setw(30)
            << "- (one run)";
      } else {
        const auto ci = core::median_ci(times);
        const std::string interval = "[" + seconds(ci.low) + ", " + seconds(ci.high) + "] " +
                                     core::format_number(100 * ci.level, 3) + "%";
        out << std::setw(11) << seconds(core::median(times)) << "  " << std::left << std::setw(30)
            << interval;
      }
      out << race.outcomes[i] << (every ? "  " + core::settings_text(race.entrants[i]) : "")
          << "\n";
    }
  }
}

json gain_json(const mpi::TuneGain& g) {
  json j = {{"default", g.from}, {"chosen", g.to}};
  if (g.from == g.to) {
    j["gain"] = "kept the default";
  } else if (g.measured) {
    j["time_ratio"] = g.ratio.ratio;
    j["interval"] = {g.ratio.ci.low, g.ratio.ci.high};
    j["interval_level"] = g.ratio.ci.level;
    j["p_value"] = g.ratio.p;
    j["beside"] = g.beside;
  } else {
    j["gain"] = "not measured against the default: " + g.why;
  }
  return j;
}

void print_outcome(std::ostream& out, const mpi::TuneReport& r, const Options& o) {
  out << "\ntuned settings" << (r.interrupted ? " (search stopped: none written)" : "") << ":\n";
  int width = 8;
  for (const auto& g : r.gains)
    width = std::max(width, static_cast<int>(core::value_text(g.to).size()));
  for (const auto& g : r.gains) {
    out << "  " << std::left << std::setw(24) << g.key << std::setw(width) << core::value_text(g.to)
        << " ";
    if (g.from == g.to)
      out << "(the default)\n";
    else if (g.measured)
      out << "(default " << core::value_text(g.from) << ": " << ratio_text(g.ratio)
          << ", p = " << core::format_number(g.ratio.p, 2) << ", beside " << g.beside << ")\n";
    else
      out << "(default " << core::value_text(g.from) << ": not measured against it: " << g.why
          << ")\n";
  }
  if (!r.default_s.empty() && !r.tuned_s.empty()) {
    out << "closing comparison, " << r.default_s.size() << " runs each, side by side: tuned "
        << ratio_text(r.overall) << " of the defaults, p = " << core::format_number(r.overall.p, 2)
        << " (median " << seconds(core::median(r.default_s)) << " -> "
        << seconds(core::median(r.tuned_s)) << ")\n";
    if (r.fell_back)
      out << "  the tuned settings were significantly slower here: the defaults are kept\n";
    else if (r.overall.p >= core::kTuneAlpha)
      out << "  not significantly different from the defaults (p >= 0.05)\n";
  } else if (!r.interrupted) {
    out << "the defaults are the best settings found\n";
  }
  out << "search: " << r.runs << " job runs; the space holds " << r.space_size
      << " settings (an exhaustive search at " << mpi::kTuneConfirmRuns
      << " runs each: " << r.space_size * mpi::kTuneConfirmRuns << " job runs); " << r.stopped
      << "\n";
  for (const auto& n : r.notes) out << "note: " << n << "\n";
  out << "results: " << o.results << " (run " << r.provenance.run_id << ", table tune)\n";
  if (!r.interrupted) out << "settings: " << o.output << " (nsperf run -c " << o.output << ")\n";
}

json tuned_document(const mpi::TuneReport& r, const Options& o) {
  json doc = {{"schema_version", core::kConfigSchemaVersion}};
  for (const auto& [key, value] : r.best.items()) core::set_key(doc, {key, value, "tune"});
  json gains = json::object();
  for (const auto& g : r.gains) gains[g.key] = gain_json(g);
  json t = {{"by", "nsperf tune"},
            {"run_id", r.provenance.run_id},
            {"input", r.input},
            {"ranks", r.workload.ranks},
            {"cores_per_rank", r.workload.cores_per_rank},
            {"hosts", r.provenance.hosts},
            {"results", o.results},
            {"settings", gains},
            {"job_runs", r.runs},
            {"space_size", r.space_size},
            {"stopped", r.stopped}};
  if (!r.default_s.empty() && !r.tuned_s.empty()) {
    t["closing_comparison"] = {{"runs_each", r.default_s.size()},
                               {"default_median_s", core::median(r.default_s)},
                               {"tuned_median_s", core::median(r.tuned_s)},
                               {"time_ratio", r.overall.ratio},
                               {"interval", {r.overall.ci.low, r.overall.ci.high}},
                               {"interval_level", r.overall.ci.level},
                               {"p_value", r.overall.p},
                               {"fell_back_to_defaults", r.fell_back}};
  }
  doc[std::string(core::kTunedKey)] = t;
  return doc;
}

// What the catalog keeps of a search: the workload, the settings, and what they gained.
io::CatalogTuned catalog_row(const mpi::TuneReport& r, const core::WorkloadFeatures& f) {
  io::CatalogTuned t;
  t.run_id = r.provenance.run_id;
  t.created = r.provenance.end_time;
  t.input = r.input;
  t.features = f;
  t.settings_json = r.best.dump();
  if (!r.tuned_s.empty() && !r.fell_back) {
    t.time_ratio = r.overall.ratio;
    t.job_s = core::median(r.tuned_s);
  } else {
    // The defaults won: their median in the closing comparison, or in the last race they ran.
    t.time_ratio = 1;
    if (!r.default_s.empty()) t.job_s = core::median(r.default_s);
    for (const auto& race : r.races)
      for (std::size_t i = 0; i < race.entrants.size(); ++i)
        if (race.entrants[i] == r.best && !race.times[i].empty())
          t.job_s = core::median(race.times[i]);
  }
  return t;
}

// The job runs of a tune run, as JSON (to send them to every rank), and back.
std::string trials_to_json(const std::vector<core::TuneTrial>& trials) {
  json a = json::array();
  for (const auto& t : trials)
    a.push_back({t.trial, t.candidate, t.settings, t.race, t.round, t.repetition, t.seconds,
                 t.output_bytes, t.status, t.outcome});
  return a.dump();
}

std::vector<core::TuneTrial> trials_from_json(const std::string& text) {
  std::vector<core::TuneTrial> out;
  if (text.empty()) return out;
  for (const auto& r : json::parse(text)) {
    core::TuneTrial t;
    t.trial = r[0];
    t.candidate = r[1];
    t.settings = r[2];
    t.race = r[3];
    t.round = r[4];
    t.repetition = r[5];
    t.seconds = r[6];
    t.output_bytes = r[7];
    t.status = r[8];
    t.outcome = r[9];
    out.push_back(std::move(t));
  }
  return out;
}

// What a stopped search's provenance says (and --resume looks for).
constexpr std::string_view kStoppedNote = "nsperf tune stopped";

// Local: the job runs of the newest tune run in `results`, which a stop signal must have ended.
// Throws InputError naming the file otherwise.
std::string stopped_search(const std::string& results, std::string& run_id) {
  if (!std::filesystem::exists(results))
    throw InputError("--resume: " + results + ": no such results file (--results names it)");
  std::vector<core::TuneTrial> trials;
  for (const auto& id : io::list_runs(results)) {
    auto t = io::read_tune(results, id);
    if (t.empty()) continue;
    trials = std::move(t);
    run_id = id;
  }
  if (trials.empty())
    throw InputError("--resume: " + results + ": no run of nsperf tune to continue");
  const auto attributes = io::read_run_attributes(results, run_id);
  if (core::attribute_text(attributes, "notes").find(kStoppedNote) == std::string::npos) {
    throw InputError("--resume: " + results + ": the search of run " + run_id +
                     " ended; nothing to continue (without --resume, --force starts anew)");
  }
  return trials_to_json(trials);
}

int tune(const CommandContext& ctx) {
  const auto& world = *ctx.world;
  const auto description = describe_options();
  const Options options =
      mpi::run_phase(world, "arguments", [&] { return parse(ctx, description); });
  if (options.help) {
    if (world.rank() == 0) print_help(std::cout, description);
    return 0;
  }
  const core::Config cfg = resolve_on_root(world, options.config, options.overrides);
  mpi::TuneRequest request;
  request.config = cfg;
  request.command_line = ctx.command_line;
  request.exhaustive = options.exhaustive;
  request.stop_signal = [] { return core::stop_signal(); };
  std::string replay;        // --resume: the stopped search's job runs, as JSON
  std::string resumed_from;  // and its run id
  mpi::run_phase(world, "check-output", [&] {
    if (cfg.input_is_default && !options.many) {
      throw UsageError(std::string("no input: give --image FILE or --synthetic WxH; usage: ") +
                       kUsage + " (see 'nsperf tune --help')");
    }
    std::tie(request.budget_runs, request.budget_s) = parse_budget(options.budget);
    // The closing comparison keeps its runs out of the budget's: a budget that leaves the
    // search none would only rerun the defaults.
    constexpr std::int64_t kLeast = 2 * mpi::kTuneConfirmRuns + 2;
    if (request.budget_runs > 0 && request.budget_runs < kLeast) {
      throw UsageError("--budget " + options.budget + ": the closing comparison keeps up to " +
                       std::to_string(2 * mpi::kTuneConfirmRuns) +
                       " job runs of the budget, which leaves the search none; give at least " +
                       std::to_string(kLeast));
    }
    request.space = core::parse_space(options.space);
    if (options.many && options.catalog) {
      throw UsageError(
          "--catalog takes one image; with several images it is not built yet (tune one "
          "image of the kind with --catalog, then 'nsperf run --tuned' on each)");
    }
    if (world.rank() != 0) return;
    auto inputs = job_inputs(cfg);
    if (options.many) {
      request.images = image_texts(options.images, options.images_list);
      for (const auto& image : request.images)
        inputs.push_back({io::parse_image_input(image, std::nullopt).path, "--image " + image});
    }
    mpi::check_output(options.output, options.mode, inputs, "-o");
    mpi::check_output(options.results, options.resume ? mpi::WriteMode::overwrite : options.mode,
                      inputs, "--results");
    if (options.resume) replay = stopped_search(options.results, resumed_from);
    if (mpi::same_file(options.output, options.results))
      throw UsageError("-o and --results name one file: " + options.output);
    request.scratch = options.scratch ? std::filesystem::path(*options.scratch)
                                      : std::filesystem::absolute(options.results).parent_path();
    if (!std::filesystem::is_directory(request.scratch))
      throw InputError("--scratch " + request.scratch.string() + ": not a folder");
    mpi::check_new_file(request.scratch / ".nsperf-tune-probe",
                        "--scratch " + request.scratch.string());
    // The catalog is checked now (schema, lock, or where it will be made), not after the search.
    if (!options.catalog) return;
    if (std::filesystem::exists(*options.catalog))
      io::Catalog::open(*options.catalog).close();
    else
      mpi::check_new_file(*options.catalog, "--catalog " + *options.catalog);
  });
  std::string scratch = request.scratch.string();
  boost::mpi::broadcast(world, scratch, 0);
  request.scratch = scratch;
  boost::mpi::broadcast(world, replay, 0);
  request.replay = trials_from_json(replay);
  if (world.rank() == 0) {
    const std::string input =
        !request.images.empty()
            ? std::to_string(request.images.size()) + " images (" +
                  core::join(std::vector<std::string>(
                      request.images.begin(),
                      request.images.begin() +
                          std::min<std::ptrdiff_t>(3, std::ssize(request.images)))) +
                  (request.images.size() > 3 ? ", ..." : "") + "), timed together as one job"
        : cfg.input.image.empty() ? "synthetic " + core::to_string(cfg.input.synthetic)
                                  : cfg.input.image;
    std::cout << "tuning: " << input << " on " << world.size()
              << (world.size() == 1 ? " rank" : " ranks") << "; budget " << options.budget
              << (request.budget_runs > 0 ? " job runs" : "")
              << "\n  config: " << describe_config_sources(options.config, options.overrides)
              << "\n  job outputs in " << request.scratch.string() << " (removed after each run)\n"
              << (resumed_from.empty() ? std::string()
                                       : "  resuming the search of run " + resumed_from + ": " +
                                             std::to_string(request.replay.size()) +
                                             " job runs replayed as measured\n")
              << std::flush;
  }
  // With a catalog: this workload's features, and the search starts from the nearest's settings.
  core::WorkloadFeatures features;
  if (options.catalog) {
    features = job_workload(world, cfg);
    std::string start;
    mpi::run_phase(world, "catalog", [&] {
      if (world.rank() != 0) return;
      const auto nearest = std::filesystem::exists(*options.catalog)
                               ? nearest_in_catalog(*options.catalog, features, "--catalog")
                               : std::nullopt;
      if (!nearest) {
        std::cout << "  catalog " << *options.catalog
                  << ": no workload recorded yet; starting from the defaults\n";
        return;
      }
      std::cout << "  starting from the settings of " << describe_nearest(*nearest) << "\n";
      start = nearest->row.settings_json;
    });
    boost::mpi::broadcast(world, start, 0);
    if (!start.empty()) request.start = json::parse(start);
  }
  ProgressLine progress(options.progress, request.budget_runs > 0 ? "job runs" : "s of the budget",
                        /*eta=*/false);
  core::watch_stop_signals();
  mpi::TuneReport report = mpi::run_tune(world, request, &progress);
  // The results first: the job runs are kept even when the search was stopped.
  const auto summaries =
      core::summarize_samples(report.samples, std::vector<core::Baseline>{{"tune", "default", ""}});
  report.provenance.end_time = core::utc_timestamp();
  boost::mpi::broadcast(world, report.provenance.end_time, 0);
  report.provenance.image = report.input;
  if (report.interrupted) {
    report.provenance.notes += std::string(report.provenance.notes.empty() ? "" : "\n") +
                               std::string(kStoppedNote) + " (" + report.stopped +
                               "): nsperf tune --resume continues it";
  }
  if (!resumed_from.empty()) {
    report.provenance.notes += std::string(report.provenance.notes.empty() ? "" : "\n") +
                               "resumed the stopped search of run " + resumed_from + " (" +
                               std::to_string(report.replayed) + " job runs replayed)";
  }
  const bool root = world.rank() == 0;
  const std::span<const core::TuneTrial> trials =
      root ? std::span<const core::TuneTrial>(report.trials) : std::span<const core::TuneTrial>();
  const std::span<const core::Sample> samples =
      root ? std::span<const core::Sample>(report.samples) : std::span<const core::Sample>();
  io::RunRows rows;
  rows.samples = samples;
  if (root) {
    rows.repetitions = summaries.repetitions;
    rows.summary = summaries.rows;
  }
  rows.tune = trials;
  mpi::write_results(world, options.results,
                     options.resume ? mpi::WriteMode::overwrite : options.mode, report.provenance,
                     rows);
  mpi::run_phase(world, "settings", [&] {
    if (!root) return;
    print_races(std::cout, report);
    if (!report.interrupted)
      core::write_config_file(options.output, tuned_document(report, options));
    print_outcome(std::cout, report, options);
    if (options.catalog && !report.interrupted) {
      auto catalog = io::Catalog::open(*options.catalog);
      catalog.add_tuned(catalog_row(report, features));
      catalog.close();
      std::cout << "catalog: " << *options.catalog
                << " (this workload and its settings recorded)\n";
    }
  });
  return report.interrupted ? static_cast<int>(ExitCode::interrupted) : 0;
}

}  // namespace
}  // namespace nsperf::cli

NSPERF_REGISTER_COMMAND(Tune, "tune",
                        "search the production job's settings by racing them; writes a config",
                        /*uses_mpi=*/true, &nsperf::cli::tune)
