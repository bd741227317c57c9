# OpenCV imgproc is optional: it adds the `opencv` CPU strategy (a reference point measured in the
# same run) and the side-by-side benchmark in bench/. Sites with a full OpenCV install (Spack,
# modules, libopencv-dev) provide OpenCVConfig.cmake; Debian's libopencv-imgproc-dev alone does
# not, so the two libraries are also looked up directly.
set(NSPERF_OPENCV OFF)
find_package(OpenCV QUIET COMPONENTS core imgproc)
if(OpenCV_FOUND)
  add_library(nsperf_opencv INTERFACE IMPORTED)
  target_link_libraries(nsperf_opencv INTERFACE opencv_core opencv_imgproc)
  set(NSPERF_OPENCV ON)
else()
  find_path(NSPERF_OPENCV_INCLUDE opencv2/imgproc.hpp PATH_SUFFIXES opencv4)
  find_library(NSPERF_OPENCV_CORE opencv_core)
  find_library(NSPERF_OPENCV_IMGPROC opencv_imgproc)
  if(NSPERF_OPENCV_INCLUDE AND NSPERF_OPENCV_CORE AND NSPERF_OPENCV_IMGPROC)
    add_library(nsperf_opencv INTERFACE IMPORTED)
    # SYSTEM: OpenCV 4.6's headers warn under C++20 (enum arithmetic), which -Werror must not see.
    target_include_directories(nsperf_opencv SYSTEM INTERFACE ${NSPERF_OPENCV_INCLUDE})
    target_link_libraries(nsperf_opencv INTERFACE ${NSPERF_OPENCV_CORE} ${NSPERF_OPENCV_IMGPROC})
    set(NSPERF_OPENCV ON)
  endif()
endif()
if(NSPERF_OPENCV)
  message(STATUS "OpenCV imgproc found: the opencv CPU strategy and bench/ are built")
else()
  message(STATUS "OpenCV imgproc not found: no opencv CPU strategy, no bench/opencv-compare")
endif()

# imgcodecs is for the tests and bench/ only: they write fixtures with it and compare nsperf's
# readers with what it decodes. nsperf itself reads every format through its own library
# (libpng, libjpeg-turbo, libtiff, OpenJPEG, cfitsio, HDF5), which spares every rank the 0.1 s
# that loading imgcodecs and its dependencies (GDAL, GDCM, ...) takes at start.
set(NSPERF_IMGCODECS OFF)
if(NSPERF_OPENCV)
  if(OpenCV_FOUND AND TARGET opencv_imgcodecs)
    add_library(nsperf_imgcodecs INTERFACE IMPORTED)
    target_link_libraries(nsperf_imgcodecs INTERFACE opencv_imgcodecs nsperf_opencv)
    set(NSPERF_IMGCODECS ON)
  else()
    find_library(NSPERF_OPENCV_IMGCODECS opencv_imgcodecs)
    if(NSPERF_OPENCV_IMGCODECS AND EXISTS "${NSPERF_OPENCV_INCLUDE}/opencv2/imgcodecs.hpp")
      add_library(nsperf_imgcodecs INTERFACE IMPORTED)
      target_link_libraries(nsperf_imgcodecs INTERFACE ${NSPERF_OPENCV_IMGCODECS} nsperf_opencv)
      set(NSPERF_IMGCODECS ON)
    endif()
  endif()
endif()
if(NSPERF_IMGCODECS)
  message(STATUS "OpenCV imgcodecs found: the image reader tests")
else()
  message(STATUS "OpenCV imgcodecs not found: no image reader tests")
endif()
