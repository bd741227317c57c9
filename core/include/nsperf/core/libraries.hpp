#pragma once
/// \file The libraries this build links, registered where each is used (the file that reads
/// TIFF registers libtiff), so that provenance and `nsperf info` name every one with its version.
///
///   NSPERF_REGISTER_LIBRARY(Zstd, "zstd", ZSTD_versionString());

#include <string>
#include <string_view>

#include "nsperf/core/registry.hpp"

namespace nsperf::core {

struct LibraryInfo {
  std::string name;     ///< as users know it: "libtiff", "SQLite"
  std::string version;  ///< as the library reports it at run time where it can
};

/// Every registered library, by name.
Registry<LibraryInfo>& libraries();

/// "libtiff 4.5.0; OpenJPEG 2.5.0; ...": every registered library, `; `-separated.
std::string registered_library_versions();

namespace detail {
bool register_library(LibraryInfo info);
}  // namespace detail

}  // namespace nsperf::core

#define NSPERF_REGISTER_LIBRARY(Id, name, version)                            \
  namespace {                                                                 \
  [[maybe_unused]] const bool nsperf_registered_library_##Id =                \
      ::nsperf::core::detail::register_library({name, std::string(version)}); \
  }
