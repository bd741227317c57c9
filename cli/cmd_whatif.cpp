// nsperf whatif FILE.h5: the distributed job predicted at other rank counts by replaying the
// measured tile, transfer and write costs on a SimGrid platform (sim/); --validate compares
// such predictions with runs of the file measured at other rank counts. Serial: no MPI.
#include <algorithm>
#include <charconv>
#include <cmath>
#include <iostream>
#include <optional>
#include <set>
#include <sstream>

#include "command.hpp"
#include "nsperf/analysis/summary_table.hpp"
#include "nsperf/analysis/whatif_inputs.hpp"
#include "nsperf/analysis/whatif_report.hpp"
#include "nsperf/core/error.hpp"
#include "nsperf/core/provenance.hpp"
#include "nsperf/core/temporary_file.hpp"
#include "nsperf/core/text.hpp"
#include "nsperf/core/timer.hpp"
#include "nsperf/io/hdf5.hpp"
#include "nsperf/io/results_file.hpp"
#include "nsperf/mpi/job_context.hpp"
#include "progress_line.hpp"

namespace nsperf::cli {
namespace {

const char* const kDefaultRanks = "2,16,64,256,1024,4096";

std::vector<std::string> split_list(const std::vector<std::string>& values) {
  std::vector<std::string> out;
  for (const auto& v : values) {
    std::string item;
    std::istringstream in(v);
    while (std::getline(in, item, ','))
      if (!item.empty()) out.push_back(item);
  }
  return out;
}

std::int64_t whole_number(const std::string& text, const std::string& option, std::int64_t low,
                          std::int64_t high, const std::string& what) {
  std::int64_t v = 0;
  const auto* end = text.data() + text.size();
  const auto [p, ec] = std::from_chars(text.data(), end, v);
  if (ec != std::errc{} || p != end || v < low || v > high)
    throw UsageError(option + " " + text + ": " + what + " must be a whole number from " +
                     std::to_string(low) + " to " + std::to_string(high));
  return v;
}

double positive_number(const std::string& text, const std::string& option) {
  double v = 0;
  const auto* end = text.data() + text.size();
  const auto [p, ec] = std::from_chars(text.data(), end, v);
  if (ec != std::errc{} || p != end || !(v > 0) || !std::isfinite(v))
    throw UsageError(option + ": '" + text + "' is not a positive number");
  return v;
}

std::vector<int> rank_counts(const std::vector<std::string>& values) {
  std::set<int> counts;
  for (const auto& t : split_list(values))
    counts.insert(static_cast<int>(whole_number(t, "--ranks", 1, sim::kMaxRanks, "a rank count")));
  if (counts.empty()) throw UsageError("--ranks: give at least one rank count, e.g. --ranks 2,64");
  return {counts.begin(), counts.end()};
}

std::vector<std::string> partitioners(const std::vector<std::string>& values) {
  std::vector<std::string> out;
  for (const auto& t : split_list(values)) {
    if (t == "all") return sim::partitioner_names();
    if (!sim::is_partitioner(t))
      throw UsageError("--partitioner " + t + ": valid: all, " +
                       core::join(sim::partitioner_names()));
    if (std::find(out.begin(), out.end(), t) == out.end()) out.push_back(t);
  }
  return out.empty() ? sim::partitioner_names() : out;
}

// --link GB/s,µs.
sim::Link link_option(const std::string& text) {
  const auto comma = text.find(',');
  if (comma == std::string::npos)
    throw UsageError("--link " + text +
                     ": expected BANDWIDTH,LATENCY in GB/s and µs, e.g. "
                     "--link 12.5,1.5");
  return {positive_number(text.substr(0, comma), "--link bandwidth (GB/s)") * 1e9,
          positive_number(text.substr(comma + 1), "--link latency (µs)") * 1e-6};
}

std::string platform_text(const sim::PlatformSpec& p, const core::MeasuredJob& job, int most_ranks,
                          int threads) {
  if (!p.xml.empty()) return "SimGrid platform " + p.xml.string() + " (hosts filled in order)";
  const int cores = p.cores_per_node > 0 ? p.cores_per_node : job.cores;
  const int per_node = std::max(1, cores / threads);
  const int nodes = p.nodes > 0 ? p.nodes : (most_ranks + per_node - 1) / per_node;
  std::string link;
  if (p.link.bytes_per_s > 0) {
    link = "at " + core::format_number(p.link.bytes_per_s / 1e9, 3) + " GB/s, " +
           analysis::format_seconds(p.link.latency_s) + " (--link)";
  } else if (!job.network_within_node) {
    link = "as measured between nodes (the figures above)";
  } else {
    link = "at " + core::format_number(sim::kDefaultNodeLink.bytes_per_s / 1e9, 3) + " GB/s, " +
           analysis::format_seconds(sim::kDefaultNodeLink.latency_s) +
           " (default, an HDR InfiniBand-class link: give --link)";
  }
  return "generated: " + std::to_string(nodes) + " node" + (nodes == 1 ? "" : "s") + " x " +
         std::to_string(cores) + " cores" + (p.cores_per_node > 0 ? "" : " (as measured)") + ", " +
         std::to_string(per_node) + " rank" + (per_node == 1 ? "" : "s") + " of " +
         std::to_string(threads) + " thread" + (threads == 1 ? "" : "s") +
         " per node; nodes linked " + link +
         (job.network_within_node
              ? "; ranks of one node through its memory: the point-to-point bandwidth and the "
                "small message's latency above"
              : "; ranks of one node through its memory at 10 GB/s, 1 us (default: the "
                "figures above were measured between nodes)") +
         (sim::cores_are_hosts(nodes, cores, threads, most_ranks)
              ? "; above " + std::to_string(cores) +
                    " ranks the node is oversubscribed: each rank keeps to one core (as Linux "
                    "leaves ranks that poll while they wait), the prediction the median over " +
                    std::to_string(sim::kPlacements) + " placements of the ranks on the cores"
              : "");
}

// The predictions as a results file: one run (provenance: this command, the inputs, platform and
// notes as its notes) holding the whatif table; written beside `output` and renamed.
void write_output(const std::filesystem::path& output, const CommandContext& ctx,
                  const core::MeasuredJob& job, const analysis::WhatifReport& report) {
  core::Provenance p = core::capture_local_provenance(ctx.command_line);
  p.run_id = mpi::new_run_id();
  p.ranks = 1;
  p.image = job.image_label;
  std::vector<std::string> notes = {"whatif of " + job.path + ", run " + job.run_id};
  notes.insert(notes.end(), report.inputs.begin(), report.inputs.end());
  notes.push_back("platform: " + report.platform);
  for (const auto& n : report.notes) notes.push_back("note: " + n);
  p.notes = core::join(notes, "\n");
  p.end_time = core::utc_timestamp();
  std::vector<core::WhatifRow> rows;
  for (const auto& x : report.predictions) {
    core::WhatifRow w;
    w.ranks = x.scenario.ranks;
    w.partitioner = x.scenario.partitioner;
    w.tile = x.scenario.tile_size;
    w.image_width = x.scenario.image.width;
    w.image_height = x.scenario.image.height;
    w.tiles = x.tiles;
    w.nodes = x.nodes;
    w.makespan_s = x.makespan_s;
    w.pipeline_s = x.pipeline_s;
    w.write_s = x.write_s;
    w.speedup = x.speedup;
    w.efficiency = x.efficiency;
    w.imbalance = x.imbalance;
    w.coordination_share = x.coordination_share;
    w.compute_s = x.compute_s;
    w.coordination_s = x.coordination_s;
    w.network_s = x.network_s;
    w.bottleneck = x.bottleneck;
    rows.push_back(w);
  }
  core::TemporaryFile temporary(output);
  auto file = io::ResultsFile::create_local(temporary.path());
  io::RunRows run_rows;
  run_rows.whatif = rows;
  file.write_run(p, run_rows);
  file.close();
  temporary.rename_to(output);
  std::cerr << "whatif: predictions stored in " << output.string() << " (nsperf report "
            << output.string() << " draws them)\n";
}

int run(const CommandContext& ctx) {
  po::options_description options("Options");
  const std::string partitioner_help =
      "all (default), or any of " + core::join(sim::partitioner_names());
  options.add_options()("run", po::value<std::string>()->value_name("ID"),
                        "run whose tile costs to replay (default: the newest that has them)")(
      "ranks", po::value<std::vector<std::string>>()->multitoken()->value_name("N,..."),
      "rank counts to predict (default 2,16,64,256,1024,4096; 1 to 1000000)")(
      "partitioner", po::value<std::vector<std::string>>()->multitoken()->value_name("NAME"),
      partitioner_help.c_str())(
      "tile", po::value<std::vector<std::string>>()->multitoken()->value_name("N"),
      "tile sides to predict (default: the measured one)")(
      "image-size", po::value<std::string>()->value_name("WxH"),
      "predict this image (costs resampled from the measured tiles; default: the measured "
      "image, scaled up when the most ranks would have no tile)")(
      "platform", po::value<std::string>()->value_name("XML"),
      "your cluster as a SimGrid platform file (docs/whatif.md)")(
      "nodes", po::value<std::string>()->value_name("N"),
      "generated platform: nodes (default: as many as the most ranks need)")(
      "cores-per-node", po::value<std::string>()->value_name("C"),
      "generated platform: cores per node (default: the measuring node's)")(
      "link", po::value<std::string>()->value_name("GB/s,us"),
      "generated platform: the link between nodes, e.g. 12.5,1.5 (default: measured between "
      "nodes, else 12.5 GB/s, 1.5 us)")(
      "write-bandwidth", po::value<std::string>()->value_name("GB/s"),
      "the file system's collective write bandwidth (default: the file's io benchmark, else "
      "the write is left out)")(
      "validate",
      "predict the file's distributed runs at other rank counts and print the error (runs of "
      "one configuration pooled), beside it how much slower or faster the measured runs "
      "computed the same tiles (the machine's drift), and the ranking; --format json: {rows, "
      "rankings}")("format", po::value<std::string>()->value_name("F"),
                   "text (default), json, markdown")(
      "output,o", po::value<std::string>()->value_name("OUT.h5"),
      "also store the predictions as a results file with a whatif table (nsperf report draws "
      "it)")("force", "replace --output if it exists")("no-progress", "print no progress line")(
      "help,h", "this help");
  po::positional_options_description positional;
  const auto all = with_positionals(options, {{"results", 1}}, positional);
  const auto vm = parse_options(ctx.args, all, &positional, "whatif");
  if (vm.count("help")) {
    std::cout
        << "usage: nsperf whatif FILE.h5 [--ranks 2,64,1024] [--partitioner all|NAME...] "
           "[--tile N...]\n"
           "                    [--platform cluster.xml | --nodes N --cores-per-node C "
           "--link GB/s,us]\n"
           "                    [--image-size WxH] [--format text|json|markdown] [-o OUT.h5]\n"
           "       nsperf whatif --validate FILE.h5 [--run ID]\n\n"
           "Predicts the distributed job (the negative-space pipeline shared out by each\n"
           "partitioner, then the collective write) at other rank counts: the measured cost of\n"
           "every tile, rank 0's cutting, the point-to-point and write figures of FILE are\n"
           "replayed on a SimGrid platform (your cluster's XML, or nodes x cores and a link).\n"
           "FILE needs a run of `nsperf benchmark --distributed`; `--network --sizes` and `--io`\n"
           "runs in it give the transfer and write figures (else a named default for the\n"
           "transfers, and no write), `--network --shared-core` what handing a shared core\n"
           "over costs (charged on nodes with more ranks than cores), a 1-rank run's\n"
           "`--busy-cores` how much slower a core computes with the node's other cores busy.\n"
           "The run's repetitions give each core's speed from one repetition to the next: a\n"
           "prediction is the median of 9 simulations (5 past 256 ranks) drawing them. No MPI:\n"
           "runs on a login node. The model and its limits: docs/whatif.md.\n\n"
           "Examples:\n"
           "  mpirun -n 2 nsperf benchmark --distributed --network --sizes 16 -o small.h5\n"
           "  nsperf whatif small.h5 --ranks 2,64,1024,4096 --cores-per-node 64 --link 25,1\n"
           "  nsperf whatif small.h5 --platform my-cluster.xml --partitioner static-cyclic "
           "dynamic\n"
           "  nsperf whatif --validate runs.h5   (runs at 1, 2 and 4 ranks, appended; launch\n"
           "                                     each a few times: their runs pool)\n\n"
        << options;
    return 0;
  }
  if (!vm.count("results"))
    throw UsageError("whatif needs a results file: nsperf whatif FILE.h5 (nsperf whatif --help)");
  const std::string path = vm["results"].as<std::string>();
  const std::string run_id = vm.count("run") ? vm["run"].as<std::string>() : "";
  const auto& reporters = analysis::whatif_reporters();
  const analysis::Format format =
      vm.count("format") ? reporters.parse(vm["format"].as<std::string>()) : reporters.first();
  const bool progress_wanted = !vm.count("no-progress");

  if (vm.count("validate")) {
    for (const char* o : {"ranks", "partitioner", "tile", "image-size", "platform", "nodes",
                          "cores-per-node", "link", "write-bandwidth", "output"})
      if (vm.count(o))
        throw UsageError(std::string("--") + o +
                         ": --validate predicts the runs in the file as they were measured");
    io::silence_hdf5_errors();
    auto plan = analysis::plan_validation(path, run_id);
    std::size_t total = 0;
    for (const auto& c : plan.cases) total += c.scenarios.size();
    ProgressLine progress(progress_wanted, "simulations", false);
    std::size_t done_before = 0;
    for (auto& c : plan.cases) {
      const auto predictions =
          sim::predict(c.job, c.platform, c.scenarios, [&](std::size_t d, std::size_t) {
            progress.update(static_cast<std::int64_t>(done_before + d),
                            static_cast<std::int64_t>(total), "validating");
          });
      done_before += c.scenarios.size();
      for (std::size_t i = 0; i < predictions.size(); ++i)
        plan.report.rows[c.rows[i]].predictions_s.push_back(predictions[i].pipeline_s);
    }
    progress.finish();
    analysis::finish_validation(plan.report);
    analysis::validation_reporters().write(std::cout, plan.report, format);
    return 0;
  }

  // Every option checked before the file is read and before any simulation.
  const auto counts = rank_counts(vm.count("ranks") ? vm["ranks"].as<std::vector<std::string>>()
                                                    : std::vector<std::string>{kDefaultRanks});
  const auto names =
      partitioners(vm.count("partitioner") ? vm["partitioner"].as<std::vector<std::string>>()
                                           : std::vector<std::string>{});
  sim::PlatformSpec platform;
  if (vm.count("platform")) {
    for (const char* o : {"nodes", "cores-per-node", "link"})
      if (vm.count(o))
        throw UsageError(std::string("--") + o +
                         ": describes a generated platform; with --platform, the XML describes "
                         "the cluster");
    platform.xml = vm["platform"].as<std::string>();
    if (!std::filesystem::is_regular_file(platform.xml))
      throw InputError("--platform " + platform.xml.string() + ": no such file");
  }
  if (vm.count("nodes"))
    platform.nodes = static_cast<int>(
        whole_number(vm["nodes"].as<std::string>(), "--nodes", 1, sim::kMaxRanks, "a node count"));
  if (vm.count("cores-per-node"))
    platform.cores_per_node = static_cast<int>(whole_number(
        vm["cores-per-node"].as<std::string>(), "--cores-per-node", 1, 4096, "a core count"));
  if (vm.count("link")) platform.link = link_option(vm["link"].as<std::string>());
  std::optional<double> write_bandwidth;
  if (vm.count("write-bandwidth"))
    write_bandwidth =
        positive_number(vm["write-bandwidth"].as<std::string>(), "--write-bandwidth (GB/s)") * 1e9;
  std::optional<core::Extent> image_size;
  if (vm.count("image-size"))
    image_size = core::parse_image_spec(vm["image-size"].as<std::string>(), "--image-size").extent;
  std::vector<std::int64_t> tile_sides;
  if (vm.count("tile"))
    for (const auto& t : split_list(vm["tile"].as<std::vector<std::string>>()))
      tile_sides.push_back(
          whole_number(t, "--tile", core::kMinTile, core::kMaxImageSide, "a tile side"));

  std::optional<std::filesystem::path> output;
  if (vm.count("output")) {
    output = vm["output"].as<std::string>();
    std::vector<std::filesystem::path> inputs{path};
    if (!platform.xml.empty()) inputs.push_back(platform.xml);
    check_output_file(*output, inputs, vm.count("force") > 0, /*renamed=*/true, "--output");
  }
  io::silence_hdf5_errors();
  core::MeasuredJob job = analysis::read_measured_job(path, run_id);
  if (write_bandwidth) job.write_bytes_per_s = {*write_bandwidth, "--write-bandwidth"};
  if (!platform.xml.empty()) sim::check_platform(platform.xml);
  if (tile_sides.empty()) tile_sides.push_back(job.tile_size);

  analysis::WhatifReport report;
  report.file = path;
  report.run_id = job.run_id;
  report.inputs = analysis::whatif_inputs(job);
  if (job.oversubscribed)
    report.notes.push_back("run " + job.run_id +
                           " had more rank threads than cores on a node: "
                           "its tile times include waiting for a core, so the predictions are "
                           "pessimistic");
  const int most = counts.back();
  core::Extent image = job.image;
  if (image_size) {
    image = *image_size;
    report.notes.push_back("image " + std::to_string(image.width) + "x" +
                           std::to_string(image.height) +
                           " (--image-size): each tile costs what the measured tile under its "
                           "centre cost per pixel, the measured image stretched over it");
  } else {
    const std::int64_t largest = *std::max_element(tile_sides.begin(), tile_sides.end());
    const core::Extent scaled = sim::image_for_ranks(job, largest, most);
    if (!(scaled == job.image)) {
      image = scaled;
      report.notes.push_back(
          "the measured image has fewer tiles of " + std::to_string(largest) + " than " +
          std::to_string(most) + " ranks: every prediction is of the image scaled " +
          std::to_string(scaled.width / job.image.width) + "x a side, " +
          std::to_string(image.width) + "x" + std::to_string(image.height) +
          ", each tile costing what the measured tile under its centre cost per pixel "
          "(--image-size chooses the size)");
    }
  }
  for (const auto t : tile_sides) core::check_tile_side(t, image, "--tile");

  std::vector<sim::Scenario> scenarios;
  for (const auto t : tile_sides)
    for (const auto& n : names)
      for (const int r : counts) scenarios.push_back({r, n, t, image, 0, 0, {}});
  report.platform = platform_text(platform, job, most, job.threads_per_rank);
  {
    std::int64_t fewest = -1;
    for (const auto t : tile_sides) {
      const std::int64_t n = ((image.width + t - 1) / t) * ((image.height + t - 1) / t);
      fewest = fewest < 0 ? n : std::min(fewest, n);
    }
    if (fewest < most)
      report.notes.push_back("at " + std::to_string(most) + " ranks some ranks have no tile (" +
                             std::to_string(fewest) +
                             " tiles): they only take part in the "
                             "reductions");
  }
  ProgressLine progress(progress_wanted, "simulations", false);
  report.predictions = sim::predict(job, platform, scenarios, [&](std::size_t d, std::size_t n) {
    progress.update(static_cast<std::int64_t>(d), static_cast<std::int64_t>(n), "simulating");
  });
  progress.finish();
  if (output) write_output(*output, ctx, job, report);
  reporters.write(std::cout, report, format);
  return 0;
}

}  // namespace
}  // namespace nsperf::cli

NSPERF_REGISTER_COMMAND(Whatif, "whatif",
                        "predict the distributed job at other rank counts (SimGrid replay of "
                        "measured costs)",
                        /*uses_mpi=*/false, &nsperf::cli::run)
