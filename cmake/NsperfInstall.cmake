# cmake --install: the binary, the libraries and their headers, the scripts, and an exported
# CMake package so that other projects can find_package(nsperf) and annotate or extend.
include(CMakePackageConfigHelpers)

install(TARGETS nsperf_core nsperf_kernels nsperf_io nsperf_mpi nsperf_sim nsperf_analysis nsperf_metrics
        EXPORT nsperfTargets
        LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
        RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(TARGETS nsperf nsperf-exec RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(TARGETS nsperf_h5zstd LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}/nsperf/hdf5-plugins)
foreach(dir core kernels io mpi sim analysis metrics)
  install(DIRECTORY ${PROJECT_SOURCE_DIR}/${dir}/include/ DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
endforeach()
install(PROGRAMS ${PROJECT_SOURCE_DIR}/scripts/install-deps ${PROJECT_SOURCE_DIR}/scripts/run-example
                 ${PROJECT_SOURCE_DIR}/scripts/test
        DESTINATION ${CMAKE_INSTALL_DATADIR}/nsperf/scripts)
install(FILES ${PROJECT_SOURCE_DIR}/scripts/summarize.py ${PROJECT_SOURCE_DIR}/scripts/report.py
        DESTINATION ${CMAKE_INSTALL_DATADIR}/nsperf/scripts)

install(EXPORT nsperfTargets NAMESPACE nsperf:: DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/nsperf)
configure_package_config_file(${CMAKE_CURRENT_LIST_DIR}/nsperfConfig.cmake.in
  ${CMAKE_BINARY_DIR}/nsperfConfig.cmake INSTALL_DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/nsperf)
write_basic_package_version_file(${CMAKE_BINARY_DIR}/nsperfConfigVersion.cmake
  COMPATIBILITY SameMinorVersion)
install(FILES ${CMAKE_BINARY_DIR}/nsperfConfig.cmake ${CMAKE_BINARY_DIR}/nsperfConfigVersion.cmake
        DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/nsperf)
