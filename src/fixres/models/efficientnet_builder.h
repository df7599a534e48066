#pragma once
/// timm's EfficientNet architecture strings decoded into per-block settings
/// (_efficientnet_builder.py: _decode_block_str, _scale_stage_depth, round_channels), so
/// that every width and depth multiplier gives the channels and repeats timm gives.

#include <cstdint>
#include <string>
#include <vector>

#include "fixres/core/channel_rounding.h"

namespace fixres::models::efficientnet {

/// Block kinds of the EfficientNet family ("ds"/"dsa": depthwise-separable, "ir": inverted
/// residual / MBConv).
enum class BlockType { kDepthwiseSeparable, kInvertedResidual };

/// One block as decoded from a string such as "ir_r2_k3_s2_e6_c24_se0.25" (before width scaling).
struct BlockArgs {
  BlockType type = BlockType::kInvertedResidual;
  std::int64_t kernel_size = 3;   ///< k: depthwise kernel
  std::int64_t stride = 1;        ///< s: stride of the first block of the stage
  double exp_ratio = 1.0;         ///< e: expansion (1 for ds)
  std::int64_t out_channels = 0;  ///< c: output channels before round_channels
  double se_ratio = 0.0;          ///< se: squeeze-excite ratio of the block input, 0: none
  bool noskip = false;            ///< "noskip" (always for dsa)
  bool pw_act = false;            ///< activation after the point-wise conv (dsa)
};

/// Decodes one block string; throws std::invalid_argument naming the string on anything
/// EfficientNet does not use (other block types, per-block activations, mixed kernels).
/// `repeats` receives r.
BlockArgs decode_block(const std::string& block, std::int64_t& repeats);

/// timm's decode_arch_def with depth_trunc='ceil': one inner list per stage, each stage's repeat
/// count scaled by ceil(r·depth_multiplier) and shared out as timm does.
std::vector<std::vector<BlockArgs>> decode_arch_def(const std::vector<std::vector<std::string>>& arch_def,
                                                    double depth_multiplier);

// make_divisible and round_channels: fixres/core/channel_rounding.h.

/// The EfficientNet-B0 stage definitions of timm's _gen_efficientnet.
const std::vector<std::vector<std::string>>& efficientnet_arch_def();

}  // namespace fixres::models::efficientnet
