#pragma once
/// \file Small text helpers for messages: nearest-name suggestions and joining.

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace nsperf::core {

/// Edit distance (insertions, deletions, substitutions) between two strings.
std::size_t edit_distance(std::string_view a, std::string_view b);

/// The candidate closest to `name` if it is close enough to be a plausible typo, or else the one
/// candidate that `name` (3 characters or more) abbreviates; nullopt otherwise.
std::optional<std::string> nearest_name(std::string_view name,
                                        std::span<const std::string> candidates);

/// "a, b, c".
std::string join(std::span<const std::string> items, std::string_view separator = ", ");

/// "1.5 GiB": binary units, three significant digits.
std::string format_bytes(double bytes);

/// Byte sizes from "MIN:MAX" (every power of two times MIN from MIN up to MAX: "8:4M" is 8 B,
/// 16 B, ... 4 MiB, OSU's sweep) or a comma list ("1K,272484,4M"), each a whole number with an
/// optional binary suffix K, M or G (KiB, MiB, GiB also read). Increasing, without repeats, each
/// from 1 to `largest`. Throws InputError saying what is wrong and what is valid.
std::vector<std::int64_t> parse_byte_sizes(std::string_view text, std::int64_t largest);

/// `value` with `digits` significant digits ("12.3", "0.0451"), as printf's %g.
std::string format_number(double value, int digits);

/// "unknown <what> 'name'; did you mean 'x'? valid: a, b, c" (the suggestion only when close).
std::string unknown_name_message(std::string_view what, std::string_view name,
                                 std::span<const std::string> valid);

}  // namespace nsperf::core
