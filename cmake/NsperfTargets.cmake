# Flags live in INTERFACE targets linked PRIVATE to the project's own targets.

add_library(nsperf_warnings INTERFACE)
target_compile_options(nsperf_warnings INTERFACE
  -Wall -Wextra -Wshadow -Wconversion -Wsign-conversion -Wnon-virtual-dtor -Wold-style-cast
  -Woverloaded-virtual -Wimplicit-fallthrough
  # GCC 12 reports impossible overlaps inside std::string at -O3 (GCC bug 105651).
  $<$<AND:$<CXX_COMPILER_ID:GNU>,$<VERSION_LESS:$<CXX_COMPILER_VERSION>,13>>:-Wno-restrict>
  # Clang (the asan preset) notes every `omp simd` loop it leaves to the auto-vectorizer.
  $<$<CXX_COMPILER_ID:Clang>:-Wno-pass-failed>
  $<$<BOOL:${NSPERF_WERROR}>:-Werror>)

add_library(nsperf_tuning INTERFACE)
if(NSPERF_NATIVE)
  target_compile_options(nsperf_tuning INTERFACE -march=native)
endif()

add_library(nsperf_sanitizers INTERFACE)
if(NSPERF_SANITIZE)
  list(JOIN NSPERF_SANITIZE "," _nsperf_san)
  target_compile_options(nsperf_sanitizers INTERFACE -fsanitize=${_nsperf_san} -fno-omit-frame-pointer
                                                     -fno-sanitize-recover=all)
  target_link_options(nsperf_sanitizers INTERFACE -fsanitize=${_nsperf_san})
endif()

# NSPERF_FUZZ: the libraries the fuzz targets exercise (core, io) carry libFuzzer's coverage
# instrumentation (the callbacks come from libFuzzer in the fuzz targets and from the ASan
# runtime, as weak no-ops, in every other binary).
add_library(nsperf_fuzz_coverage INTERFACE)
set(NSPERF_FUZZ_INSTRUMENTED core io)
if(NSPERF_FUZZ)
  if(NOT CMAKE_CXX_COMPILER_ID MATCHES "Clang")
    message(FATAL_ERROR
      "NSPERF_FUZZ=ON needs Clang (libFuzzer), but the C++ compiler is ${CMAKE_CXX_COMPILER_ID} "
      "${CMAKE_CXX_COMPILER_VERSION}.\nConfigure with CC=clang CXX=clang++ (Debian: apt-get install "
      "clang), or set NSPERF_FUZZ=OFF.")
  endif()
  if(NOT "address" IN_LIST NSPERF_SANITIZE)
    message(FATAL_ERROR
      "NSPERF_FUZZ=ON needs NSPERF_SANITIZE to include address (e.g. -DNSPERF_SANITIZE=address;undefined): "
      "fuzzing without AddressSanitizer misses memory errors, and the instrumented libraries "
      "need its runtime in every binary.")
  endif()
  target_compile_options(nsperf_fuzz_coverage INTERFACE -fsanitize=fuzzer-no-link)
endif()

# Applies the project's flags to one of its own targets.
function(nsperf_project_flags target)
  target_link_libraries(${target} PRIVATE nsperf_warnings nsperf_tuning nsperf_sanitizers)
endfunction()

# One folder's library: nsperf_<name>, alias nsperf::<name>, public headers in
# <name>/include/nsperf/<name>/, the project's flags.
function(nsperf_library name)
  add_library(nsperf_${name} SHARED ${ARGN})
  add_library(nsperf::${name} ALIAS nsperf_${name})
  set_target_properties(nsperf_${name} PROPERTIES OUTPUT_NAME nsperf_${name} EXPORT_NAME ${name})
  target_include_directories(nsperf_${name} PUBLIC
    $<BUILD_INTERFACE:${CMAKE_CURRENT_SOURCE_DIR}/include>
    $<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}>)
  nsperf_project_flags(nsperf_${name})
  if(name IN_LIST NSPERF_FUZZ_INSTRUMENTED)
    target_link_libraries(nsperf_${name} PRIVATE nsperf_fuzz_coverage)
  endif()
endfunction()

# Executables built with sanitizers carry the Open MPI leak suppressions, so that they apply
# under mpirun and ctest without forwarding environment variables.
function(nsperf_executable_defaults target)
  nsperf_project_flags(${target})
  if(NSPERF_SANITIZE)
    target_sources(${target} PRIVATE ${PROJECT_SOURCE_DIR}/cmake/sanitizer_defaults.cpp)
  endif()
endfunction()

# The flags a build was made with, recorded in every run's provenance.
string(TOUPPER "${CMAKE_BUILD_TYPE}" _nsperf_bt)
set(NSPERF_BUILD_FLAGS "${CMAKE_CXX_FLAGS} ${CMAKE_CXX_FLAGS_${_nsperf_bt}} -std=c++20 ${OpenMP_CXX_FLAGS}")
if(NSPERF_NATIVE)
  string(APPEND NSPERF_BUILD_FLAGS " -march=native")
endif()
if(NSPERF_SANITIZE)
  string(APPEND NSPERF_BUILD_FLAGS " -fsanitize=${_nsperf_san}")
endif()
string(STRIP "${NSPERF_BUILD_FLAGS}" NSPERF_BUILD_FLAGS)
string(REGEX REPLACE " +" " " NSPERF_BUILD_FLAGS "${NSPERF_BUILD_FLAGS}")
