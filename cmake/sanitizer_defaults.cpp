// Built into nsperf's executables when NSPERF_SANITIZE is set (see NsperfTargets.cmake).
// Open MPI keeps about 116 KB of its own allocations past MPI_Finalize; LeakSanitizer reports
// them unless suppressed, and suppressions only match with the slow unwinder.

extern "C" const char* __asan_default_options();       // NOLINT(bugprone-reserved-identifier)
extern "C" const char* __lsan_default_options();       // NOLINT(bugprone-reserved-identifier)
extern "C" const char* __ubsan_default_options();      // NOLINT(bugprone-reserved-identifier)
extern "C" const char* __lsan_default_suppressions();  // NOLINT(bugprone-reserved-identifier)

extern "C" const char* __asan_default_options() {  // NOLINT(bugprone-reserved-identifier)
  // exitcode 86: a sanitizer report is never mistaken for nsperf's own exit codes (1, 2, 3).
  return "fast_unwind_on_malloc=0:detect_leaks=1:abort_on_error=0:halt_on_error=1:exitcode=86";
}
extern "C" const char* __ubsan_default_options() {  // NOLINT(bugprone-reserved-identifier)
  return "print_stacktrace=1:halt_on_error=1:exitcode=86";
}
extern "C" const char* __lsan_default_options() {  // NOLINT(bugprone-reserved-identifier)
  return "fast_unwind_on_malloc=0";
}
extern "C" const char* __lsan_default_suppressions() {  // NOLINT(bugprone-reserved-identifier)
  return "leak:libmpi.so\n"
         "leak:libopen-pal.so\n"
         "leak:libopen-rte.so\n"
         "leak:libevent\n"
         "leak:libhwloc.so\n"
         // Open MPI's components: /usr/lib/x86_64-linux-gnu/openmpi/lib/openmpi3/mca_*.so
         "leak:/openmpi/\n"
         "leak:libpmix.so\n"
         // LLVM's OpenMP runtime (the Clang builds) keeps a thread team's descriptors when the
         // thread count changes, past the end of the program.
         "leak:libomp.so\n";
}

// Open MPI unloads its components (mca_*.so) in MPI_Finalize, before LeakSanitizer looks: their
// leaks then have "<unknown module>" frames that no suppression matches, and LeakSanitizer
// symbolizes every frame of each trying (about 4 s per process). Keeping every shared object
// mapped until exit lets the "/openmpi/" suppression match the component's own frame at once.
// Only in sanitizer builds; a library that is never unmapped changes nothing else here.
extern "C" int dlclose(void* /*handle*/) { return 0; }
