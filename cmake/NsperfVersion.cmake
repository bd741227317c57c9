# Version, compiler and flags are known at configure time; the git commit is read at every build
# (a commit made after configuring must not leave a stale id in the binary), and the generated
# file is rewritten only when it changes, so an unchanged tree does not relink.

set(NSPERF_GENERATED_DIR "${CMAKE_BINARY_DIR}/generated")
set(NSPERF_COMPILER "${CMAKE_CXX_COMPILER_ID} ${CMAKE_CXX_COMPILER_VERSION}")
configure_file(${CMAKE_CURRENT_LIST_DIR}/build_info.cpp.in ${NSPERF_GENERATED_DIR}/build_info.cpp @ONLY)

add_custom_target(nsperf_git_commit
  COMMAND ${CMAKE_COMMAND} -DSOURCE_DIR=${PROJECT_SOURCE_DIR}
          -DOUTPUT=${NSPERF_GENERATED_DIR}/git_commit.cpp -P ${CMAKE_CURRENT_LIST_DIR}/GitCommit.cmake
  BYPRODUCTS ${NSPERF_GENERATED_DIR}/git_commit.cpp
  COMMENT "Reading the git commit"
  VERBATIM)
