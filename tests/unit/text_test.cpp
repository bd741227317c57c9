#include "nsperf/core/text.hpp"

#include <gtest/gtest.h>

#include <vector>

namespace core = nsperf::core;

TEST(Text, EditDistance) {
  EXPECT_EQ(core::edit_distance("", ""), 0u);
  EXPECT_EQ(core::edit_distance("abc", ""), 3u);
  EXPECT_EQ(core::edit_distance("kitten", "sitting"), 3u);
  EXPECT_EQ(core::edit_distance("repetitons", "repetitions"), 1u);
}

TEST(Text, NearestNameOnlyForPlausibleTypos) {
  const std::vector<std::string> names{"--force", "--append", "--output"};
  EXPECT_EQ(core::nearest_name("--forse", names), "--force");
  EXPECT_EQ(core::nearest_name("--appned", names), "--append");
  EXPECT_FALSE(core::nearest_name("--banana-split", names).has_value());
}

TEST(Text, NearestNameTakesAnAbbreviationOfOneName) {
  const std::vector<std::string> commands{"benchmark", "compare", "config", "run", "verify"};
  EXPECT_EQ(core::nearest_name("bench", commands), "benchmark");
  EXPECT_EQ(core::nearest_name("ver", commands), "verify");
  EXPECT_FALSE(core::nearest_name("xy", {commands}).has_value());
  const std::vector<std::string> two{"benchmark", "bench-opencv"};
  EXPECT_FALSE(core::nearest_name("bench", two).has_value()) << "it abbreviates both";
}

TEST(Text, UnknownNameMessage) {
  const std::vector<std::string> names{"scalar", "openmp"};
  EXPECT_EQ(core::unknown_name_message("strategy", "opnemp", names),
            "unknown strategy 'opnemp'; did you mean 'openmp'? (valid: scalar, openmp)");
  EXPECT_EQ(core::unknown_name_message("strategy", "zzzzzzzz", names),
            "unknown strategy 'zzzzzzzz' (valid: scalar, openmp)");
}
