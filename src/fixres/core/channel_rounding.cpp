#include "fixres/core/channel_rounding.h"

#include <algorithm>

namespace fixres::models::efficientnet {

std::int64_t make_divisible(double value, std::int64_t divisor) {
  const auto d = static_cast<double>(divisor);
  std::int64_t rounded = static_cast<std::int64_t>(value + d / 2.0) / divisor * divisor;
  rounded = std::max(divisor, rounded);
  if (static_cast<double>(rounded) < 0.9 * value) rounded += divisor;
  return rounded;
}

std::int64_t round_channels(std::int64_t channels, double multiplier, std::int64_t divisor) {
  if (multiplier == 0.0) return channels;
  return make_divisible(static_cast<double>(channels) * multiplier, divisor);
}

}  // namespace fixres::models::efficientnet
