#include "nsperf/mpi/phase.hpp"

#include <cstdlib>
#include <new>

#include "mpi_test.hpp"

namespace mpi = nsperf::mpi;
using nsperf::ExitCode;

namespace {

// Runs a phase in which `fail` decides, per rank, whether to throw; returns what this rank saw.
struct Outcome {
  bool failed = false;
  ExitCode code = ExitCode::success;
  std::string message;
};

template <class Throw>
Outcome outcome_of(const boost::mpi::communicator& world, Throw&& maybe_throw) {
  Outcome o;
  try {
    mpi::run_phase(world, "test", [&] { maybe_throw(world.rank()); });
  } catch (const mpi::PhaseFailed& e) {
    o = {true, e.exit_code(), e.what()};
  }
  return o;
}

}  // namespace

class Phase : public MpiTest {};

TEST_F(Phase, ReturnsTheValueWhenEveryRankSucceeds) {
  const int v = mpi::run_phase(world, "ok", [&] { return world.rank() * 2; });
  EXPECT_EQ(v, world.rank() * 2);
}

TEST_F(Phase, OneRankThrowingStopsEveryRankWithOneMessage) {
  for (int bad = 0; bad < world.size(); ++bad) {
    const auto o = outcome_of(world, [bad](int rank) {
      if (rank == bad) throw nsperf::InputError("bad input on this rank");
    });
    EXPECT_TRUE(o.failed) << "rank " << world.rank() << " went on alone (bad rank " << bad << ")";
    EXPECT_EQ(o.code, ExitCode::usage);
    if (world.rank() == 0) {
      const std::string expected = world.size() == 1
                                       ? "bad input on this rank"
                                       : "rank " + std::to_string(bad) + ": bad input on this rank";
      EXPECT_EQ(o.message, expected);
    }
  }
}

TEST_F(Phase, TheSameErrorOnEveryRankIsPrintedOnceWithoutRanks) {
  const auto o = outcome_of(world, [](int) { throw nsperf::UsageError("unknown option '--x'"); });
  EXPECT_TRUE(o.failed);
  if (world.rank() == 0) {
    EXPECT_EQ(o.message, "unknown option '--x'");
  }
}

TEST_F(Phase, DistinctErrorsAreListedAndTheMostSevereCodeWins) {
  if (world.size() < 2) GTEST_SKIP() << "needs 2 ranks";
  const int last = world.size() - 1;
  const auto o = outcome_of(world, [last](int rank) {
    if (rank == 0) throw nsperf::IoError("disk full");
    if (rank == last) throw nsperf::InputError("bad tile");
  });
  EXPECT_TRUE(o.failed);
  EXPECT_EQ(o.code, ExitCode::usage);
  if (world.rank() == 0) {
    EXPECT_NE(o.message.find("rank 0: disk full"), std::string::npos) << o.message;
    EXPECT_NE(o.message.find("rank " + std::to_string(last) + ": bad tile"), std::string::npos)
        << o.message;
  }
}

TEST_F(Phase, ForeignExceptionsAndOutOfMemoryAreReported) {
  const auto o = outcome_of(world, [](int rank) {
    if (rank == 0) throw std::bad_alloc();
  });
  EXPECT_TRUE(o.failed);
  EXPECT_EQ(o.code, ExitCode::runtime);
  if (world.rank() == 0) {
    EXPECT_NE(o.message.find("out of memory during test"), std::string::npos) << o.message;
  }
}

TEST_F(Phase, FaultInjectionHitsTheNamedRankAndPhaseOnly) {
  const int target = world.size() - 1;
  ::setenv("NSPERF_FAULT", ("rank:" + std::to_string(target) + ",phase:chosen").c_str(), 1);
  EXPECT_NO_THROW(mpi::run_phase(world, "other", [] {}));
  const auto o = outcome_of(world, [](int) {});  // phase "test": not chosen
  EXPECT_FALSE(o.failed);
  bool failed = false;
  try {
    mpi::run_phase(world, "chosen", [] {});
  } catch (const mpi::PhaseFailed& e) {
    failed = true;
    if (world.rank() == 0) {
      EXPECT_NE(std::string(e.what()).find("NSPERF_FAULT"), std::string::npos);
    }
  }
  ::unsetenv("NSPERF_FAULT");
  EXPECT_TRUE(failed);
}
