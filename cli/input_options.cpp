#include "input_options.hpp"

#include <cstdint>
#include <string>

#include "nsperf/core/error.hpp"

namespace nsperf::cli {

namespace po = boost::program_options;

po::options_description input_options() {
  po::options_description workload("Input");
  workload.add_options()("image,i", po::value<std::vector<std::string>>()->value_name("FILE"),
                         "image file: PNG, TIFF, JPEG, JPEG 2000, FITS (file.fits[SCI]), HDF5 "
                         "dataset (file.h5:/path), raw with --raw; colour becomes luminance "
                         "(input.image)")(
      "raw", po::value<std::string>()->value_name("WxH:dtype[:le|be]"),
      "--image is headerless pixels of this layout; dtype u8 i8 u16 i16 u32 i32 u64 i64 f32 f64 "
      "(input.raw)")("synthetic", po::value<std::string>()->value_name("WxH[:dtype]"),
                     "built-in synthetic image, dtype u8 (default), u16 or f32 "
                     "(input.synthetic; default 2048x2048:u8)")(
      "tile", po::value<std::int64_t>()->value_name("N"),
      "tile side in pixels (input.tile; default 512, or the image's shorter side if smaller)")(
      "seed", po::value<std::int64_t>()->value_name("N"),
      "seed of the synthetic image and of the strategy order (input.seed; 0 or more)")(
      "skew", po::value<std::int64_t>()->value_name("PERCENT"),
      "empty background at the bottom of the synthetic image, 0-99 (input.skew; default 0)");
  return workload;
}

void add_input_overrides(const po::variables_map& vm, std::vector<core::Override>& overrides) {
  auto add = [&](const char* option, const char* key, nlohmann::json value) {
    overrides.push_back({key, std::move(value), std::string("--") + option});
  };
  if (vm.count("image") && vm.count("synthetic")) {
    throw UsageError("--image and --synthetic: choose one input");
  }
  if (vm.count("image")) {
    const auto& images = vm["image"].as<std::vector<std::string>>();
    if (images.size() > 1) {
      throw UsageError("--image: given " + std::to_string(images.size()) +
                       " times; this command takes one image (nsperf run takes several, with "
                       "--output-dir)");
    }
    add("image", "input.image", images.front());
  }
  if (vm.count("raw")) add("raw", "input.raw", vm["raw"].as<std::string>());
  if (vm.count("synthetic")) {
    add("synthetic", "input.synthetic", vm["synthetic"].as<std::string>());
    add("synthetic", "input.image", "");  // over a config file's image
  }
  if (vm.count("tile")) add("tile", "input.tile", vm["tile"].as<std::int64_t>());
  if (vm.count("seed")) add("seed", "input.seed", vm["seed"].as<std::int64_t>());
  if (vm.count("skew")) add("skew", "input.skew", vm["skew"].as<std::int64_t>());
}

void add_set_overrides(const po::variables_map& vm, std::vector<core::Override>& overrides) {
  if (vm.count("set") == 0) return;
  for (const auto& s : vm["set"].as<std::vector<std::string>>()) {
    overrides.push_back(core::parse_assignment(s, "--set"));
  }
}

}  // namespace nsperf::cli
