// Built into every fuzz target (instead of cmake/sanitizer_defaults.cpp: these never start MPI).
//
// allocator_may_return_null: malloc and calloc of an impossible size (over ASan's 1 TiB) return
// null, as glibc's do, so that cfitsio and HDF5 report "cannot allocate" the way they do in
// production; an allocation over -malloc_limit_mb is still a finding, and so is a failed
// operator new (ASan reports it whatever this says).
//
// The leak suppression: HDF5 1.10 leaks pieces of object headers it fails to decode from a
// damaged file (allocated under H5C_protect, freed by no one); nsperf cannot release them.
// nsperf's own HDF5 leaks (identifiers left open) are checked after every input instead
// (check_no_open_hdf5_ids).

extern "C" const char* __asan_default_options();       // NOLINT(bugprone-reserved-identifier)
extern "C" const char* __lsan_default_suppressions();  // NOLINT(bugprone-reserved-identifier)

extern "C" const char* __asan_default_options() {  // NOLINT(bugprone-reserved-identifier)
  return "allocator_may_return_null=1";
}
extern "C" const char* __lsan_default_suppressions() {  // NOLINT(bugprone-reserved-identifier)
  return "leak:libhdf5\n";
}
