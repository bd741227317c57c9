#include "nsperf/core/sha256.hpp"

#include <fcntl.h>
#include <openssl/evp.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

#include "nsperf/core/error.hpp"

namespace nsperf::core {

struct Sha256::Context {
  EVP_MD_CTX* md = nullptr;
};

Sha256::Sha256() : context_(new Context) {
  context_->md = EVP_MD_CTX_new();
  if (context_->md == nullptr || EVP_DigestInit_ex(context_->md, EVP_sha256(), nullptr) != 1) {
    EVP_MD_CTX_free(context_->md);
    delete context_;
    throw Error("SHA-256: OpenSSL could not start a digest");
  }
}

Sha256::~Sha256() {
  EVP_MD_CTX_free(context_->md);
  delete context_;
}

void Sha256::update(std::span<const std::byte> bytes) {
  if (EVP_DigestUpdate(context_->md, bytes.data(), bytes.size()) != 1)
    throw Error("SHA-256: OpenSSL could not add to the digest");
}

std::string Sha256::hex_digest() {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  if (EVP_DigestFinal_ex(context_->md, digest, &size) != 1)
    throw Error("SHA-256: OpenSSL could not finish the digest");
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(2 * size);
  for (unsigned int i = 0; i < size; ++i) {
    out += kHex[digest[i] >> 4];
    out += kHex[digest[i] & 0xf];
  }
  return out;
}

std::string sha256_file(const std::filesystem::path& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw IoError(path.string() + ": cannot be read (" + std::strerror(errno) + ")");
  Sha256 hash;
  std::vector<std::byte> piece(std::size_t{4} << 20);
  for (;;) {
    const ssize_t n = ::read(fd, piece.data(), piece.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      const int e = errno;
      ::close(fd);
      throw IoError(path.string() + ": read failed (" + std::strerror(e) + ")");
    }
    if (n == 0) break;
    hash.update(std::span(piece.data(), static_cast<std::size_t>(n)));
  }
  ::close(fd);
  return hash.hex_digest();
}

}  // namespace nsperf::core
