// nsperf-bench-opencv: OpenCV 4 against nsperf, the same operation on the same image, in one
// process, at the same thread counts. Runs are interleaved (OpenCV, nsperf, nsperf, OpenCV, …)
// and summarized by medians; every output is checked against OpenCV's.
//
//   nsperf-bench-opencv [--size 8192] [--threads 1,2] [--repetitions 10] [--warmup 2]
//
// nsperf's kernels are "valid" mode: their inputs are padded beforehand (as tiles arrive with
// halos in a run), which is not timed; OpenCV handles the border itself.
#include <omp.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <iostream>
#include <opencv2/core.hpp>
#include <opencv2/core/utility.hpp>
#include <opencv2/imgproc.hpp>
#include <string>
#include <thread>
#include <vector>

#include "nsperf/core/statistics.hpp"
#include "nsperf/core/timer.hpp"
#include "nsperf/kernels/cpu_strategy.hpp"
#include "nsperf/kernels/machine.hpp"
#include "nsperf/kernels/storage.hpp"
#include "nsperf/kernels/synthetic.hpp"

namespace {

namespace core = nsperf::core;
namespace kernels = nsperf::kernels;

struct Options {
  int size = 8192;
  std::vector<int> threads{1, 2};
  int repetitions = 10;
  int warmup = 2;
};

[[noreturn]] void usage(const std::string& problem) {
  std::cerr
      << "nsperf-bench-opencv: " << problem
      << "\nusage: nsperf-bench-opencv [--size N] [--threads 1,2] [--repetitions N] [--warmup N]\n";
  std::exit(2);
}

int positive(const std::string& option, const char* text) {
  char* end = nullptr;
  const long v = std::strtol(text, &end, 10);
  if (end == text || *end != '\0' || v < 1 || v > 1 << 20)
    usage(option + ": '" + text + "' is not a positive integer");
  return static_cast<int>(v);
}

Options parse(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--help" || a == "-h") {
      std::cout << "usage: nsperf-bench-opencv [-s|--size N] [-t|--threads 1,2] "
                   "[-r|--repetitions N] [-w|--warmup N]\n\n"
                   "OpenCV 4 against nsperf's kernels and pipeline on an N x N synthetic image,\n"
                   "interleaved, best of the repetitions (defaults: --size 8192, --threads 1,2,\n"
                   "-r 10, -w 2).\n\n"
                   "Example:\n  nsperf-bench-opencv -s 4096 -r 5\n";
      std::exit(0);
    }
    // --name=value, --name value, and the short forms.
    std::string name = a;
    std::string value;
    if (const auto eq = a.find('='); a.rfind("--", 0) == 0 && eq != std::string::npos) {
      name = a.substr(0, eq);
      value = a.substr(eq + 1);
    } else {
      if (i + 1 >= argc) usage(a + " needs a value");
      value = argv[++i];
    }
    static const std::pair<const char*, const char*> kShort[] = {
        {"-s", "--size"}, {"-t", "--threads"}, {"-r", "--repetitions"}, {"-w", "--warmup"}};
    for (const auto& [s, l] : kShort)
      if (name == s) name = l;
    const std::string option = name;
    const char* v = value.c_str();
    if (option == "--size") {
      o.size = positive(option, v);
    } else if (option == "--repetitions") {
      o.repetitions = positive(option, v);
    } else if (option == "--warmup") {
      o.warmup = std::atoi(v);
    } else if (option == "--threads") {
      o.threads.clear();
      std::string list = v;
      for (std::size_t p = 0; p <= list.size();) {
        const auto q = std::min(list.find(',', p), list.size());
        o.threads.push_back(positive(option, list.substr(p, q - p).c_str()));
        p = q + 1;
      }
    } else {
      usage("unknown option '" + a + "'");
    }
  }
  return o;
}

template <class T>
core::View<T> view_of(cv::Mat& m) {
  return {reinterpret_cast<T*>(m.data), m.cols, m.rows,
          static_cast<std::int64_t>(m.step / sizeof(T))};
}

// `src` grown by `halo` on every side with reflect-101, as a tile arrives.
cv::Mat padded(const cv::Mat& src, int halo) {
  cv::Mat out;
  cv::copyMakeBorder(src, out, halo, halo, halo, halo, cv::BORDER_REFLECT_101);
  return out;
}

double max_abs_difference(const cv::Mat& a, const cv::Mat& b) {
  cv::Mat da;
  cv::Mat db;
  a.convertTo(da, CV_64F);
  b.convertTo(db, CV_64F);
  return cv::norm(da, db, cv::NORM_INF);
}

// Times two contenders, interleaved, alternating which goes first.
struct Timing {
  double opencv_s = 0;
  double nsperf_s = 0;
};

Timing race(const Options& o, const std::function<void()>& opencv,
            const std::function<void()>& nsperf) {
  std::vector<double> a;
  std::vector<double> b;
  for (int r = 0; r < o.warmup + o.repetitions; ++r) {
    for (int side = 0; side < 2; ++side) {
      const bool cv_turn = (side == 0) == (r % 2 == 0);
      // TBB's (OpenCV's) and OpenMP's (nsperf's) idle workers spin for a while after a
      // parallel region; a pause lets them sleep, so neither library runs against the other's
      // spinning threads on the same cores.
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
      core::Stopwatch clock;
      (cv_turn ? opencv : nsperf)();
      const double s = clock.elapsed_s();
      if (r >= o.warmup) (cv_turn ? a : b).push_back(s);
    }
  }
  return {core::median(a), core::median(b)};
}

struct Row {
  std::string operation;
  int threads = 0;
  std::string strategy;
  Timing t;
  double bytes = 0;  // nsperf's traffic per run, for the bandwidth fraction
  std::string check;
};

}  // namespace

int main(int argc, char** argv) {
  const Options o = parse(argc, argv);
  const int n = o.size;
  std::cout << "nsperf-bench-opencv: " << n << "x" << n << " synthetic image, " << o.repetitions
            << " repetitions after " << o.warmup
            << " warm-up, medians; ratio = OpenCV time / nsperf time\n"
            << "OpenCV " << CV_VERSION << " (" << cv::getNumberOfCPUs() << " CPUs, "
            << cv::getNumThreads() << " threads by default), nsperf SIMD "
            << kernels::compiled_simd_isa() << "\n";

  // Inputs, made once and outside every timing.
  const auto image = kernels::make_synthetic({{n, n}, core::DType::u8}, 1);
  const cv::Mat u8(n, n, CV_8U, const_cast<std::byte*>(image.bytes().data()));  // NOLINT
  cv::Mat f32;
  cv::Mat u16;
  u8.convertTo(f32, CV_32F);
  u8.convertTo(u16, CV_16U, 257.0);
  cv::Mat blurred;
  cv::GaussianBlur(f32, blurred, cv::Size(5, 5), 1.0, 1.0, cv::BORDER_REFLECT_101);
  cv::Mat gx;
  cv::Mat gy;
  cv::Mat magnitude;
  cv::Sobel(blurred, gx, CV_32F, 1, 0, 3, 1, 0, cv::BORDER_REFLECT_101);
  cv::Sobel(blurred, gy, CV_32F, 0, 1, 3, 1, 0, cv::BORDER_REFLECT_101);
  cv::magnitude(gx, gy, magnitude);
  double max_magnitude = 0;
  cv::minMaxLoc(magnitude, nullptr, &max_magnitude);
  const float scale = kernels::histogram_scale(static_cast<float>(max_magnitude));
  cv::Mat mask;  // the background mask both sides open
  {
    cv::Mat q;
    magnitude.convertTo(q, CV_8U, scale, -0.5);
    cv::threshold(q, mask, 0, 1, cv::THRESH_BINARY_INV | cv::THRESH_OTSU);
  }
  cv::Mat f32_pad = padded(f32, 2);
  cv::Mat u16_pad = padded(u16, 2);
  cv::Mat blurred_pad = padded(blurred, 1);
  cv::Mat mask_pad = padded(mask, 1);

  // The one-thread bandwidth ceiling: the best triad pass, sampled before and after the
  // comparisons (the machine's bandwidth drifts; STREAM reports the best).
  double ceiling = kernels::measure_triad_bandwidth(1, 128, 5).best_gbyte_per_s;

  std::vector<Row> rows;
  std::vector<std::string> candidates;
  for (const auto& s : kernels::cpu_strategies().names()) {
    if (s == "simd" || s == "blocked" || s == "fused") candidates.push_back(s);
  }
  for (int threads : o.threads) {
    cv::setNumThreads(threads);
    std::vector<std::unique_ptr<kernels::CpuStrategy>> strategies;
    std::vector<std::string> names;
    for (const auto& s : candidates) {
      // simd is one thread by definition: it only competes at one thread.
      if (s == "simd" && threads != 1) continue;
      strategies.push_back(kernels::cpu_strategies().at(s, "strategy").make({threads}));
      names.push_back(s);
    }
    // Each operation against every candidate; the fastest candidate is reported.
    auto best_of = [&](const std::string& operation, double bytes,
                       const std::function<void()>& opencv,
                       const std::function<void(kernels::CpuStrategy&)>& ours,
                       const std::function<std::string()>& check) {
      Row best{operation, threads, "", {0, 1e30}, bytes, ""};
      for (std::size_t i = 0; i < strategies.size(); ++i) {
        auto& s = *strategies[i];
        const Timing t = race(o, opencv, [&] { ours(s); });
        if (t.nsperf_s < best.t.nsperf_s) {
          best.t = t;
          best.strategy = names[i];
          best.check = check();
        }
      }
      rows.push_back(best);
    };
    const double px = static_cast<double>(n) * n;

    cv::Mat cv_out;
    cv::Mat ns_out(n, n, CV_32F);
    best_of(
        "gaussian5x5 f32", 8 * px,
        [&] { cv::GaussianBlur(f32, cv_out, cv::Size(5, 5), 1.0, 1.0, cv::BORDER_REFLECT_101); },
        [&](kernels::CpuStrategy& s) {
          s.gaussian5x5(view_of<const float>(f32_pad), view_of<float>(ns_out));
        },
        [&] {
          const double e = max_abs_difference(cv_out, ns_out);
          return "max |diff| " + std::to_string(e) + (e <= 1e-5 * 255 ? " ok" : " MISMATCH");
        });

    cv::Mat cv16;
    cv::Mat ns16(n, n, CV_16U);
    {
      const Timing t = race(
          o, [&] { cv::GaussianBlur(u16, cv16, cv::Size(5, 5), 1.0, 1.0, cv::BORDER_REFLECT_101); },
          [&] {
            kernels::gaussian5x5_u16(view_of<const std::uint16_t>(u16_pad),
                                     view_of<std::uint16_t>(ns16), threads);
          });
      const double e = max_abs_difference(cv16, ns16);
      rows.push_back({"gaussian5x5 u16", threads, "u16 storage", t, 4 * px,
                      "max |diff| " + std::to_string(e) + (e <= 1.0 ? " ok" : " MISMATCH")});
    }

    best_of(
        "sobel + magnitude f32", 8 * px,
        [&] {
          cv::Sobel(blurred, gx, CV_32F, 1, 0, 3, 1, 0, cv::BORDER_REFLECT_101);
          cv::Sobel(blurred, gy, CV_32F, 0, 1, 3, 1, 0, cv::BORDER_REFLECT_101);
          cv::magnitude(gx, gy, cv_out);
        },
        [&](kernels::CpuStrategy& s) {
          s.sobel_magnitude(view_of<const float>(blurred_pad), view_of<float>(ns_out));
        },
        [&] {
          const double e = max_abs_difference(cv_out, ns_out);
          return "max |diff| " + std::to_string(e) + (e <= 5e-5 * 255 * 8 ? " ok" : " MISMATCH");
        });

    cv::Mat cv_mask;
    cv::Mat ns_mask(n, n, CV_8U);
    double cv_threshold = 0;
    int ns_threshold = 0;
    // OpenCV's intermediates live across runs, as a careful OpenCV user keeps them: allocating
    // 256 MB per call would charge OpenCV page faults, not filtering.
    cv::Mat q8;
    cv::Mat b;
    cv::Mat x;
    cv::Mat y;
    cv::Mat m;
    cv::Mat tmask;
    cv::Mat e;
    best_of(
        "otsu threshold", 6 * px,
        [&] {
          magnitude.convertTo(q8, CV_8U, scale, -0.5);
          cv_threshold = cv::threshold(q8, cv_mask, 0, 1, cv::THRESH_BINARY_INV | cv::THRESH_OTSU);
        },
        [&](kernels::CpuStrategy& s) {
          kernels::Histogram h{};
          s.histogram(view_of<const float>(magnitude), scale, h);
          ns_threshold = kernels::otsu_threshold(h);
          s.background_mask(view_of<const float>(magnitude), scale, ns_threshold,
                            view_of<std::uint8_t>(ns_mask));
        },
        [&] {
          const int differ = cv::countNonZero(cv_mask != ns_mask);
          return "thresholds " + std::to_string(static_cast<int>(cv_threshold)) + "/" +
                 std::to_string(ns_threshold) + ", " + std::to_string(differ) + " pixels differ" +
                 (static_cast<int>(cv_threshold) == ns_threshold && differ < px * 1e-4
                      ? " ok"
                      : " MISMATCH");
        });

    cv::Mat eroded_pad(n + 2, n + 2, CV_8U);
    best_of(
        "open 3x3 (erode, dilate) u8", 4 * px,
        [&] {
          cv::erode(mask, e, cv::Mat(), cv::Point(-1, -1), 1, cv::BORDER_REFLECT_101);
          cv::dilate(e, cv_mask, cv::Mat(), cv::Point(-1, -1), 1, cv::BORDER_REFLECT_101);
        },
        [&](kernels::CpuStrategy& s) {
          auto eroded = view_of<std::uint8_t>(eroded_pad);
          s.erode3x3(view_of<const std::uint8_t>(mask_pad), eroded.sub(1, 1, n, n));
          // The eroded image's border, reflected, as the dilation's context.
          cv::copyMakeBorder(eroded_pad(cv::Rect(1, 1, n, n)), eroded_pad, 1, 1, 1, 1,
                             cv::BORDER_REFLECT_101);
          s.dilate3x3(view_of<const std::uint8_t>(eroded_pad), view_of<std::uint8_t>(ns_mask));
        },
        [&] {
          const int differ = cv::countNonZero(cv_mask != ns_mask);
          return std::to_string(differ) + " pixels differ" + (differ == 0 ? " ok" : " MISMATCH");
        });

    // The whole pipeline: OpenCV's calls one after the other against a strategy's pipeline.
    const auto input = core::extract_padded(image, 0, 0, n, n, kernels::kPipelineHalo);
    std::vector<kernels::TileWork<float>> work;
    work.emplace_back(input, core::Rect{0, 0, n, n}, core::Extent{n, n});
    kernels::LocalReduce reduce;
    int cv_background = 0;
    kernels::PipelineResult ns_result;
    best_of(
        "pipeline", 13 * px,
        [&] {
          u8.convertTo(b, CV_32F);
          cv::GaussianBlur(b, b, cv::Size(5, 5), 1.0, 1.0, cv::BORDER_REFLECT_101);
          cv::Sobel(b, x, CV_32F, 1, 0, 3, 1, 0, cv::BORDER_REFLECT_101);
          cv::Sobel(b, y, CV_32F, 0, 1, 3, 1, 0, cv::BORDER_REFLECT_101);
          cv::magnitude(x, y, m);
          double mx = 0;
          cv::minMaxLoc(m, nullptr, &mx);
          m.convertTo(q8, CV_8U, kernels::histogram_scale(static_cast<float>(mx)), -0.5);
          cv::threshold(q8, tmask, 0, 1, cv::THRESH_BINARY_INV | cv::THRESH_OTSU);
          cv::erode(tmask, e, cv::Mat(), cv::Point(-1, -1), 1, cv::BORDER_REFLECT_101);
          cv::dilate(e, tmask, cv::Mat(), cv::Point(-1, -1), 1, cv::BORDER_REFLECT_101);
          cv_background = cv::countNonZero(tmask);
        },
        [&](kernels::CpuStrategy& s) { ns_result = kernels::run_pipeline(s, work, reduce); },
        [&] {
          const double d = std::abs(static_cast<double>(cv_background - work[0].background)) / px;
          return "background " + std::to_string(cv_background) + "/" +
                 std::to_string(work[0].background) + (d < 1e-3 ? " ok" : " MISMATCH");
        });
  }

  ceiling = std::max(ceiling, kernels::measure_triad_bandwidth(1, 128, 5).best_gbyte_per_s);

  // The fused pipeline at 1 and 2 threads, interleaved like everything else.
  Timing scaling{0, 0};
  if (std::find(o.threads.begin(), o.threads.end(), 1) != o.threads.end() &&
      std::find(o.threads.begin(), o.threads.end(), 2) != o.threads.end() &&
      kernels::cpu_strategies().find("fused") != nullptr) {
    auto one = kernels::cpu_strategies().at("fused", "strategy").make({1});
    auto two = kernels::cpu_strategies().at("fused", "strategy").make({2});
    const auto input = core::extract_padded(image, 0, 0, n, n, kernels::kPipelineHalo);
    std::vector<kernels::TileWork<float>> work;
    work.emplace_back(input, core::Rect{0, 0, n, n}, core::Extent{n, n});
    kernels::LocalReduce reduce;
    scaling = race(
        o, [&] { (void)kernels::run_pipeline(*one, work, reduce); },
        [&] { (void)kernels::run_pipeline(*two, work, reduce); });
  }

  std::cout << "\nbandwidth ceiling (STREAM-style triad, 1 thread, best pass before and after): "
            << ceiling << " GB/s\n\n";
  std::printf("%-30s %7s %-12s %10s %10s %7s %9s  %s\n", "operation", "threads", "nsperf",
              "OpenCV ms", "nsperf ms", "ratio", "of BW", "check");
  for (const auto& r : rows) {
    const double gbs = r.bytes / r.t.nsperf_s / 1e9;
    // The ceiling is one thread's: a fraction of it means something at one thread only.
    char of_bw[16] = "-";
    if (r.threads == 1) std::snprintf(of_bw, sizeof of_bw, "%.0f%%", 100 * gbs / ceiling);
    std::printf("%-30s %7d %-12s %10.2f %10.2f %6.2fx %9s  %s\n", r.operation.c_str(), r.threads,
                r.strategy.c_str(), r.t.opencv_s * 1e3, r.t.nsperf_s * 1e3,
                r.t.opencv_s / r.t.nsperf_s, of_bw, r.check.c_str());
  }
  // A ratio at more threads compares with OpenCV at those threads only if OpenCV used them.
  for (const auto& r : rows) {
    if (r.threads == 1) continue;
    for (const auto& one : rows) {
      if (one.operation != r.operation || one.threads != 1) continue;
      const double gain = one.t.opencv_s / r.t.opencv_s;
      if (gain < 1.15) {
        std::printf(
            "note: OpenCV's %s at %d threads took %.1f ms against %.1f ms at 1: it did "
            "not use the other threads, so that row's ratio is nsperf at %d threads "
            "against OpenCV at 1\n",
            r.operation.c_str(), r.threads, r.t.opencv_s * 1e3, one.t.opencv_s * 1e3, r.threads);
      }
    }
  }
  // The targets of the issue, stated against these figures.
  auto find = [&](const std::string& op, int threads) -> const Row* {
    for (const auto& r : rows)
      if (r.operation == op && r.threads == threads) return &r;
    return nullptr;
  };
  std::cout << "\ntargets:\n";
  if (const auto* g = find("gaussian5x5 f32", 1)) {
    std::printf("  Gaussian f32 at 1 thread at least as fast as OpenCV: %.2fx %s\n",
                g->t.opencv_s / g->t.nsperf_s,
                g->t.opencv_s / g->t.nsperf_s >= 1.0 ? "met" : "NOT met");
  }
  if (const auto* g = find("gaussian5x5 u16", 1)) {
    std::printf("  Gaussian u16 at least 2x OpenCV's 16U path: %.2fx %s\n",
                g->t.opencv_s / g->t.nsperf_s,
                g->t.opencv_s / g->t.nsperf_s >= 2.0 ? "met" : "NOT met");
  }
  if (const auto* p = find("pipeline", 1)) {
    std::printf("  pipeline at least 1.5x the separate OpenCV calls (1 thread): %.2fx %s\n",
                p->t.opencv_s / p->t.nsperf_s,
                p->t.opencv_s / p->t.nsperf_s >= 1.5 ? "met" : "NOT met");
  }
  if (scaling.nsperf_s > 0) {
    const double r = scaling.opencv_s / scaling.nsperf_s;  // here: 1 thread / 2 threads
    std::printf(
        "  fused pipeline 2 threads vs 1 (interleaved: %.1f vs %.1f ms) at least 1.6x: %.2fx %s\n",
        scaling.opencv_s * 1e3, scaling.nsperf_s * 1e3, r, r >= 1.6 ? "met" : "NOT met");
  }
  for (const char* op : {"gaussian5x5 f32", "gaussian5x5 u16", "sobel + magnitude f32"}) {
    if (const auto* r = find(op, 1)) {
      const double fraction = r->bytes / r->t.nsperf_s / 1e9 / ceiling;
      std::printf("  %s at 1 thread at least 60%% of the bandwidth ceiling: %.0f%% %s\n", op,
                  100 * fraction, fraction >= 0.6 ? "met" : "NOT met");
    }
  }
  return 0;
}
