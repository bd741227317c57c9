#pragma once
// Boost.Serialization for the records that travel between ranks as structured messages.
// Non-intrusive, so that core stays free of Boost. Private to nsperf::mpi.

#include <boost/serialization/string.hpp>
#include <boost/serialization/utility.hpp>
#include <boost/serialization/vector.hpp>

#include "nsperf/core/provenance.hpp"
#include "nsperf/core/records.hpp"
#include "nsperf/core/regions.hpp"
#include "nsperf/core/tile_plan.hpp"
#include "nsperf/io/image_index.hpp"
#include "nsperf/io/output_file.hpp"
#include "nsperf/mpi/batch.hpp"

namespace boost::serialization {

template <class Archive, class Enum>
void serialize_enum(Archive& ar, Enum& e) {
  auto v = static_cast<int>(e);
  ar& v;
  e = static_cast<Enum>(v);
}

// Each member on its own line: a field added to a record must be added here too.
// clang-format off
template <class Archive>
void serialize(Archive& ar, nsperf::core::Extent& e, unsigned /*version*/) {
  ar & e.width;
  ar & e.height;
}

template <class Archive>
void serialize(Archive& ar, nsperf::core::ImageSpec& s, unsigned /*version*/) {
  ar & s.extent;
  serialize_enum(ar, s.dtype);
}

template <class Archive>
void serialize(Archive& ar, nsperf::core::Rect& r, unsigned /*version*/) {
  ar & r.x;
  ar & r.y;
  ar & r.width;
  ar & r.height;
}

template <class Archive>
void serialize(Archive& ar, nsperf::io::RankStages& r, unsigned /*version*/) {
  ar & r.rank;
  ar & r.start_s;
  ar & r.read_s;
  ar & r.pipeline_s;
  ar & r.check_s;
  ar & r.write_s;
  ar & r.bytes_read;
}

template <class Archive>
void serialize(Archive& ar, nsperf::io::ImageIndexRow& r, unsigned /*version*/) {
  ar & r.image;
  ar & r.output;
  ar & r.status;
  ar & r.error;
  ar & r.rank;
  ar & r.ranks;
  ar & r.width;
  ar & r.height;
  ar & r.tiles;
  ar & r.threshold;
  ar & r.negative_space_fraction;
  ar & r.setup_s;
  ar & r.read_s;
  ar & r.pipeline_s;
  ar & r.check_s;
  ar & r.write_s;
  ar & r.close_s;
  ar & r.wall_s;
}

template <class Archive>
void serialize(Archive& ar, nsperf::mpi::BatchImage& b, unsigned /*version*/) {
  ar & b.image;
  ar & b.output;
  serialize_enum(ar, b.action);
  ar & b.file_bytes;
}

template <class Archive>
void serialize(Archive& ar, nsperf::core::TilePlan& p, unsigned /*version*/) {
  ar & p.image;
  ar & p.tile_size;
  ar & p.halo;
  ar & p.ranks;
  ar & p.tiles;
  ar & p.owner;
  serialize_enum(ar, p.partitioner);
  ar & p.chunk;
}

template <class Archive>
void serialize(Archive& ar, nsperf::core::Sample& s, unsigned /*version*/) {
  ar & s.optimizer;
  ar & s.strategy;
  ar & s.kernel;
  ar & s.image;
  ar & s.rank;
  ar & s.repetition;
  ar & s.tiles;
  ar & s.seconds;
  ar & s.start_s;
  ar & s.end_s;
  ar & s.bytes;
  ar & s.pixels;
  ar & s.peak_rss_bytes;
  ar & s.checksum;
  serialize_enum(ar, s.check);
  ar & s.max_abs_error;
  ar & s.tolerance;
  ar & s.differing;
  ar & s.rss_increase_bytes;
  ar & s.held_bytes;
  ar & s.allocations;
  ar & s.queue_bytes;
  ar & s.busy_s;
  ar & s.idle_s;
  ar & s.transfer_s;
  ar & s.io_s;
  ar & s.wire_bytes;
}

template <class Archive>
void serialize(Archive& ar, nsperf::core::Provenance& p, unsigned /*version*/) {
  ar & p.run_id;
  ar & p.command_line;
  ar & p.start_time;
  ar & p.end_time;
  ar & p.nsperf_version;
  ar & p.git_commit;
  ar & p.compiler;
  ar & p.build_type;
  ar & p.build_flags;
  ar & p.simd_isa;
  ar & p.hosts;
  ar & p.cpu_model;
  ar & p.cores;
  ar & p.memory_bytes;
  ar & p.libraries;
  ar & p.ranks;
  ar & p.threads_per_rank;
  ar & p.omp_binding;
  ar & p.rank_binding;
  ar & p.config_json;
  ar & p.slurm_job;
  ar & p.load_average;
  ar & p.cpu_governor;
  ar & p.bandwidth_gbyte_per_s;
  ar & p.clock_uncertainty_s;
  ar & p.region_overhead_s;
  ar & p.cut_ahead_gbyte_per_s;
  ar & p.cut_ahead_apart_gbyte_per_s;
  ar & p.handover_waiting_s;
  ar & p.handover_computing_s;
  ar & p.handover_slice_s;
  ar & p.busy_cores_slowdown;
  ar & p.busy_cores;
  ar & p.sending_ns_per_byte;
  ar & p.warnings;
  ar & p.notes;
  ar & p.image;
  ar & p.input_sha256;
}
template <class Archive>
void serialize(Archive& ar, nsperf::core::RegionRecord& r, unsigned /*version*/) {
  ar & r.path;
  ar & r.name;
  ar & r.depth;
  serialize_enum(ar, r.kind);
  ar & r.calls;
  ar & r.inclusive_s;
  ar & r.exclusive_s;
}

template <class Archive>
void serialize(Archive& ar, nsperf::core::RankRegion& r, unsigned /*version*/) {
  ar & r.rank;
  ar & r.region;
}
// clang-format on

}  // namespace boost::serialization
