#include "nsperf/core/sha256.hpp"

#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <string>

#include "nsperf/core/error.hpp"

namespace nsperf::core {
namespace {

std::string sha(const std::string& text) {
  Sha256 h;
  h.update(std::as_bytes(std::span(text.data(), text.size())));
  return h.hex_digest();
}

// FIPS 180-4 examples and NIST's long-message vector.
TEST(Sha256, KnownVectors) {
  EXPECT_EQ(sha(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(sha("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(sha("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  EXPECT_EQ(sha(std::string(1000000, 'a')),
            "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

// Pieces of any size give the digest of the whole, across every block-boundary case.
TEST(Sha256, IncrementalEqualsWhole) {
  std::string text;
  for (int i = 0; i < 300; ++i) text += static_cast<char>('a' + i % 26);
  const std::string whole = sha(text);
  for (std::size_t piece : {1UL, 7UL, 55UL, 56UL, 63UL, 64UL, 65UL, 128UL}) {
    Sha256 h;
    for (std::size_t at = 0; at < text.size(); at += piece) {
      const auto n = std::min(piece, text.size() - at);
      h.update(std::as_bytes(std::span(text.data() + at, n)));
    }
    EXPECT_EQ(h.hex_digest(), whole) << "piece " << piece;
  }
}

TEST(Sha256, FileEqualsBuffer) {
  const std::string path = testing::TempDir() + "/sha256_test.bin";
  std::string text(5 << 20, '\0');
  for (std::size_t i = 0; i < text.size(); ++i) text[i] = static_cast<char>(i * 2654435761u >> 13);
  std::ofstream(path, std::ios::binary) << text;
  EXPECT_EQ(sha256_file(path), sha(text));
  std::remove(path.c_str());
  EXPECT_THROW(sha256_file(path), IoError);
}

}  // namespace
}  // namespace nsperf::core
