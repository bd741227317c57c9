// nsperf benchmark: measure the optimizers' strategies against their baselines.
#include <boost/mpi/collectives.hpp>
#include <iostream>
#include <optional>
#include <sstream>

#include "command.hpp"
#include "config_source.hpp"
#include "input_options.hpp"
#include "metrics_session.hpp"
#include "nsperf/analysis/summary_table.hpp"
#include "nsperf/core/error.hpp"
#include "nsperf/core/stop.hpp"
#include "nsperf/core/text.hpp"
#include "nsperf/core/version.hpp"
#include "nsperf/kernels/cpu_strategy.hpp"
#include "nsperf/mpi/benchmark.hpp"
#include "nsperf/mpi/phase.hpp"
#include "nsperf/mpi/results_writer.hpp"
#include "progress_line.hpp"
#include "report_writer.hpp"

namespace nsperf::cli {
namespace {

struct Options {
  std::vector<std::string> optimizers;  // as named on the command line
  bool all = false;
  std::optional<std::string> config;
  std::vector<core::Override> overrides;
  mpi::WriteMode mode = mpi::WriteMode::create;
  bool progress = true;
  bool help = false;
  std::optional<std::string> list;  ///< --list: "text" or "markdown"
  bool visualize = false;
  metrics::PublishOptions publish;
};

po::options_description describe_options() {
  po::options_description optimizers(
      "Optimizers (none named: every optimizer enabled in the config)");
  optimizers.add_options()("all", "every optimizer enabled in the config");
  for (const auto& o : mpi::optimizers().entries()) {
    optimizers.add_options()(o.name.c_str(), o.description.c_str());
  }
  po::options_description workload = input_options();
  po::options_description measurement("Measurement");
  measurement.add_options()("repetitions,r", po::value<std::int64_t>()->value_name("N"),
                            "measured runs per strategy (benchmark.repetitions; default 10)")(
      "warmup,w", po::value<std::int64_t>()->value_name("N"),
      "unmeasured runs per strategy first (benchmark.warmup; default 2)")(
      "threads,t", po::value<std::int64_t>()->value_name("N"),
      "OpenMP threads per rank for multi-threaded strategies (optimizers.cpu.threads; default: "
      "OpenMP's)")("level", po::value<std::string>()->value_name("L"),
                   "optimization_level: conservative, balanced or aggressive")(
      "set", po::value<std::vector<std::string>>()->value_name("KEY=VALUE")->composing(),
      "any config key, e.g. --set optimizers.cpu.strategies=scalar,openmp (repeatable)")(
      "config,c", po::value<std::string>()->value_name("FILE"),
      "optimization config (default: ./optimization_config.json if present)");
  po::options_description output("Output");
  output.add_options()("output,o", po::value<std::string>()->value_name("FILE"),
                       "results file (benchmark.output; default nsperf-results.h5)")(
      "force", "replace the results file if it exists")("append",
                                                        "add this run to an existing results file")(
      "sizes", po::value<std::string>()->value_name("SIZES"),
      "network optimizer: also sweep message sizes between rank 0 and rank 1, OSU's way "
      "(one-way latency and streaming bandwidth per size, the tile's size among them): "
      "MIN:MAX for the powers of two between, e.g. 8:4M, or a list, e.g. 1K,64K,4M "
      "(optimizers.network.sizes; default: no sweep)")(
      "shared-core",
      "network optimizer: also measure what an MPI call that yields the processor costs on a "
      "core ranks 0 and 1 share, and how long a rank waiting there goes without a turn while "
      "the other computes (both pinned to one CPU for about 0.4 s; run with 2 ranks on one "
      "node), which nsperf whatif charges on nodes with more ranks than cores "
      "(optimizers.network.shared_core)")(
      "busy-cores",
      "distributed optimizer: also measure how much slower rank 0 computes its tiles while "
      "every other core of its node computes the same (a thread pinned to each for about "
      "0.3 s; run with one rank on rank 0's node), with which nsperf whatif scales the tiles "
      "where it puts more ranks on a node (optimizers.distributed.busy_cores)")(
      "io-dir", po::value<std::string>()->value_name("DIR"),
      "io optimizer: where its scratch folder goes, on a filesystem every node sees "
      "(optimizers.io.dir; default: the results file's folder)")("no-progress",
                                                                 "no progress line on stderr")(
      "visualize",
      "also write the HTML report (nsperf report) next to the results file, "
      "named after it with .html")(
      "list", po::value<std::string>()->value_name("[=FORMAT]")->implicit_value("text", ""),
      "list optimizers, strategies and kernels, and exit (FORMAT: text, the default, or "
      "markdown: the strategies as the table in docs/config.md)")("help,h", "this help");
  po::options_description all;
  all.add(optimizers).add(workload).add(measurement).add(output).add(metrics_options());
  return all;
}

void print_help(std::ostream& out, const po::options_description& options) {
  out << "usage: mpirun -n N nsperf benchmark [";
  for (const auto& o : mpi::optimizers().entries()) out << "--" << o.name << " ";
  out << "| --all] [options]\n\n"
         "Runs each optimizer's strategies against its baseline on the tiles of an image (a file\n"
         "or the built-in synthetic one) partitioned across the ranks, checks every output\n"
         "against a reference, and writes all samples into one HDF5 results file. Rank 0 prints\n"
         "a summary. The file is written when every optimizer has finished: on SIGTERM (a SLURM\n"
         "time limit), SIGINT or SIGUSR1 the ranks end at once with exit 3, writing nothing (an\n"
         "earlier file at the output stays as it was).\n\n"
         "Examples:\n"
         "  mpirun -n 2 nsperf benchmark --cpu -o results.h5\n"
         "  mpirun -n 4 nsperf benchmark --all --image scan.tif --tile 256 -r 20 -o scan.h5\n"
         "  mpirun -n 2 nsperf benchmark --cpu -o new.h5 && nsperf compare base.h5 new.h5\n"
         "  mpirun -n 2 nsperf benchmark --network --sizes 8:4M -o net.h5\n\n"
         "References, measured beside the strategies in the same rounds every time and never\n"
         "configured: plain MPI with the OSU micro-benchmarks' methods, files with IOR's, and\n"
         "two designs of one catalog (docs/benchmarks.md):\n";
  for (const auto& o : mpi::optimizers().entries()) {
    for (const auto& r : core::strategy_catalog().references(o.name))
      out << "  " << o.name << " " << r.name << ": " << r.description << "\n";
  }
  out << "\n" << options;
}

Options parse(const CommandContext& ctx, const po::options_description& description) {
  const auto vm = parse_options(ctx.args, description, nullptr, "benchmark");
  Options o;
  o.help = vm.count("help") > 0;
  if (vm.count("list")) {
    o.list = vm["list"].as<std::string>();
    if (*o.list != "text" && *o.list != "markdown")
      throw UsageError("--list=" + *o.list + ": valid: text, markdown");
  }
  o.all = vm.count("all") > 0;
  for (const auto& e : mpi::optimizers().entries()) {
    if (vm.count(e.name) > 0) o.optimizers.push_back(e.name);
  }
  if (vm.count("config")) o.config = vm["config"].as<std::string>();
  auto add = [&](const char* option, const char* key, nlohmann::json value) {
    o.overrides.push_back({key, std::move(value), std::string("--") + option});
  };
  add_input_overrides(vm, o.overrides);
  if (vm.count("repetitions"))
    add("repetitions", "benchmark.repetitions", vm["repetitions"].as<std::int64_t>());
  if (vm.count("warmup")) add("warmup", "benchmark.warmup", vm["warmup"].as<std::int64_t>());
  if (vm.count("threads"))
    add("threads", "optimizers.cpu.threads", vm["threads"].as<std::int64_t>());
  if (vm.count("level")) add("level", "optimization_level", vm["level"].as<std::string>());
  if (vm.count("output")) add("output", "benchmark.output", vm["output"].as<std::string>());
  if (vm.count("sizes")) add("sizes", "optimizers.network.sizes", vm["sizes"].as<std::string>());
  if (vm.count("shared-core")) add("shared-core", "optimizers.network.shared_core", true);
  if (vm.count("busy-cores")) add("busy-cores", "optimizers.distributed.busy_cores", true);
  if (vm.count("io-dir")) add("io-dir", "optimizers.io.dir", vm["io-dir"].as<std::string>());
  add_set_overrides(vm, o.overrides);
  if (vm.count("force") && vm.count("append"))
    throw UsageError("--force and --append exclude each other");
  if (vm.count("force")) o.mode = mpi::WriteMode::overwrite;
  if (vm.count("append")) o.mode = mpi::WriteMode::append;
  o.progress = vm.count("no-progress") == 0;
  o.visualize = vm.count("visualize") > 0;
  o.publish = publish_options(vm);
  return o;
}

std::string padded(std::string text, std::size_t width) {
  text.resize(std::max(width, text.size() + 1), ' ');
  return text;
}

// The strategies as the Markdown table docs/config.md holds (between its "generated" markers).
void print_list_markdown(std::ostream& out) {
  out << "| optimizer | strategy | runs from level | what it does |\n|---|---|---|---|\n";
  for (const auto& o : mpi::optimizers().entries()) {
    for (const auto& s : core::strategy_catalog().strategies(o.name)) {
      const std::string level =
          s.baseline ? "baseline (always)" : "`" + std::string(core::to_string(s.level)) + "`";
      std::string what;
      for (char c : s.description) what += c == '|' ? std::string("\\|") : std::string(1, c);
      out << "| " << o.name << " | `" << s.name << "` | " << level << " | " << what << " |\n";
    }
    for (const auto& r : core::strategy_catalog().references(o.name))
      out << "| " << o.name << " | `" << r.name << "` | reference (always) | " << r.description
          << " |\n";
  }
}

void print_list(std::ostream& out) {
  out << "optimizers and their strategies (baseline first; level = the lowest optimization_level "
         "that runs it; references are measured beside them every time):\n";
  for (const auto& o : mpi::optimizers().entries()) {
    out << "  --" << o.name << "  " << o.description << "\n";
    for (const auto& s : core::strategy_catalog().strategies(o.name)) {
      const std::string level = s.baseline ? "baseline" : std::string(core::to_string(s.level));
      out << "      " << padded(s.name, 14) << padded(level, 14) << s.description << "\n";
    }
    for (const auto& r : core::strategy_catalog().references(o.name))
      out << "      " << padded(r.name, 14) << padded("reference", 14) << r.description << "\n";
  }
  out << "kernels, in pipeline order (cpu optimizer):\n";
  for (const auto* k : kernels::kernels_in_pipeline_order()) {
    std::ostringstream check;
    if (k->check == kernels::CheckKind::exact) {
      check << "exact";
    } else {
      check << "within " << k->relative_tolerance << " x max(1, |input|)";
    }
    out << "  " << padded(k->name, 17) << "halo " << k->halo << ", " << padded(check.str(), 30)
        << k->description << "\n";
  }
}

// Which optimizers run: those named, or every enabled one.
std::vector<std::string> choose(const Options& o, const core::Config& cfg) {
  std::vector<std::string> chosen;
  if (o.optimizers.empty() || o.all) {
    for (const auto& [name, c] : cfg.optimizers) {
      if (c.enabled && mpi::optimizers().find(name) != nullptr) chosen.push_back(name);
    }
    if (chosen.empty())
      throw ConfigError({"every optimizer is disabled in the config (optimizers.<name>.enabled)"});
    return chosen;
  }
  for (const auto& name : o.optimizers) {
    if (!cfg.optimizers.at(name).enabled) {
      throw ConfigError({"--" + name + ": the " + name +
                         " optimizer is disabled in the config "
                         "(optimizers." +
                         name + ".enabled = false)"});
    }
    chosen.push_back(name);
  }
  return chosen;
}

int run(const CommandContext& ctx) {
  const auto& world = *ctx.world;
  const auto description = describe_options();
  const Options options =
      mpi::run_phase(world, "arguments", [&] { return parse(ctx, description); });
  if (options.help || options.list) {
    if (world.rank() == 0) {
      if (options.help)
        print_help(std::cout, description);
      else if (*options.list == "markdown")
        print_list_markdown(std::cout);
      else
        print_list(std::cout);
    }
    return 0;
  }

  const core::Config cfg = resolve_on_root(world, options.config, options.overrides);
  mpi::BenchmarkRequest request{cfg, {}, ctx.command_line, {}};
  const std::filesystem::path output = cfg.benchmark.output;
  mpi::run_phase(world, "check-output", [&] {
    request.optimizers = choose(options, cfg);
    const auto& n = request.optimizers;
    if (!cfg.setting<std::string>("network", "sizes").empty() &&
        std::find(n.begin(), n.end(), "network") == n.end())
      throw UsageError(
          "--sizes (optimizers.network.sizes): only the network optimizer sweeps message sizes, "
          "and it does not run here: add --network");
    if (cfg.setting<bool>("network", "shared_core") &&
        std::find(n.begin(), n.end(), "network") == n.end())
      throw UsageError(
          "--shared-core (optimizers.network.shared_core): only the network optimizer runs the "
          "shared-core probe, and it does not run here: add --network");
    if (cfg.setting<bool>("distributed", "busy_cores") &&
        std::find(n.begin(), n.end(), "distributed") == n.end())
      throw UsageError(
          "--busy-cores (optimizers.distributed.busy_cores): only the distributed optimizer runs "
          "the busy-cores probe, and it does not run here: add --distributed");
    if (world.rank() == 0)
      mpi::check_output(output, options.mode, job_inputs(cfg), "--output",
                        /*can_append=*/true);
  });

  MetricsSession metrics(world, options.publish);

  // A benchmark cannot stop part-way: its results are written whole, when every optimizer has
  // finished. So a stop signal (a SLURM time limit, Ctrl-C) ends it at once, with a message,
  // rather than silently by the default action; an earlier file at the output is untouched.
  core::end_on_stop_signals(
      "\nnsperf benchmark: stopped by ",
      ": nothing was written (a benchmark's results are written when every optimizer has "
      "finished; " +
          output.string() +
          " is as it was). To fit a time limit, lower --repetitions "
          "or run the optimizers as separate jobs (--cpu, --io, ...).\n",
      world.rank() == 0);
  // The header, before anything is measured: a batch log shows what runs from the start.
  request.on_start = [&](const core::Provenance& p) {
    metrics.start(p);
    std::string running;
    for (const auto& name : request.optimizers) {
      const auto strategies = cfg.optimizers.at(name).strategies.size();
      const auto references = core::strategy_catalog().references(name).size();
      running += (running.empty() ? "" : ", ") + name + " (" + std::to_string(strategies) +
                 (strategies == 1 ? " strategy" : " strategies") +
                 (references > 0 ? " + " + std::to_string(references) +
                                       (references == 1 ? " reference" : " references")
                                 : std::string()) +
                 ")";
    }
    std::cout << "nsperf benchmark, run " << p.run_id << "\n"
              << "  input:   " << p.image << ", tiles of " << cfg.input.tile << " px\n"
              << "  ranks:   " << p.ranks << " x " << p.threads_per_rank
              << (p.threads_per_rank == 1 ? " thread" : " threads") << " on " << p.hosts
              << " (cores per rank " << p.rank_binding << "; OpenMP " << p.omp_binding << ")\n"
              << "  config:  " << describe_config_sources(options.config, options.overrides) << "\n"
              << "  running: " << running << "; " << cfg.benchmark.repetitions << " repetitions + "
              << cfg.benchmark.warmup << " warm-up each\n"
              << "  results: " << output.string() << "\n"
              << std::flush;
  };
  ProgressLine progress(options.progress);
  const auto result = metrics.guard([&] {
    auto r = mpi::run_benchmark(world, request, metrics.progress(&progress, "tile runs"));
    mpi::write_results(
        world, output, options.mode, r.provenance,
        {r.samples, r.tiles, r.repetitions, r.summary, r.regions, r.message_sizes, {}, {}});
    return r;
  });

  if (world.rank() == 0) {
    analysis::print_summary(std::cout, result.provenance, result.summary, result.baselines,
                            cfg.input.tile);
    analysis::print_message_sizes(std::cout, result.message_sizes);
    for (const auto& note : result.notes) std::cout << "note: " << note << "\n";
    if (!result.provenance.warnings.empty()) {
      std::string w = result.provenance.warnings;
      for (std::size_t pos = 0; (pos = w.find("; ", pos)) != std::string::npos;)
        w.replace(pos, 2, "\nwarning: ");
      std::cout << "warning: " << w << "\n";
    }
    std::cout << "results: " << output.string() << " (run " << result.provenance.run_id << ")\n";
  }
  if (options.visualize) {
    // Rank 0 draws the report; every rank learns whether that worked.
    mpi::run_phase(world, "report", [&] {
      if (world.rank() != 0) return;
      ReportRequest report;
      report.files = {output};
      report.output = std::filesystem::path(output).replace_extension(".html");
      write_report(report);
      std::cout << "report: " << report.output.string() << "\n";
    });
  }
  bool failed = false;
  for (const auto& r : result.summary) failed = failed || r.check == core::CheckStatus::failed;
  boost::mpi::broadcast(world, failed, 0);
  metrics.finish(
      [&](metrics::Metrics& m) {
        m.benchmark(result.summary, result.provenance.bandwidth_gbyte_per_s);
      },
      failed ? static_cast<int>(ExitCode::runtime) : 0);
  // A strategy whose output is wrong makes the benchmark fail, once its figures are saved.
  return failed ? static_cast<int>(ExitCode::runtime) : 0;
}

}  // namespace
}  // namespace nsperf::cli

NSPERF_REGISTER_COMMAND(Benchmark, "benchmark",
                        "measure optimizer strategies against their baselines",
                        /*uses_mpi=*/true, &nsperf::cli::run)
