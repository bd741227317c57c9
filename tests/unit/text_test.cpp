#include "nsperf/core/text.hpp"

#include <gtest/gtest.h>

#include <vector>

#include "nsperf/core/error.hpp"

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

TEST(Text, ByteSizesFromARangeOfPowersOfTwoOrAList) {
  const std::int64_t gib = std::int64_t{1} << 30;
  EXPECT_EQ(core::parse_byte_sizes("8:64", gib), (std::vector<std::int64_t>{8, 16, 32, 64}));
  EXPECT_EQ(core::parse_byte_sizes("1K:4k", gib), (std::vector<std::int64_t>{1024, 2048, 4096}));
  EXPECT_EQ(core::parse_byte_sizes("3:20", gib), (std::vector<std::int64_t>{3, 6, 12}));
  EXPECT_EQ(core::parse_byte_sizes("1KiB,272484,4M,1G", gib),
            (std::vector<std::int64_t>{1024, 272484, 4 << 20, gib}));
  EXPECT_EQ(core::parse_byte_sizes("512B", gib), (std::vector<std::int64_t>{512}));
  EXPECT_EQ(core::parse_byte_sizes("8:4M", gib).size(), 20U);
}

TEST(Text, ByteSizesThatAreNotSaySoAndWhatIsValid) {
  const std::int64_t gib = std::int64_t{1} << 30;
  for (const char* bad : {"", "abc", "8:", ":8", "0:8", "8:4", "8,8", "16,8", "1K,x", "8:4X",
                          "-8:16", "8:2G", "99999999999999G", "1,,2"}) {
    EXPECT_THROW((void)core::parse_byte_sizes(bad, gib), nsperf::InputError) << bad;
  }
  try {
    (void)core::parse_byte_sizes("8:4X", gib);
  } catch (const nsperf::InputError& e) {
    EXPECT_NE(std::string(e.what()).find("valid: MIN:MAX"), std::string::npos) << e.what();
  }
}
