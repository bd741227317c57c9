#include "nsperf/core/libraries.hpp"

#include <openssl/crypto.h>

namespace nsperf::core {

Registry<LibraryInfo>& libraries() {
  static Registry<LibraryInfo> registry;
  return registry;
}

std::string registered_library_versions() {
  std::string out;
  for (const auto& l : libraries().entries())
    out += (out.empty() ? "" : "; ") + l.name + " " + l.version;
  return out;
}

namespace detail {
bool register_library(LibraryInfo info) {
  libraries().add(std::move(info));
  return true;
}
}  // namespace detail

}  // namespace nsperf::core

// core hashes input files with OpenSSL (sha256.cpp).
NSPERF_REGISTER_LIBRARY(OpenSsl, "OpenSSL", OpenSSL_version(OPENSSL_VERSION_STRING))
