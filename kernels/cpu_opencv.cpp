// CPU strategy "opencv" (built when OpenCV imgproc is found): the kernels OpenCV has, called the
// way an OpenCV user would, as a reference point measured in the same run and checked against
// the same reference. cv::GaussianBlur, cv::Sobel + cv::magnitude, cv::minMaxLoc, cv::erode,
// cv::dilate and cv::countNonZero run on a region of interest inside the padded tile, so OpenCV
// reads the real neighbours beyond it (no BORDER_ISOLATED): the "valid" mode every kernel here
// has. The histogram and the mask have no OpenCV call with this exact binning (floor of v x
// scale in float32, clamped to 255), so they are the baseline's plain loops.
#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>

#include "nsperf/core/libraries.hpp"
#include "rows_plain.hpp"

namespace nsperf::kernels {
namespace {

template <class T>
cv::Mat header(View<T> v, int type) {
  // OpenCV's headers take non-const data; the inputs are only read.
  return {static_cast<int>(v.height), static_cast<int>(v.width), type,
          const_cast<void*>(
              static_cast<const void*>(v.data)),  // NOLINT(cppcoreguidelines-pro-type-const-cast)
          static_cast<std::size_t>(v.stride) * sizeof(T)};
}

template <class T>
cv::Mat interior(View<const T> in, View<T> out, int type) {
  const auto reach = static_cast<int>((in.width - out.width) / 2);
  return header(
      in, type)(cv::Rect(reach, reach, static_cast<int>(out.width), static_cast<int>(out.height)));
}

class OpenCvStrategy final : public PlainCpu {
 public:
  static constexpr bool kThreaded = true;  // uses CpuOptions::threads
  explicit OpenCvStrategy(const CpuOptions& options)
      : PlainCpu(options.threads), threads_(std::max(1, options.threads)) {}

  void gaussian5x5(View<const float> in, View<float> out) override {
    threads();
    cv::Mat dst = header(out, CV_32F);
    cv::GaussianBlur(interior(in, out, CV_32F), dst, cv::Size(5, 5), 1.0, 1.0,
                     cv::BORDER_REFLECT_101);
  }

  void sobel_magnitude(View<const float> in, View<float> out) override {
    threads();
    const cv::Mat src = interior(in, out, CV_32F);
    cv::Sobel(src, gx_, CV_32F, 1, 0, 3, 1.0, 0.0, cv::BORDER_REFLECT_101);
    cv::Sobel(src, gy_, CV_32F, 0, 1, 3, 1.0, 0.0, cv::BORDER_REFLECT_101);
    cv::Mat dst = header(out, CV_32F);
    cv::magnitude(gx_, gy_, dst);
  }

  float maximum(View<const float> in) override {
    threads();
    double max = 0;
    cv::minMaxLoc(header(in, CV_32F), nullptr, &max);
    return max > 0 ? static_cast<float>(max) : 0.0f;
  }

  void erode3x3(View<const std::uint8_t> in, View<std::uint8_t> out) override {
    threads();
    cv::Mat dst = header(out, CV_8U);
    cv::erode(interior(in, out, CV_8U), dst, cv::Mat(), cv::Point(-1, -1), 1,
              cv::BORDER_REFLECT_101);
  }

  void dilate3x3(View<const std::uint8_t> in, View<std::uint8_t> out) override {
    threads();
    cv::Mat dst = header(out, CV_8U);
    cv::dilate(interior(in, out, CV_8U), dst, cv::Mat(), cv::Point(-1, -1), 1,
               cv::BORDER_REFLECT_101);
  }

  std::int64_t count_nonzero(View<const std::uint8_t> in) override {
    threads();
    return cv::countNonZero(header(in, CV_8U));
  }

 private:
  // OpenCV's thread count is process-wide; strategies made with different counts take turns.
  void threads() const {
    if (cv::getNumThreads() != threads_) cv::setNumThreads(threads_);
  }

  int threads_;
  cv::Mat gx_;
  cv::Mat gy_;
};

}  // namespace

NSPERF_REGISTER_CPU_STRATEGY(OpenCvStrategy, "opencv",
                             "OpenCV 4 imgproc calls where OpenCV has the kernel (reference point)",
                             /*baseline=*/false, balanced)

}  // namespace nsperf::kernels

NSPERF_REGISTER_LIBRARY(OpenCv, "OpenCV", CV_VERSION)
