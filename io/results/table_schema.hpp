#pragma once
// A stored table's schema, written once: one list of columns per table, from which its HDF5
// compound type, its writer and its reader follow. A column names the stored member, its
// stored type, and the path of C++ members it comes from, e.g.
//
//   TableSchema<core::Sample>()
//       .text<32>("optimizer", &core::Sample::optimizer)
//       .column<std::int64_t>("width", &core::Sample::image, &core::ImageSpec::extent,
//                             &core::Extent::width)
//
// Rows are stored packed, in the order of the list. Reading goes by member name, as HDF5
// converts compound types, so a file written with fewer or reordered members still reads: a
// member the file lacks keeps the record's default. (HighFive's registered compound types are
// the idea.) Private to nsperf::io.

#include <hdf5.h>
#include <mpi.h>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <functional>
#include <limits>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "nsperf/core/error.hpp"
#include "nsperf/core/image.hpp"
#include "nsperf/core/profiler.hpp"
#include "nsperf/core/records.hpp"
#include "nsperf/io/hdf5.hpp"

namespace nsperf::io::detail {

// The member a path of member pointers leads to: member_at(s, &Sample::image, &ImageSpec::extent).
template <class R, class M, class... Rest>
decltype(auto) member_at(R& record, M member, Rest... rest) {
  if constexpr (sizeof...(Rest) == 0) {
    return (record.*member);
  } else {
    return member_at(record.*member, rest...);
  }
}

// Text of the values stored as text columns, and back (an unknown text reads as the default).
inline std::string stored_text(const std::string& v) { return v; }
inline std::string stored_text(core::DType v) { return std::string(core::to_string(v)); }
inline std::string stored_text(core::CheckStatus v) { return std::string(core::to_string(v)); }
inline std::string stored_text(core::RegionKind v) { return core::to_string(v); }
inline void from_stored_text(std::string text, std::string& v) { v = std::move(text); }
inline void from_stored_text(const std::string& text, core::DType& v) {
  v = core::parse_dtype(text).value_or(core::DType::u8);
}
inline void from_stored_text(const std::string& text, core::CheckStatus& v) {
  v = core::parse_check_status(text).value_or(core::CheckStatus::not_checked);
}
inline void from_stored_text(const std::string& text, core::RegionKind& v) {
  v = text == "mpi" ? core::RegionKind::mpi : core::RegionKind::code;
}

template <class S>
hid_t native_type() {
  if constexpr (std::is_same_v<S, std::int8_t>) return H5T_NATIVE_INT8;
  if constexpr (std::is_same_v<S, std::int32_t>) return H5T_NATIVE_INT32;
  if constexpr (std::is_same_v<S, std::int64_t>) return H5T_NATIVE_INT64;
  if constexpr (std::is_same_v<S, std::uint64_t>) return H5T_NATIVE_UINT64;
  if constexpr (std::is_same_v<S, double>) return H5T_NATIVE_DOUBLE;
}

template <class Record>
class TableSchema {
 public:
  /// A number column stored as S (int8, int32, int64, uint64 or double); the member converts to
  /// S and back (a negative count reads as 0).
  template <class S, class... Path>
  TableSchema& column(const char* name, Path... path) {
    static_assert(std::is_arithmetic_v<S>);
    Column c{name, offset_, sizeof(S), /*text=*/false, native_type<S>(), {}, {}};
    c.put = [=](const Record& r, std::byte* at) {
      const S v = static_cast<S>(member_at(r, path...));
      std::memcpy(at, &v, sizeof v);
    };
    c.get = [=](const std::byte* at, Record& r) {
      S v;
      std::memcpy(&v, at, sizeof v);
      auto& m = member_at(r, path...);
      using M = std::remove_reference_t<decltype(m)>;
      if constexpr (std::is_unsigned_v<M> && std::is_signed_v<S>) {
        m = v < 0 ? M{0} : static_cast<M>(v);
      } else {
        m = static_cast<M>(v);
      }
    };
    add(std::move(c));
    return *this;
  }

  /// What a number the record uses for "not measured" looks like.
  enum class Absent : std::uint8_t {
    negative,     ///< below 0 (times, fractions, imbalance: -1 in the record)
    not_positive  ///< 0 or below (speedups and bandwidth fractions: 0 in the record)
  };

  /// A float64 column whose "not measured" is stored as NaN, so that readers of the file (pandas
  /// among them) never average a sentinel: written as NaN when the member is `absent`, read back
  /// as -1 (negative) or 0 (not_positive). A file of an older schema that stored the sentinel
  /// itself reads the same.
  template <class... Path>
  TableSchema& measured(const char* name, Absent absent, Path... path) {
    Column c{name, offset_, sizeof(double), /*text=*/false, H5T_NATIVE_DOUBLE, {}, {}};
    c.put = [=](const Record& r, std::byte* at) {
      double v = static_cast<double>(member_at(r, path...));
      if (absent == Absent::negative ? v < 0 : !(v > 0))
        v = std::numeric_limits<double>::quiet_NaN();
      std::memcpy(at, &v, sizeof v);
    };
    c.get = [=](const std::byte* at, Record& r) {
      double v;
      std::memcpy(&v, at, sizeof v);
      if (std::isnan(v)) v = absent == Absent::negative ? -1.0 : 0.0;
      member_at(r, path...) = v;
    };
    add(std::move(c));
    return *this;
  }

  /// A text column of N bytes (NUL-terminated: at most N - 1 characters; longer text is cut)
  /// from a string or a value with a text form (dtype, check status, region kind).
  template <std::size_t N, class... Path>
  TableSchema& text(const char* name, Path... path) {
    Column c{name, offset_, N, /*text=*/true, -1, {}, {}};
    c.put = [=](const Record& r, std::byte* at) {
      const std::string s = stored_text(member_at(r, path...));
      std::memset(at, 0, N);
      std::memcpy(at, s.data(), std::min(s.size(), N - 1));
    };
    c.get = [=](const std::byte* at, Record& r) {
      const char* chars = reinterpret_cast<const char*>(at);
      from_stored_text(std::string(chars, strnlen(chars, N)), member_at(r, path...));
    };
    add(std::move(c));
    return *this;
  }

  /// Adds the columns several tables share, in their order: group(*this).
  template <class Group>
  TableSchema& with(Group group) {
    group(*this);
    return *this;
  }

  /// The compound type of a stored row, in memory (packed).
  [[nodiscard]] Handle type() const {
    Compound compound(offset_);
    for (const auto& c : columns_) {
      if (c.text) {
        compound.add_string(c.name, c.offset, c.size);
      } else {
        compound.add(c.name, c.offset, c.native);
      }
    }
    return compound.take();
  }

  /// Collective over `comm`: dataset `name` in `group` of every rank's `records` (write_rows).
  void write(hid_t group, const char* name, std::span<const Record> records, MPI_Comm comm) const {
    std::vector<std::byte> bytes(records.size() * offset_);
    for (std::size_t i = 0; i < records.size(); ++i)
      for (const auto& c : columns_) c.put(records[i], bytes.data() + i * offset_ + c.offset);
    write_rows(group, name, type().get(), bytes.data(), records.size(), comm);
  }

  /// Every row of the open `dataset`; `what` names it in messages ("FILE: runs/ID/summary").
  /// Throws InputError when it is not a table or cannot be read.
  [[nodiscard]] std::vector<Record> read(hid_t dataset, const std::string& what) const {
    const std::size_t count = table_rows(dataset, what);
    // Zeroed: a member the file lacks is left as the record's default below.
    std::vector<std::byte> bytes(count * offset_);
    std::vector<std::byte> defaults(offset_);
    const Record fresh{};
    for (const auto& c : columns_) c.put(fresh, defaults.data() + c.offset);
    for (std::size_t i = 0; i < count; ++i)
      std::memcpy(bytes.data() + i * offset_, defaults.data(), offset_);
    if (count > 0 &&
        H5Dread(dataset, type().get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, bytes.data()) < 0) {
      throw InputError(what + " cannot be read (" + hdf5_message() + ")");
    }
    std::vector<Record> records(count);
    for (std::size_t i = 0; i < count; ++i)
      for (const auto& c : columns_) c.get(bytes.data() + i * offset_ + c.offset, records[i]);
    return records;
  }

 private:
  struct Column {
    const char* name;
    std::size_t offset;
    std::size_t size;
    bool text;
    hid_t native;
    std::function<void(const Record&, std::byte*)> put;
    std::function<void(const std::byte*, Record&)> get;
  };

  void add(Column c) {
    offset_ += c.size;
    columns_.push_back(std::move(c));
  }

  std::vector<Column> columns_;
  std::size_t offset_ = 0;
};

/// Where a tile is: tile_id, rank, x, y, width, height (a record with tile_id, rank and rect).
template <class R>
void placement_columns(TableSchema<R>& t) {
  t.template column<std::int64_t>("tile_id", &R::tile_id)
      .template column<std::int32_t>("rank", &R::rank)
      .template column<std::int64_t>("x", &R::rect, &core::Rect::x)
      .template column<std::int64_t>("y", &R::rect, &core::Rect::y)
      .template column<std::int64_t>("width", &R::rect, &core::Rect::width)
      .template column<std::int64_t>("height", &R::rect, &core::Rect::height);
}

}  // namespace nsperf::io::detail
