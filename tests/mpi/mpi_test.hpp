#pragma once
// Base fixture for tests under mpiexec: after each test, ranks all-reduce whether it failed
// anywhere, and rank 0 records a failure naming the ranks, so its report is the whole truth.
#include <gtest/gtest.h>

#include <boost/mpi/collectives.hpp>
#include <boost/mpi/communicator.hpp>
#include <string>
#include <vector>

class MpiTest : public ::testing::Test {
 protected:
  boost::mpi::communicator world;

  void TearDown() override {
    const int mine = HasFailure() ? 1 : 0;
    std::vector<int> all;
    boost::mpi::gather(world, mine, all, 0);
    if (world.rank() != 0) return;
    std::string failed;
    for (std::size_t r = 1; r < all.size(); ++r) {
      if (all[r] != 0) failed += (failed.empty() ? "" : ",") + std::to_string(r);
    }
    if (!failed.empty()) ADD_FAILURE() << "failed on rank(s) " << failed << " (see their output)";
  }
};
