// nsperf report (alias visualize): one self-contained HTML page of charts from results files.
#include <iostream>

#include "command.hpp"
#include "nsperf/core/error.hpp"
#include "nsperf/core/stop.hpp"
#include "report_writer.hpp"

namespace nsperf::cli {
namespace {

int run(const CommandContext& ctx) {
  po::options_description options("Report");
  options.add_options()(
      "output,o", po::value<std::string>()->value_name("FILE"),
      "the HTML page (default nsperf-report.html); an existing .html file is replaced, any "
      "other file only with --force")("force", "replace the output file whatever it is")(
      "title", po::value<std::string>()->value_name("TEXT"), "the page's title")(
      "top", po::value<std::int64_t>()->value_name("N"), "hotspots shown (default 15)")(
      "help,h", "this help");
  po::positional_options_description positional;
  const auto all = with_positionals(options, {{"file", -1}}, positional);
  const auto vm = parse_options(ctx.args, all, &positional, "report");
  if (vm.count("help")) {
    std::cout
        << "usage: nsperf report FILE.h5 [FILE.h5 ...] [-o report.html] [--title TEXT]\n\n"
           "Writes one self-contained HTML page (charts embedded) from every run of the\n"
           "files: speedup per optimizer and strategy with intervals (their coverage given),\n"
           "time against image\n"
           "size, memory against time with the best front, busy and idle time per rank,\n"
           "achieved bandwidth against the measured ceiling, hotspots, scaling efficiency\n"
           "across rank counts, recommendations, and provenance. A chart the files hold no\n"
           "data for says what run would provide it. Drawn by scripts/report.py (Debian's\n"
           "python3-h5py, -pandas, -matplotlib). No MPI. Alias: nsperf visualize.\n\n"
           "Example:\n  nsperf report results.h5 output.h5 -o report.html\n\n"
        << options;
    return 0;
  }
  if (vm.count("file") == 0)
    throw UsageError("give one or more results files (nsperf report --help)");
  ReportRequest request;
  for (const auto& f : vm["file"].as<std::vector<std::string>>()) request.files.emplace_back(f);
  request.output = vm.count("output") ? vm["output"].as<std::string>() : "nsperf-report.html";
  // A page from an earlier report is replaced; a results file given by mistake is not.
  check_output_file(request.output, request.files,
                    vm.count("force") > 0 || request.output.extension() == ".html",
                    /*renamed=*/true, "-o");
  if (vm.count("title")) request.title = vm["title"].as<std::string>();
  if (const auto top = top_option(vm)) request.top = *top;
  // Ended at once by a stop signal, its temporary files removed (write_report registers them).
  core::end_on_stop_signals(
      "\nnsperf report: stopped by ",
      ": nothing was written (" + request.output.string() + " is as it was)\n", true);
  const auto runs = write_report(request);
  std::cout << "report: " << request.output.string() << " (" << runs << " distinct run"
            << (runs == 1 ? "" : "s") << " from " << request.files.size() << " file"
            << (request.files.size() == 1 ? "" : "s") << ")\n";
  return 0;
}

}  // namespace
}  // namespace nsperf::cli

NSPERF_REGISTER_COMMAND(Report, "report", "an HTML page of charts from results files",
                        /*uses_mpi=*/false, &nsperf::cli::run)
NSPERF_REGISTER_COMMAND(Visualize, "visualize", "the same as report",
                        /*uses_mpi=*/false, &nsperf::cli::run)
