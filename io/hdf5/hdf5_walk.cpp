// A walk of an HDF5 file's groups that always ends. HDF5's own recursive visit (H5Lvisit,
// H5Ovisit) remembers only objects with more than one link, so a damaged file whose group links
// to itself while its header counts one link is visited forever (found by the fuzzer: 59 levels
// deep and still going after 60 s). This walk remembers every object by address, checks the
// links it finds against the counts the objects' headers keep, and is bounded in depth, links
// and time, so that a nicety such as listing a file's datasets in a message never costs a hang.
#include <sys/stat.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstring>
#include <optional>
#include <unordered_map>

#include "nsperf/core/error.hpp"
#include "nsperf/io/hdf5.hpp"

namespace nsperf::io {
namespace {

constexpr int kMaxDepth = 64;                // deeper groups are left unwalked
constexpr std::size_t kMaxLinks = 100'000;   // links examined in all
constexpr std::chrono::seconds kMaxTime{2};  // a file on a slow file system

// An object as the walk tells objects apart: its address in the file (a token from HDF5 1.12).
struct Object {
  std::string key;
  H5O_type_t type = H5O_TYPE_UNKNOWN;
  unsigned links = 0;  // hard links to it, as its header counts them
};

std::optional<Object> object_at(hid_t loc, const char* name) {
  Object o;
#if H5_VERSION_GE(1, 12, 0)
  H5O_info2_t info;
  if (H5Oget_info_by_name3(loc, name, &info, H5O_INFO_BASIC, H5P_DEFAULT) < 0) return std::nullopt;
  o.key.assign(reinterpret_cast<const char*>(&info.token), sizeof info.token);
#else
  H5O_info_t info;
  if (H5Oget_info_by_name2(loc, name, &info, H5O_INFO_BASIC, H5P_DEFAULT) < 0) return std::nullopt;
  o.key.assign(reinterpret_cast<const char*>(&info.addr), sizeof info.addr);
#endif
  o.type = info.type;
  o.links = info.rc;
  return o;
}

struct Names {
  std::vector<std::string> hard;
  std::size_t* links;  // the walk's count of links examined
  bool stopped = false;
};

herr_t collect_link(hid_t /*group*/, const char* name, const H5L_info_t* info, void* data) {
  auto* names = static_cast<Names*>(data);
  if (++*names->links > kMaxLinks) {
    names->stopped = true;
    return 1;
  }
  // Soft and external links are names, not structure: they are not followed (nor by H5Lvisit).
  if (info->type == H5L_TYPE_HARD) names->hard.emplace_back(name);
  return 0;
}

class Walker {
 public:
  explicit Walker(std::size_t list) : list_(list) {}

  GroupWalk run(hid_t file) {
    // The root is linked from the superblock, which its header counts as one link.
    if (const auto root = object_at(file, "/")) {
      seen_.emplace(root->key, Seen{"/", root->links, 1});
      group(file, "/", 0);
    } else {
      H5Eclear2(H5E_DEFAULT);
      out_.complete = false;
    }
    return std::move(out_);
  }

 private:
  struct Seen {
    std::string path;  // where the walk first reached it
    unsigned counted;  // links its header counts
    unsigned found;    // links the walk found
  };

  bool stopped() {
    if (!out_.damage.empty() || done_) return true;
    if (std::chrono::steady_clock::now() - start_ > kMaxTime) {
      out_.complete = false;
      done_ = true;
    }
    return done_;
  }

  void group(hid_t g, const std::string& path, int depth) {
    Names names{{}, &links_};
    // By name, in increasing order: the order h5dump and h5py list them in.
    if (H5Literate(g, H5_INDEX_NAME, H5_ITER_INC, nullptr, collect_link, &names) < 0) {
      H5Eclear2(H5E_DEFAULT);  // a group that cannot be listed: what it holds is not walked
      out_.complete = false;
    }
    if (names.stopped) {
      out_.complete = false;
      done_ = true;
    }
    for (const auto& name : names.hard) {
      if (stopped()) return;
      const std::string child = (path == "/" ? "/" : path + "/") + name;
      const auto object = object_at(g, name.c_str());
      if (!object) {
        H5Eclear2(H5E_DEFAULT);
        out_.complete = false;
        continue;
      }
      auto [it, fresh] = seen_.try_emplace(object->key, Seen{child, object->links, 0});
      Seen& seen = it->second;
      if (++seen.found > seen.counted) {
        // More links lead to it than its header counts: HDF5 never writes that; it is how a
        // group that contains itself looks when the file is damaged.
        const bool loop =
            child.compare(0, seen.path.size() + 1, seen.path == "/" ? "/" : seen.path + "/") == 0;
        out_.damage = loop ? "its groups loop (" + child + " leads back to " + seen.path + ")"
                           : child + " is one more link to " + seen.path + " than its header " +
                                 "counts (" + std::to_string(seen.counted) + ")";
        return;
      }
      if (!fresh) continue;  // a second, counted link: visited once
      if (object->type == H5O_TYPE_DATASET) {
        if (list_ > 0 && out_.datasets.size() == list_) {
          out_.complete = false;  // the listing has what it needs
          done_ = true;
          return;
        }
        if (list_ > 0) out_.datasets.push_back(child);
      } else if (object->type == H5O_TYPE_GROUP) {
        if (depth + 1 > kMaxDepth) {
          out_.complete = false;
          continue;
        }
        const hid_t sub = H5Gopen2(g, name.c_str(), H5P_DEFAULT);
        if (sub < 0) {
          H5Eclear2(H5E_DEFAULT);
          out_.complete = false;
          continue;
        }
        const Handle h(sub, H5Gclose);
        group(sub, child, depth + 1);
      }
    }
  }

  std::size_t list_;
  GroupWalk out_;
  std::unordered_map<std::string, Seen> seen_;
  std::size_t links_ = 0;
  bool done_ = false;
  std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
};

}  // namespace

GroupWalk walk_groups(hid_t file, std::size_t list_datasets) {
  return Walker(list_datasets).run(file);
}

void check_structure(hid_t file, const std::filesystem::path& path) {
  // A command opens the same file once per table it reads: a file is walked once per process,
  // and again if it changed (size or time). The last few files are remembered, in a ring
  // compared for equality only, so that nothing here depends on the order of inode numbers.
  struct Identity {
    std::string path;
    dev_t device;
    ino_t inode;
    off_t size;
    std::int64_t modified_ns;
    bool operator==(const Identity&) const = default;
  };
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return;  // opened a moment ago; HDF5 has it open
  const Identity id{
      path.string(), st.st_dev, st.st_ino, st.st_size,
      static_cast<std::int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec};
  static std::array<Identity, 16> intact;
  static std::size_t next = 0;
  if (std::find(intact.begin(), intact.end(), id) != intact.end()) return;
  const auto walk = walk_groups(file, 0);
  if (!walk.damage.empty()) throw InputError(path.string() + ": damaged HDF5 file: " + walk.damage);
  intact[next++ % intact.size()] = id;
}

}  // namespace nsperf::io
