#pragma once
/// \file SHA-256 (FIPS 180-4), for the source file's checksum in `nsperf run`'s output: the
/// value `sha256sum FILE` prints, so users can check the input with standard tools.

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
  Sha256() noexcept;
  /// Adds `bytes` to the message.
  void update(std::span<const std::byte> bytes) noexcept;
  /// The digest as 64 lowercase hex digits. The object is finished afterwards.
  std::string hex_digest() noexcept;

 private:
  void block(const std::uint8_t* p) noexcept;
  std::array<std::uint32_t, 8> state_;
  std::array<std::uint8_t, 64> buffer_{};
  std::size_t buffered_ = 0;
  std::uint64_t length_ = 0;  // bytes so far
};

/// SHA-256 of a file's contents, read in 4 MiB pieces. Throws IoError naming `path` if it
/// cannot be read.
std::string sha256_file(const std::filesystem::path& path);

}  // namespace nsperf::core
