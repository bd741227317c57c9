// Built into nsperf's executables when NSPERF_SANITIZE is set (see NsperfTargets.cmake).
// Open MPI keeps about 116 KB of its own allocations past MPI_Finalize; LeakSanitizer reports
// them unless suppressed, and suppressions only match with the slow unwinder.

extern "C" const char* __asan_default_options();       // NOLINT(bugprone-reserved-identifier)
extern "C" const char* __lsan_default_options();       // NOLINT(bugprone-reserved-identifier)
extern "C" const char* __lsan_default_suppressions();  // NOLINT(bugprone-reserved-identifier)

extern "C" const char* __asan_default_options() {  // NOLINT(bugprone-reserved-identifier)
  return "fast_unwind_on_malloc=0:detect_leaks=1:abort_on_error=0:halt_on_error=1";
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
         "leak:libpmix.so\n";
}
