// nsperf run: the production job. The negative-space pipeline over a whole image with the
// configured strategy; mask, gradient and per-tile statistics written collectively to HDF5.
// `nsperf profile` with run options is the same job, followed by its profile.
#include <boost/mpi/collectives.hpp>
#include <filesystem>
#include <iostream>
#include <optional>

#include "command.hpp"
#include "config_source.hpp"
#include "input_options.hpp"
#include "metrics_session.hpp"
#include "nsperf/analysis/profile_report.hpp"
#include "nsperf/analysis/summary_table.hpp"
#include "nsperf/core/compression.hpp"
#include "nsperf/core/config.hpp"
#include "nsperf/core/error.hpp"
#include "nsperf/core/stop.hpp"
#include "nsperf/core/strategy.hpp"
#include "nsperf/core/text.hpp"
#include "nsperf/io/catalog.hpp"
#include "nsperf/mpi/phase.hpp"
#include "nsperf/mpi/production.hpp"
#include "nsperf/mpi/results_writer.hpp"
#include "progress_line.hpp"
#include "run_job.hpp"
#include "run_many.hpp"
#include "tuned_settings.hpp"

namespace nsperf::cli {
namespace {

struct Options {
  analysis::ProfileView view;
  std::optional<std::string> config;
  std::vector<core::Override> overrides;
  mpi::WriteMode mode = mpi::WriteMode::create;
  bool resume = false;
  bool progress = true;
  bool help = false;
  /// Several images (--image repeated or a glob, --images, --output-dir): run_many.
  std::optional<ManyImages> many;
  metrics::PublishOptions publish;
  /// --tuned CATALOG: the settings of the nearest workload nsperf tune recorded there.
  std::optional<std::string> tuned;
};

// The default of config key `key`, as text.
std::string key_default(std::string_view key) {
  for (const auto& k : core::config_keys())
    if (k.key == key)
      return k.default_value.is_string() ? k.default_value.get<std::string>()
                                         : k.default_value.dump();
  return "?";
}

po::options_description describe_options(bool profile) {
  // Choices and defaults from the registry and the config keys, so that help never goes stale.
  const std::string strategy_help =
      "CPU strategy: " + core::join(core::strategy_catalog().strategy_names("cpu")) +
      " (run.strategy; default " + key_default("run.strategy") + ")";
  const std::string compression_help =
      "mask and gradient chunks: " + core::join(core::compression_names()) +
      " (run.compression; default " + key_default("run.compression") +
      "; zstd readers need HDF5_PLUGIN_PATH, see docs/hdf5-zstd.md)";
  po::options_description run("Pipeline and output");
  run.add_options()("output,o", po::value<std::string>()->value_name("FILE"),
                    "output file, HDF5 (run.output; default nsperf-output.h5)")(
      "strategy", po::value<std::string>()->value_name("NAME"), strategy_help.c_str())(
      "compression", po::value<std::string>()->value_name("NAME"), compression_help.c_str())(
      "compression-level", po::value<std::int64_t>()->value_name("N"),
      "deflate 1-9, zstd 1-22; 0 = default (run.compression_level)")(
      "check", "also run the float64 reference on every tile and compare (run.check)")(
      "catalog", po::value<std::string>()->value_name("FILE"),
      "add the run and its tiles to this SQLite catalog, created if absent (run.catalog; "
      "docs/catalog.md)")(
      "tuned", po::value<std::string>()->value_name("CATALOG"),
      "run with the settings nsperf tune found for the nearest workload recorded in this catalog "
      "(nsperf tune --catalog); options given here still win; docs/tuning.md")(
      "threads,t", po::value<std::int64_t>()->value_name("N"),
      "OpenMP threads per rank (optimizers.cpu.threads; default: automatic)")(
      "set", po::value<std::vector<std::string>>()->value_name("KEY=VALUE")->composing(),
      "any config key (repeatable)")("config,c", po::value<std::string>()->value_name("FILE"),
                                     "optimization config (default: ./optimization_config.json "
                                     "if present)")("force",
                                                    "replace the output file if it exists")(
      "resume",
      "continue the incomplete run in the output file (one a stop signal ended: SIGTERM, "
      "SIGINT, SIGUSR1) from the tiles it recorded; same input and options")(
      "no-progress", "no progress line on stderr")("help,h", "this help");
  po::options_description many("Many images (nsperf run only)");
  many.add_options()("images", po::value<std::string>()->value_name("LIST"),
                     "a file naming one image per line (blank lines and # comments left out), "
                     "besides any --image; --image itself may be repeated and take quoted globs "
                     "('frames/*.tif')")(
      "output-dir", po::value<std::string>()->value_name("DIR"),
      "with several images: DIR/<image stem>.h5 for each and DIR/index.h5 summarizing them "
      "(DIR is made if absent)");
  po::options_description all;
  all.add(input_options()).add(run);
  if (!profile) all.add(many);
  if (profile) {
    po::options_description shown("Profile");
    shown.add_options()("top", po::value<std::int64_t>()->value_name("N"),
                        "hotspots listed (default 15)")("tree", "also print the call tree");
    all.add(shown);
  }
  all.add(metrics_options());
  return all;
}

Options parse(const CommandContext& ctx, const po::options_description& description,
              const char* command) {
  auto vm = parse_options(ctx.args, description, nullptr, command);
  Options o;
  const auto images =
      vm.count("image") ? vm["image"].as<std::vector<std::string>>() : std::vector<std::string>{};
  if (images.size() > 1 || (images.size() == 1 && is_glob(images.front())) || vm.count("images") ||
      vm.count("output-dir")) {
    ManyImages many;
    many.images = images;
    if (vm.count("images")) many.list = vm["images"].as<std::string>();
    if (vm.count("output-dir") == 0) {
      throw UsageError(
          "several images (--image repeated or a glob, or --images) need "
          "--output-dir DIR: each image's output is DIR/<image stem>.h5");
    }
    many.output_dir = vm["output-dir"].as<std::string>();
    if (vm.count("output")) {
      throw UsageError(
          "--output names one file; with several images each output is "
          "--output-dir DIR/<image stem>.h5");
    }
    if (vm.count("synthetic"))
      throw UsageError("--synthetic is one image: run it with -o FILE, not --output-dir");
    o.many = std::move(many);
    vm.erase("image");  // the images are the batch's, not input.image
  }
  if (const auto top = top_option(vm)) o.view.top = *top;
  o.view.tree = vm.count("tree") > 0;
  o.help = vm.count("help") > 0;
  if (vm.count("config")) o.config = vm["config"].as<std::string>();
  add_input_overrides(vm, o.overrides);
  auto add = [&](const char* option, const char* key, nlohmann::json value) {
    o.overrides.push_back({key, std::move(value), std::string("--") + option});
  };
  if (vm.count("output")) add("output", "run.output", vm["output"].as<std::string>());
  if (vm.count("strategy")) add("strategy", "run.strategy", vm["strategy"].as<std::string>());
  if (vm.count("compression"))
    add("compression", "run.compression", vm["compression"].as<std::string>());
  if (vm.count("compression-level"))
    add("compression-level", "run.compression_level", vm["compression-level"].as<std::int64_t>());
  if (vm.count("check")) add("check", "run.check", true);
  if (vm.count("catalog")) add("catalog", "run.catalog", vm["catalog"].as<std::string>());
  if (vm.count("threads"))
    add("threads", "optimizers.cpu.threads", vm["threads"].as<std::int64_t>());
  add_set_overrides(vm, o.overrides);
  if (vm.count("force")) o.mode = mpi::WriteMode::overwrite;
  o.resume = vm.count("resume") > 0;
  o.progress = vm.count("no-progress") == 0;
  o.publish = publish_options(vm);
  if (vm.count("tuned")) {
    if (o.many)
      throw UsageError("--tuned takes one image; with several images it is not built yet");
    o.tuned = vm["tuned"].as<std::string>();
  }
  if (o.many) {
    o.many->mode = o.mode;
    o.many->resume = o.resume;
    o.many->progress = o.progress;
    o.many->publish = o.publish;
  }
  return o;
}

constexpr const char* kRunUsage =
    "mpirun -n N nsperf run (--image FILE | --synthetic WxH) [-o out.h5] [options]";
constexpr const char* kProfileUsage =
    "mpirun -n N nsperf profile (--image FILE | --synthetic WxH) [run options]";

void print_help(std::ostream& out, const po::options_description& options, bool profile) {
  if (profile) {
    out << "usage: " << kProfileUsage
        << "\n"
           "       nsperf profile FILE.h5 [FILE.h5 ...] [--run ID] [--top N] [--tree] "
           "[--format text|json]\n"
           "       nsperf profile [-r N] -- COMMAND [ARGS ...]\n\n"
           "The first form runs the production job exactly as 'nsperf run' does (same options,\n"
           "same output file, which also holds the profile), then prints where the time went:\n"
           "per rank, per profiled region (hotspots), in MPI, and what the profiler itself cost,\n"
           "followed by recommendations. The second reads that from files (nsperf run outputs\n"
           "or benchmark results) without MPI; the third measures an external command. See\n"
           "docs/profiling.md.\n\n"
        << options;
    return;
  }
  out << "usage: " << kRunUsage
      << "\n"
         "       mpirun -n N nsperf run --image 'GLOB' [--image FILE ...] [--images LIST]\n"
         "                              --output-dir DIR [--resume] [options]\n\n"
         "Runs the negative-space pipeline (Gaussian 5x5, Sobel magnitude, global Otsu\n"
         "threshold, background mask, opening 3x3) over the whole image, cut into tiles across\n"
         "the ranks, and writes collectively into one HDF5 file: /mask (u8, 1 = negative\n"
         "space), /gradient (f32), /tiles (per-tile statistics), the threshold, the source\n"
         "file's name and SHA-256, and /provenance. Layout: docs/output-layout.md.\n\n"
         "Every rank reads (or renders) only its own tiles with their halos where the input\n"
         "allows: the synthetic image, TIFF (strips or tiles), JPEG 2000 (by decode area),\n"
         "FITS, HDF5 and raw. PNG and JPEG cannot be entered in the middle: rank 0 decodes\n"
         "them top to bottom and sends each tile as soon as its rows are decoded, while the\n"
         "other ranks compute the tiles they have (rank 0 owns the last tiles).\n"
         "The output is flushed to disk before it is renamed into place. The job\n"
         "is timed as you wait for it: start (mpirun's start to MPI_Init), setup, read,\n"
         "pipeline, check, write, close and MPI_Finalize are printed, with the share of the\n"
         "wall time they account for, and stored per rank in /ranks.\n\n"
         "example: mpirun -n 4 nsperf run --image scan.tif --tile 512 -o scan-ns.h5\n\n"
         "Many images in one job: --image repeated or as a quoted glob, or --images LIST,\n"
         "with --output-dir DIR. Each image is written to DIR/<image stem>.h5 exactly as a\n"
         "run of it alone would be (two images with one stem are refused before any work),\n"
         "and DIR/index.h5 holds a summary row per image (/images), also printed. An image\n"
         "whose file holds more than a rank's share of all the images' bytes is split into\n"
         "tiles across every rank; the others go whole to one rank each, largest first, to\n"
         "whichever rank frees up first. An image that fails is recorded with its error and\n"
         "the others go on; the job then exits 1 naming each. --resume keeps the outputs\n"
         "that are complete and intact, continues incomplete ones and runs the rest.\n\n"
         "example: mpirun -n 8 nsperf run --image 'night/*.fits' --output-dir night-ns\n\n"
         "On SIGTERM (a SLURM time limit), SIGINT or SIGUSR1 the ranks stop between tiles,\n"
         "write the tiles whose gradient is complete as an incomplete run and exit with 3;\n"
         "the same command with --resume continues it (docs/reliability.md).\n\n"
      << options;
}

// "1432", "58.3": no exponents in a rate.
std::string format_rate(double v) {
  return v >= 100 ? std::to_string(static_cast<long long>(v + 0.5)) : core::format_number(v, 3);
}

void print_report(std::ostream& out, const mpi::ProductionReport& r, const core::Config& cfg) {
  const auto& p = r.provenance;
  out << "nsperf run: " << p.image << "\n";
  out << "  " << p.ranks << " rank" << (p.ranks == 1 ? "" : "s") << " x " << p.threads_per_rank
      << " thread" << (p.threads_per_rank == 1 ? "" : "s") << ", " << r.tiles << " tiles of "
      << r.tile << ", strategy " << cfg.run.strategy;
  // How the tiles were shared out means something only where there were ranks to share among.
  if (p.ranks > 1) {
    out << ", shared out " << core::to_string(cfg.run.partition.partitioner);
    if (cfg.run.partition.partitioner == core::Partitioner::static_cyclic)
      out << " in runs of " << cfg.run.partition.chunk;
  }
  out << "\n";
  out << "  threshold: bin " << r.threshold << " of 256 (gradient magnitude below "
      << core::format_number(r.boundary_magnitude, 4) << " is background); negative space "
      << core::format_number(100 * r.negative_space_fraction, 3) << "% of the image\n";
  const auto s = analysis::format_seconds;
  out << "  times (slowest rank): start " << s(r.start_s) << " ("
      << (r.launcher.empty() ? "process start" : r.launcher + "'s start")
      << " to MPI_Init done), setup " << s(r.setup_s) << ", read " << s(r.read_s) << ", pipeline "
      << s(r.compute_s);
  if (cfg.run.check) out << ", check " << s(r.check_s);
  const double mib = static_cast<double>(r.written_bytes) / (1 << 20);
  out << ", write " << s(r.write_s) << " ("
      << core::format_bytes(static_cast<double>(r.written_bytes)) << ", "
      << format_rate(r.write_s > 0 ? mib / r.write_s : 0) << " MiB/s, flushed to disk), close "
      << s(r.close_s) << "\n";
  if (r.partial && cfg.input.image.empty()) {
    out << "  input: every rank rendered only its tiles with halos\n";
  } else if (r.partial) {
    out << "  input: every rank read only its tiles with halos (";
    for (const auto& rank : r.ranks)
      out << (rank.rank == 0 ? "" : ", ") << rank.rank << ": "
          << core::format_bytes(static_cast<double>(rank.bytes_read));
    out << ")\n";
  } else if (r.streamed) {
    out << "  input: rank 0 decoded the image top to bottom ("
        << core::format_bytes(static_cast<double>(r.ranks.empty() ? 0 : r.ranks[0].bytes_read))
        << " read) and sent each tile as its rows were ready"
        << (p.ranks > 1 ? "; the other ranks computed meanwhile, rank 0 its tiles (the last) after"
                        : "")
        << "\n";
  }
  if (cfg.run.check) {
    if (r.failed_tiles == 0)
      out << "  check: passed on every tile (float64 reference)\n";
    else
      out << "  check: FAILED on " << r.failed_tiles << " of " << r.tiles
          << " tiles (float64 reference; see the check_status column of /tiles)\n";
  }
  if (r.tiles < p.ranks) {
    out << "  note: " << p.ranks - r.tiles << " of " << p.ranks << " ranks had no tile (" << r.tiles
        << " tiles); a smaller --tile gives every rank work\n";
  }
  if (!r.resumed_from.empty()) {
    out << "  resumed: " << r.tiles_resumed << " of " << r.tiles
        << " tiles' gradients read back from the incomplete run " << r.resumed_from << "\n";
  }
  if (!r.source_sha256.empty()) out << "  source sha256: " << r.source_sha256 << "\n";
  if (!cfg.run.catalog.empty()) {
    out << "catalog: " << cfg.run.catalog << " (run " << p.run_id << ", " << r.tiles << " tiles)\n";
  }
  out << "output: " << cfg.run.output << " ("
      << core::format_bytes(static_cast<double>(r.file_bytes)) << ", compression "
      << core::to_string(cfg.run.compression) << ")\n";
}

// What the run's metrics say (rank 0's report holds every rank's stages).
metrics::RunFigures run_figures(const mpi::ProductionReport& r) {
  metrics::RunFigures f;
  f.tiles = r.tiles;
  f.tiles_done = -1;  // as rank 0 counted them, every rank's message received (count_tiles)
  for (const auto& s : r.ranks)
    f.ranks.push_back(
        {s.rank, s.start_s, s.read_s, s.pipeline_s, s.check_s, s.write_s, s.bytes_read});
  f.written_bytes = r.written_bytes;
  f.file_bytes = r.file_bytes;
  f.negative_space_fraction = r.negative_space_fraction;
  f.threshold = r.threshold;
  f.wall_s = r.wall_s;
  return f;
}

int run(const CommandContext& ctx) { return run_job(ctx, false); }

}  // namespace

int run_job(const CommandContext& ctx, bool profile) {
  const auto& world = *ctx.world;
  const char* command = profile ? "profile" : "run";
  const auto description = describe_options(profile);
  const Options options =
      mpi::run_phase(world, "arguments", [&] { return parse(ctx, description, command); });
  if (options.help) {
    if (world.rank() == 0) print_help(std::cout, description, profile);
    return 0;
  }
  // The default tile is fitted to the image once it is read, not by decoding it here first.
  // With --tuned it is resolved again over the catalog's settings: the notes are said then.
  core::Config cfg = resolve_on_root(world, options.config, options.overrides, /*fit_tile=*/false,
                                     /*print_notes=*/!options.tuned);
  std::string tuned_from;
  if (options.tuned && !cfg.input_is_default) {
    // The nearest recorded workload's settings go under the options given here, which win.
    const auto features = job_workload(world, cfg);
    std::string settings;
    mpi::run_phase(world, "tuned", [&] {
      if (world.rank() != 0) return;
      const auto nearest = nearest_in_catalog(*options.tuned, features, "--tuned");
      if (!nearest) {
        throw InputError("--tuned " + *options.tuned +
                         ": no tuned workload recorded (nsperf tune --catalog " + *options.tuned +
                         " records one)");
      }
      auto chosen = nlohmann::json::parse(nearest->row.settings_json);
      tuned_from = describe_nearest(*nearest);
      // A tile tuned on a larger image may not fit this one: the default tile fits it instead.
      const auto side = std::min(features.width, features.height);
      if (chosen.contains("input.tile") && chosen["input.tile"].get<std::int64_t>() > side) {
        tuned_from += "; its tile " + chosen["input.tile"].dump() + " is larger than this image, " +
                      "which keeps the default tile";
        chosen.erase("input.tile");
      }
      settings = chosen.dump();
    });
    boost::mpi::broadcast(world, settings, 0);
    std::vector<core::Override> overrides;
    const auto parsed = nlohmann::json::parse(settings);  // items() does not keep it alive
    for (const auto& [key, value] : parsed.items())
      overrides.push_back({key, value, "--tuned " + *options.tuned});
    overrides.insert(overrides.end(), options.overrides.begin(), options.overrides.end());
    cfg = resolve_on_root(world, options.config, overrides, /*fit_tile=*/false);
  }
  if (options.many) return run_many(ctx, *options.many, cfg);
  // The job is the user's: it runs on what they name, never on a default image they did not ask
  // for (which would write a file of its own size, 20 MiB for the default 2048x2048).
  mpi::run_phase(world, "input", [&] {
    if (!cfg.input_is_default) return;
    throw UsageError(std::string("no input: give --image FILE or --synthetic WxH (or input.image "
                                 "or input.synthetic in a config); usage: ") +
                     (profile ? kProfileUsage : kRunUsage) + " (see 'nsperf " + command +
                     " --help')");
  });
  mpi::run_phase(world, "check-output", [&] {
    if (world.rank() != 0) return;
    // A resumed run replaces the incomplete file it continues.
    mpi::check_output(cfg.run.output, options.resume ? mpi::WriteMode::overwrite : options.mode,
                      job_inputs(cfg));
    // The catalog is checked now (schema, lock, or where it will be made), not after the work.
    if (cfg.run.catalog.empty()) return;
    if (std::filesystem::exists(cfg.run.catalog))
      io::Catalog::open(cfg.run.catalog).close();
    else
      mpi::check_new_file(cfg.run.catalog, "--catalog " + cfg.run.catalog);
  });
  MetricsSession metrics(world, options.publish);
  // Before the work: a batch log says what runs, on what, and where its settings come from.
  if (world.rank() == 0) {
    const std::string input = !cfg.input.image.empty()
                                  ? cfg.input.image
                                  : "synthetic " + core::to_string(cfg.input.synthetic);
    std::cout << (options.resume ? "resuming: " : "running: ") << input << " on " << world.size()
              << (world.size() == 1 ? " rank" : " ranks") << ", output " << cfg.run.output
              << "\n  config: " << describe_config_sources(options.config, options.overrides)
              << "\n";
    if (!tuned_from.empty()) {
      std::cout << "  tuned: " << tuned_from << "\n  tuned settings: strategy " << cfg.run.strategy
                << ", tile " << cfg.input.tile << ", threads "
                << cfg.setting<std::int64_t>("cpu", "threads") << ", compression "
                << core::to_string(cfg.run.compression) << " level " << cfg.run.compression_level
                << " (options given here win)\n";
    }
    std::cout << std::flush;
  }
  ProgressLine progress(options.progress, "stages", /*eta=*/false);
  core::watch_stop_signals();
  mpi::ProductionRequest request{cfg,
                                 ctx.command_line,
                                 options.resume,
                                 [] { return core::stop_signal(); },
                                 ctx.start_s,
                                 ctx.launcher,
                                 &ctx.since_init,
                                 [&](const core::Provenance& p) { metrics.start(p); },
                                 options.publish.any()};
  const auto report = metrics.guard(
      [&] { return mpi::run_production(world, request, metrics.progress(&progress, "stages")); });
  const int exit_code = report.failed_tiles > 0 ? static_cast<int>(ExitCode::runtime) : 0;
  if (world.rank() == 0) {
    const core::Stopwatch since_report;
    for (const auto& note : report.notes) std::cout << "note: " << note << "\n";
    print_report(std::cout, report, cfg);
    // The last figure once MPI is finalized: what the stages printed leave of the wall time.
    const double stages = report.start_s + report.setup_s + report.read_s + report.compute_s +
                          report.check_s + report.write_s + report.close_s;
    after_finalize([stages, wall = report.wall_s, since_report,
                    launcher = report.launcher](double finalize_s) {
      const double total = wall + since_report.elapsed_s();
      std::cout << "wall: " << analysis::format_seconds(total) << " from "
                << (launcher.empty() ? "this process's" : launcher + "'s")
                << " start to MPI_Finalize done; the stages above and MPI_Finalize ("
                << analysis::format_seconds(finalize_s) << ") account for "
                << core::format_number(100 * (stages + finalize_s) / total, 3) << "% of it\n"
                << std::flush;
    });
    if (profile) {
      analysis::ProfiledRun run;
      run.kind = "run";
      run.file = cfg.run.output;
      run.run_id = report.provenance.run_id;
      run.region_overhead_s = report.provenance.region_overhead_s;
      run.evidence = analysis::make_evidence(
          std::filesystem::path(cfg.run.output).filename().string() + ", run " + run.run_id,
          report.provenance, {}, report.regions);
      run.evidence.production = true;
      std::cout << "\n";
      analysis::print_profile(std::cout, run, options.view);
      analysis::print_recommendations(std::cout, analysis::recommendations_for(std::span(&run, 1)));
    }
  }
  metrics.finish([&](metrics::Metrics& m) { m.run(run_figures(report)); }, exit_code);
  // A wrong output is written (so it can be inspected) but fails the job.
  return exit_code;
}

}  // namespace nsperf::cli

NSPERF_REGISTER_COMMAND(Run, "run",
                        "the production job: the pipeline over a whole image, output to HDF5",
                        /*uses_mpi=*/true, &nsperf::cli::run)
