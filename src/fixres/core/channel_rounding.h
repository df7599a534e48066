#pragma once
/// timm's channel rounding for width-scaled networks (EfficientNet): torch-free, so that the
/// architecture table (core/architecture_table.h) states the embedding sizes the builders make.

#include <cstdint>

namespace fixres::models::efficientnet {

/// timm's make_divisible(v, divisor, round_limit=0.9).
std::int64_t make_divisible(double value, std::int64_t divisor = 8);

/// timm's round_channels: make_divisible(channels·multiplier, divisor).
std::int64_t round_channels(std::int64_t channels, double multiplier, std::int64_t divisor = 8);

}  // namespace fixres::models::efficientnet
