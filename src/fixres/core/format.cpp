#include "fixres/core/format.h"

#include <cstdio>

namespace fixres::engine {

std::string format_number(const char* format, double value) {
  char text[64];
  std::snprintf(text, sizeof text, format, value);
  return text;
}

std::string format_fixed(double value, int decimals) {
  char text[64];
  std::snprintf(text, sizeof text, "%.*f", decimals, value);
  return text;
}

std::string format_triplet(const std::array<float, 3>& values) {
  char text[96];
  std::snprintf(text, sizeof text, "%g,%g,%g", static_cast<double>(values[0]), static_cast<double>(values[1]),
                static_cast<double>(values[2]));
  return text;
}

}  // namespace fixres::engine
