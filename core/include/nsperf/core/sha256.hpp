#pragma once
/// \file SHA-256 (FIPS 180-4), for the source file's checksum in `nsperf run`'s output: the
/// value `sha256sum FILE` prints, so users can check the input with standard tools. Computed by
/// OpenSSL's libcrypto (its SHA extensions or vector code: 1.5 GB/s here, 8x the portable C
/// this replaced), since rank 0 hashes the whole input while the other ranks wait.

#include <array>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <span>
#include <string>

namespace nsperf::core {

/// Incremental SHA-256.
class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;
  /// Adds `bytes` to the message.
  void update(std::span<const std::byte> bytes);
  /// The digest as 64 lowercase hex digits. The object is finished afterwards.
  std::string hex_digest();

 private:
  struct Context;
  Context* context_;
};

/// SHA-256 of a file's contents, read in 4 MiB pieces. Throws IoError naming `path` if it
/// cannot be read.
std::string sha256_file(const std::filesystem::path& path);

}  // namespace nsperf::core
