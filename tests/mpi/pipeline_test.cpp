// The pipeline across ranks: the global maximum and histogram are reduced over MPI, so every
// rank uses the threshold the whole image gives, and each rank's tiles come out exactly as the
// same strategy computes them on the whole image in one process.
#include <cstring>

#include "nsperf/core/error.hpp"

#include "mpi_test.hpp"
#include "nsperf/kernels/cpu_strategy.hpp"
#include "nsperf/kernels/synthetic.hpp"
#include "nsperf/mpi/collective.hpp"
#include "nsperf/mpi/workload.hpp"

namespace core = nsperf::core;
namespace kernels = nsperf::kernels;
namespace mpi = nsperf::mpi;

class Pipeline : public MpiTest {};

TEST_F(Pipeline, OtsuAcrossRanksEqualsOtsuOnTheWholeImage) {
  const core::ImageSpec spec{{211, 157}, core::DType::u16};
  const auto w = mpi::distribute_synthetic(world, spec, 5, 40, kernels::kPipelineHalo);
  const auto image = kernels::make_synthetic(spec, 5);
  for (const auto& name : kernels::cpu_strategies().names()) {
    auto strategy = kernels::cpu_strategies().at(name, "strategy").make({2});
    std::vector<kernels::TileWork<float>> mine;
    for (const auto& t : w.tiles) mine.emplace_back(t.padded, t.rect, spec.extent);
    mpi::MpiReduce reduce(world);
    const auto distributed = kernels::run_pipeline(*strategy, mine, reduce);

    std::vector<kernels::TileWork<float>> whole;
    whole.emplace_back(core::extract_padded(image, 0, 0, spec.extent.width, spec.extent.height,
                                            kernels::kPipelineHalo),
                       core::Rect{0, 0, spec.extent.width, spec.extent.height}, spec.extent);
    kernels::LocalReduce local;
    const auto single = kernels::run_pipeline(*strategy, whole, local);

    EXPECT_EQ(distributed.threshold, single.threshold) << name;
    EXPECT_EQ(distributed.max_magnitude, single.max_magnitude) << name;
    EXPECT_EQ(distributed.histogram, single.histogram) << name;
    for (const auto& t : mine) {
      for (std::int64_t y = 0; y < t.rect.height; ++y) {
        ASSERT_EQ(
            std::memcmp(t.opened.view().row(y), whole[0].opened.view().row(t.rect.y + y) + t.rect.x,
                        static_cast<std::size_t>(t.rect.width)),
            0)
            << name << " tile at " << t.rect.x << "," << t.rect.y;
      }
    }
  }
}

namespace {

// A registered strategy whose stage A throws when told to.
class Throwing final : public kernels::CpuStrategy {
 public:
  Throwing(std::unique_ptr<kernels::CpuStrategy> inner, bool fail)
      : inner_(std::move(inner)), fail_(fail) {}
  void gaussian5x5(kernels::View<const float> in, kernels::View<float> out) override {
    inner_->gaussian5x5(in, out);
  }
  void sobel_magnitude(kernels::View<const float> in, kernels::View<float> out) override {
    inner_->sobel_magnitude(in, out);
  }
  float maximum(kernels::View<const float> in) override { return inner_->maximum(in); }
  void histogram(kernels::View<const float> m, float s, kernels::Histogram& h) override {
    inner_->histogram(m, s, h);
  }
  void background_mask(kernels::View<const float> m, float s, int t,
                       kernels::View<std::uint8_t> out) override {
    inner_->background_mask(m, s, t, out);
  }
  void erode3x3(kernels::View<const std::uint8_t> in, kernels::View<std::uint8_t> out) override {
    inner_->erode3x3(in, out);
  }
  void dilate3x3(kernels::View<const std::uint8_t> in, kernels::View<std::uint8_t> out) override {
    inner_->dilate3x3(in, out);
  }
  std::int64_t count_nonzero(kernels::View<const std::uint8_t> in) override {
    return inner_->count_nonzero(in);
  }
  void stage_a(kernels::TileWork<float>& t) override {
    if (fail_) throw nsperf::KernelError("stage A failed here");
    CpuStrategy::stage_a(t);
  }

 private:
  std::unique_ptr<kernels::CpuStrategy> inner_;
  bool fail_;
};

}  // namespace

TEST_F(Pipeline, AStageFailingOnOneRankStopsEveryRankAtTheNextReduction) {
  const int bad = world.size() - 1;
  Throwing strategy(kernels::cpu_strategies().at("scalar", "strategy").make({1}),
                    world.rank() == bad);
  std::vector<kernels::TileWork<float>> tiles;
  tiles.emplace_back(core::Image({14, 14}, core::DType::u8), core::Rect{0, 0, 4, 4},
                     core::Extent{4, 4});
  mpi::MpiReduce reduce(world);
  std::string what;
  try {
    (void)kernels::run_pipeline(strategy, tiles, reduce);
  } catch (const nsperf::KernelError& e) {
    what = e.what();
  }
  EXPECT_EQ(what,
            world.rank() == bad ? "stage A failed here" : "the pipeline failed on another rank");
}

TEST_F(Pipeline, RunClockIsSharedAndMonotonic) {
  const mpi::RunClock clock(world);
  const double a = clock.now();
  const double b = clock.now();
  EXPECT_GE(b, a);
  EXPECT_GE(a, -1.0) << "starts near zero on every rank";
  EXPECT_LT(a, 10.0);
  EXPECT_GE(clock.uncertainty_s(), 0.0);
  EXPECT_LT(clock.uncertainty_s(), 0.1);
  if (world.rank() == 0) {
    EXPECT_EQ(clock.uncertainty_s(), 0.0);
  }
}
