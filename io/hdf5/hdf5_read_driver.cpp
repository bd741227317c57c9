// The HDF5 file driver nsperf reads a user's files through: POSIX reads, as HDF5's own sec2
// driver does, plus one check HDF5 1.10 lacks. Reading a variable-length string (every run's
// provenance is stored as such) makes HDF5 decode the file's global heap collection that holds
// it, and HDF5 1.10.8 trusts what the collection says of its objects' sizes: an object of 0
// bytes makes its decoding loop forever, and one larger than the collection makes it copy past
// the collection's end (both found by the fuzzer, docs/fuzzing.md). Here each collection is
// checked the way HDF5 will walk it, as it is read, and a damaged one fails the read with a
// message naming it, which the caller reports as damage instead of hanging or crashing.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <string>

#include "nsperf/io/hdf5.hpp"

namespace nsperf::io {
namespace {

// One open file: HDF5's public part first (HDF5 fills it in and hands it back to the callbacks),
// then the driver's own. Standard layout, so the two pointers convert.
struct ReadFile {
  H5FD_t pub;
  int fd;
  haddr_t eoa;
  haddr_t eof;
  dev_t device;
  ino_t inode;
  unsigned length_size;  // the superblock's "size of lengths" (8 unless the file says otherwise)
};

ReadFile* of(H5FD_t* f) { return reinterpret_cast<ReadFile*>(f); }
const ReadFile* of(const H5FD_t* f) { return reinterpret_cast<const ReadFile*>(f); }

void push_error(const char* function, hid_t minor, const std::string& message) {
  H5Epush2(H5E_DEFAULT, __FILE__, function, __LINE__, H5E_ERR_CLS, H5E_VFL, minor, "%s",
           message.c_str());
}

// Reads `size` bytes at `at`; past the end of the file the bytes are zero, as sec2 gives them.
bool read_at(int fd, haddr_t at, std::size_t size, unsigned char* into) {
  while (size > 0) {
    const ssize_t n = ::pread(fd, into, size, static_cast<off_t>(at));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return false;
    if (n == 0) {
      std::memset(into, 0, size);
      return true;
    }
    at += static_cast<haddr_t>(n);
    into += n;
    size -= static_cast<std::size_t>(n);
  }
  return true;
}

std::uint64_t little_endian(const unsigned char* p, unsigned bytes) {
  std::uint64_t v = 0;
  for (unsigned i = std::min(bytes, 8U); i-- > 0;) v = (v << 8) | p[i];
  return v;
}

// The superblock gives the width of lengths, which the global heap's sizes are written in.
void note_superblock(ReadFile& f, const unsigned char* p, std::size_t size) {
  static constexpr unsigned char kSignature[8] = {0x89, 'H', 'D', 'F', '\r', '\n', 0x1a, '\n'};
  if (size < 15 || std::memcmp(p, kSignature, 8) != 0) return;
  const unsigned version = p[8];
  const unsigned lengths = version < 2 ? p[14] : p[10];
  if (lengths == 2 || lengths == 4 || lengths == 8 || lengths == 16) f.length_size = lengths;
}

// A global heap collection ("GCOL", version 1, 3 reserved bytes, its size in bytes), then objects
// (index, reference count, 4 reserved bytes, size, the data padded to 8 bytes; index 0 is the
// free space), walked as HDF5 1.10 decodes it (H5HG__cache_heap_deserialize). Empty when sound,
// else what is wrong.
std::string check_collection(const ReadFile& f, haddr_t at, const unsigned char* image,
                             std::size_t size) {
  const std::size_t header = 8 + f.length_size;
  const std::size_t object_header = 8 + f.length_size;
  const std::string where = "damaged global heap collection at byte " + std::to_string(at);
  unsigned char beyond[24];  // the widest header (16-byte lengths) read from the file
  const unsigned char* h = image;
  if (size < header) {
    if (!read_at(f.fd, at, header, beyond)) return where + ": " + std::strerror(errno);
    h = beyond;
  }
  const std::uint64_t claimed = little_endian(h + 8, f.length_size);
  if (claimed < header || claimed > f.eof || at > f.eof - claimed) {
    return where + ": it claims " + std::to_string(claimed) + " bytes; the file has " +
           std::to_string(f.eof);
  }
  // HDF5 reads a collection's first 4 KiB, then the rest: object headers past what this read
  // holds are read one by one (a large collection holds one large object, so they are few).
  for (std::uint64_t p = header; p < claimed;) {
    if (claimed - p < object_header) break;  // HDF5 takes a tail this short as free space
    h = image + p;
    if (p + object_header > size) {
      if (!read_at(f.fd, at + p, object_header, beyond)) return where + ": " + std::strerror(errno);
      h = beyond;
    }
    const unsigned index = static_cast<unsigned>(h[0]) | (static_cast<unsigned>(h[1]) << 8U);
    const std::uint64_t bytes = little_endian(h + 8, f.length_size);
    const std::uint64_t room = claimed - p;
    if (index == 0) {
      // The free space counts its own header; anything less makes HDF5 stand still.
      if (bytes < object_header || bytes > room) {
        return where + ": its free space at byte " + std::to_string(at + p) + " has " +
               std::to_string(bytes) + " bytes (at least " + std::to_string(object_header) +
               ", at most the " + std::to_string(room) + " left)";
      }
      p += bytes;
    } else {
      if (bytes > room - object_header) {
        return where + ": object " + std::to_string(index) + " at byte " + std::to_string(at + p) +
               " has " + std::to_string(bytes) + " bytes; " + std::to_string(room - object_header) +
               " are left in the collection";
      }
      p += object_header + ((bytes + 7) & ~std::uint64_t{7});
    }
  }
  return "";
}

// HDF5 1.10 reads a global heap collection as raw data (H5F_block_read maps its type), so it is
// told by how it looks: the signature, version 1 and three zero bytes, read the way the metadata
// cache loads one (its first 4 KiB, a collection's least size, or the whole of it). Raw data
// that happens to start so and is read in such a piece is checked too, and passes unless it
// also reads as a damaged collection.
bool looks_like_collection(const ReadFile& f, H5FD_mem_t type, const unsigned char* bytes,
                           std::size_t size) {
  static constexpr unsigned char kStart[8] = {'G', 'C', 'O', 'L', 1, 0, 0, 0};
  if ((type != H5FD_MEM_DRAW && type != H5FD_MEM_GHEAP) || size < 8 ||
      std::memcmp(bytes, kStart, 8) != 0)
    return false;
  constexpr std::size_t kFirstLoad = 4096;  // H5HG_MINSIZE
  const bool whole = size >= 8 + f.length_size && little_endian(bytes + 8, f.length_size) == size;
  return size == kFirstLoad || whole;
}

H5FD_t* open_file(const char* name, unsigned flags, hid_t /*fapl*/, haddr_t /*maxaddr*/) {
  if ((flags & (H5F_ACC_RDWR | H5F_ACC_CREAT | H5F_ACC_TRUNC | H5F_ACC_EXCL)) != 0) {
    push_error(__func__, H5E_CANTOPENFILE, std::string(name) + ": this driver only reads");
    return nullptr;
  }
  const int fd = ::open(name, O_RDONLY | O_CLOEXEC);
  struct stat st {};
  if (fd < 0 || ::fstat(fd, &st) != 0) {
    push_error(__func__, H5E_CANTOPENFILE, std::string(name) + ": " + std::strerror(errno));
    if (fd >= 0) ::close(fd);
    return nullptr;
  }
  auto* f = new ReadFile{};
  f->fd = fd;
  f->eof = static_cast<haddr_t>(st.st_size);
  f->device = st.st_dev;
  f->inode = st.st_ino;
  f->length_size = 8;
  return &f->pub;
}

herr_t close_file(H5FD_t* file) {
  const int rc = ::close(of(file)->fd);
  delete of(file);
  return rc == 0 ? 0 : -1;
}

int compare(const H5FD_t* a, const H5FD_t* b) {
  const auto x = std::make_pair(of(a)->device, of(a)->inode);
  const auto y = std::make_pair(of(b)->device, of(b)->inode);
  return x < y ? -1 : y < x ? 1 : 0;
}

herr_t query(const H5FD_t* /*file*/, unsigned long* flags) {
  // Raw-data sieving as sec2 does; no metadata accumulation, so that HDF5 asks for each global
  // heap collection by itself and this driver sees it whole.
  *flags = H5FD_FEAT_DATA_SIEVE;
  return 0;
}

haddr_t get_eoa(const H5FD_t* file, H5FD_mem_t /*type*/) { return of(file)->eoa; }

herr_t set_eoa(H5FD_t* file, H5FD_mem_t /*type*/, haddr_t addr) {
  of(file)->eoa = addr;
  return 0;
}

haddr_t get_eof(const H5FD_t* file, H5FD_mem_t /*type*/) { return of(file)->eof; }

herr_t get_handle(H5FD_t* file, hid_t /*fapl*/, void** handle) {
  *handle = &of(file)->fd;
  return 0;
}

herr_t read_file(H5FD_t* file, H5FD_mem_t type, hid_t /*dxpl*/, haddr_t addr, size_t size,
                 void* buffer) {
  ReadFile& f = *of(file);
  auto* bytes = static_cast<unsigned char*>(buffer);
  if (!read_at(f.fd, addr, size, bytes)) {
    push_error(__func__, H5E_READERROR,
               "read of " + std::to_string(size) + " bytes at byte " + std::to_string(addr) +
                   " failed: " + std::strerror(errno));
    return -1;
  }
  if (type == H5FD_MEM_SUPER) note_superblock(f, bytes, size);
  if (looks_like_collection(f, type, bytes, size)) {
    const std::string damage = check_collection(f, addr, bytes, size);
    if (!damage.empty()) {
      push_error(__func__, H5E_READERROR, damage);
      return -1;
    }
  }
  return 0;
}

herr_t write_file(H5FD_t* /*file*/, H5FD_mem_t /*type*/, hid_t /*dxpl*/, haddr_t /*addr*/,
                  size_t /*size*/, const void* /*buffer*/) {
  push_error(__func__, H5E_WRITEERROR, "this driver only reads");
  return -1;
}

hid_t driver() {
  static const hid_t id = [] {
    H5FD_class_t c{};
#if H5_VERSION_GE(1, 13, 2)
    c.version = H5FD_CLASS_VERSION;
    c.value = 511;  // HDF5 leaves 256 to 511 to drivers it does not register itself
#endif
    c.name = "nsperf-read";
    c.maxaddr = (haddr_t{1} << (8 * sizeof(off_t) - 1)) - 1;
    c.fc_degree = H5F_CLOSE_WEAK;
    c.open = open_file;
    c.close = close_file;
    c.cmp = compare;
    c.query = query;
    c.get_eoa = get_eoa;
    c.set_eoa = set_eoa;
    c.get_eof = get_eof;
    c.get_handle = get_handle;
    c.read = read_file;
    c.write = write_file;
    const H5FD_mem_t map[H5FD_MEM_NTYPES] = H5FD_FLMAP_DICHOTOMY;
    std::copy(std::begin(map), std::end(map), std::begin(c.fl_map));
    return check(H5FDregister(&c), "H5FDregister");
  }();
  return id;
}

}  // namespace

Handle read_access() {
  Handle fapl(check(H5Pcreate(H5P_FILE_ACCESS), "H5Pcreate"), H5Pclose);
  NSPERF_H5(H5Pset_driver(fapl.get(), driver(), nullptr));
  return fapl;
}

}  // namespace nsperf::io
