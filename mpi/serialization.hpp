#pragma once
// Boost.Serialization for the records that travel between ranks as structured messages.
// Non-intrusive, so that core stays free of Boost. Private to nsperf::mpi.

#include <boost/serialization/string.hpp>
#include <boost/serialization/vector.hpp>

#include "nsperf/core/provenance.hpp"
#include "nsperf/core/records.hpp"
#include "nsperf/core/tile_plan.hpp"

namespace boost::serialization {

template <class Archive, class Enum>
void serialize_enum(Archive& ar, Enum& e) {
  auto v = static_cast<int>(e);
  ar& v;
  e = static_cast<Enum>(v);
}

template <class Archive>
void serialize(Archive& ar, nsperf::core::Extent& e, unsigned /*version*/) {
  ar& e.width& e.height;
}

template <class Archive>
void serialize(Archive& ar, nsperf::core::ImageSpec& s, unsigned /*version*/) {
  ar& s.extent;
  serialize_enum(ar, s.dtype);
}

template <class Archive>
void serialize(Archive& ar, nsperf::core::Rect& r, unsigned /*version*/) {
  ar& r.x& r.y& r.width& r.height;
}

template <class Archive>
void serialize(Archive& ar, nsperf::core::TilePlan& p, unsigned /*version*/) {
  ar& p.image& p.tile_size& p.halo& p.ranks& p.tiles& p.owner;
  serialize_enum(ar, p.partitioner);
}

template <class Archive>
void serialize(Archive& ar, nsperf::core::Sample& s, unsigned /*version*/) {
  ar& s.optimizer& s.strategy& s.kernel& s.image& s.rank& s.repetition& s.tiles& s.seconds& s
      .bytes& s.pixels& s.peak_rss_bytes& s.checksum& s.max_abs_error& s.tolerance;
  serialize_enum(ar, s.check);
}

template <class Archive>
void serialize(Archive& ar, nsperf::core::Provenance& p, unsigned /*version*/) {
  ar& p.run_id& p.command_line& p.start_time& p.end_time& p.nsperf_version& p.git_commit& p
      .compiler& p.build_type& p.build_flags& p.simd_isa& p.hosts& p.cpu_model& p.cores& p
      .memory_bytes& p.libraries& p.ranks& p.threads_per_rank& p.omp_binding& p.rank_binding& p
      .config_json& p.slurm_job;
}

}  // namespace boost::serialization
