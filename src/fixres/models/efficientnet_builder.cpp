#include "fixres/models/efficientnet_builder.h"

#include <cmath>
#include <sstream>
#include <stdexcept>

#include "fixres/models/layers.h"

namespace fixres::models::efficientnet {

namespace {

std::vector<std::string> split(const std::string& text, char separator) {
  std::vector<std::string> parts;
  std::stringstream stream(text);
  std::string part;
  while (std::getline(stream, part, separator)) parts.push_back(part);
  return parts;
}

[[noreturn]] void bad_block(const std::string& block, const std::string& why) {
  throw std::invalid_argument("EfficientNet block string '" + block + "': " + why);
}

}  // namespace

BlockArgs decode_block(const std::string& block, std::int64_t& repeats) {
  const auto ops = split(block, '_');
  if (ops.empty()) bad_block(block, "empty");
  BlockArgs args;
  const std::string& type = ops[0];
  if (type == "ir") {
    args.type = BlockType::kInvertedResidual;
  } else if (type == "ds" || type == "dsa") {
    args.type = BlockType::kDepthwiseSeparable;
    args.pw_act = type == "dsa";
    args.noskip = type == "dsa";
  } else {
    bad_block(block, "unsupported block type '" + type + "' (expected ir, ds or dsa)");
  }
  bool have_r = false, have_k = false, have_s = false, have_c = false;
  for (std::size_t i = 1; i < ops.size(); ++i) {
    const std::string& op = ops[i];
    if (op == "noskip") {
      args.noskip = true;
      continue;
    }
    if (op == "skip") {
      if (type == "dsa") continue;  // timm: dsa never skips
      args.noskip = false;
      continue;
    }
    // key = leading letters, value = the rest (timm splits at the first digit)
    const auto digit = op.find_first_of("0123456789");
    if (digit == std::string::npos || digit == 0) bad_block(block, "cannot parse option '" + op + "'");
    const std::string key = op.substr(0, digit);
    const std::string value = op.substr(digit);
    try {
      if (key == "r") {
        repeats = std::stoll(value);
        have_r = true;
      } else if (key == "k") {
        if (value.find('.') != std::string::npos) bad_block(block, "mixed kernels are not supported");
        args.kernel_size = std::stoll(value);
        have_k = true;
      } else if (key == "s") {
        args.stride = std::stoll(value);
        have_s = true;
      } else if (key == "e") {
        args.exp_ratio = std::stod(value);
      } else if (key == "c") {
        args.out_channels = std::stoll(value);
        have_c = true;
      } else if (key == "se") {
        args.se_ratio = std::stod(value);
      } else {
        bad_block(block, "unsupported option '" + op + "'");
      }
    } catch (const std::logic_error&) {
      bad_block(block, "bad value in option '" + op + "'");
    }
  }
  if (!have_r || !have_k || !have_s || !have_c) bad_block(block, "needs r, k, s and c");
  if (args.stride != 1 && args.stride != 2) bad_block(block, "stride must be 1 or 2");
  if (args.type == BlockType::kDepthwiseSeparable) args.exp_ratio = 1.0;
  return args;
}

std::vector<std::vector<BlockArgs>> decode_arch_def(const std::vector<std::vector<std::string>>& arch_def,
                                                    double depth_multiplier) {
  std::vector<std::vector<BlockArgs>> stages;
  for (const auto& stage_strings : arch_def) {
    std::vector<BlockArgs> stage_args;
    std::vector<std::int64_t> repeats;
    for (const auto& block : stage_strings) {
      std::int64_t r = 0;
      stage_args.push_back(decode_block(block, r));
      repeats.push_back(r);
    }
    // _scale_stage_depth(depth_trunc='ceil'): scale the stage total, share it out from the
    // last block definition backwards.
    std::int64_t num_repeat = 0;
    for (auto r : repeats) num_repeat += r;
    std::int64_t num_repeat_scaled =
        static_cast<std::int64_t>(std::ceil(static_cast<double>(num_repeat) * depth_multiplier));
    std::vector<std::int64_t> scaled(repeats.size());
    for (std::size_t j = repeats.size(); j-- > 0;) {
      const double share =
          static_cast<double>(repeats[j]) / static_cast<double>(num_repeat) * static_cast<double>(num_repeat_scaled);
      const std::int64_t rs = std::max<std::int64_t>(1, python_round(share));
      scaled[j] = rs;
      num_repeat -= repeats[j];
      num_repeat_scaled -= rs;
    }
    std::vector<BlockArgs> expanded;
    for (std::size_t j = 0; j < stage_args.size(); ++j) {
      for (std::int64_t k = 0; k < scaled[j]; ++k) expanded.push_back(stage_args[j]);
    }
    stages.push_back(std::move(expanded));
  }
  return stages;
}

const std::vector<std::vector<std::string>>& efficientnet_arch_def() {
  static const std::vector<std::vector<std::string>> def = {
      {"ds_r1_k3_s1_e1_c16_se0.25"},  {"ir_r2_k3_s2_e6_c24_se0.25"},  {"ir_r2_k5_s2_e6_c40_se0.25"},
      {"ir_r3_k3_s2_e6_c80_se0.25"},  {"ir_r3_k5_s1_e6_c112_se0.25"}, {"ir_r4_k5_s2_e6_c192_se0.25"},
      {"ir_r1_k3_s1_e6_c320_se0.25"},
  };
  return def;
}

}  // namespace fixres::models::efficientnet
