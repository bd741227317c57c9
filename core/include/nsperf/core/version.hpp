#pragma once
/// \file Build identity: version, git commit, compiler and flags (generated at build time).

#include <string_view>

namespace nsperf::core {

/// The project version, e.g. "0.1.0".
std::string_view version() noexcept;
/// The git commit the binary was built from (12 hex digits, "-dirty" when the tree had
/// uncommitted changes, "unknown" outside a git checkout).
std::string_view git_commit() noexcept;
/// Compiler id and version, e.g. "GNU 12.2.0".
std::string_view compiler() noexcept;
/// CMake build type, e.g. "Release".
std::string_view build_type() noexcept;
/// The main compile flags the project's code was built with.
std::string_view build_flags() noexcept;

}  // namespace nsperf::core
