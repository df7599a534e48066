#include "fixres/core/format.h"

#include <cctype>
#include <cmath>
#include <cstdio>
#include <stdexcept>

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

std::string format_bytes(std::int64_t bytes) {
  const char* units[] = {"KiB", "MiB", "GiB", "TiB"};
  if (bytes < 1024) return std::to_string(bytes) + " B";
  double value = static_cast<double>(bytes);
  int unit = -1;
  while (value >= 1024.0 && unit < 3) {
    value /= 1024.0;
    ++unit;
  }
  return format_fixed(value, value < 10.0 ? 2 : 1) + " " + units[unit];
}

std::int64_t parse_byte_size(const std::string& text, const std::string& flag) {
  const auto fail = [&] {
    return std::invalid_argument(flag + ": expected a size in bytes such as 8G, 512M or 1000000, got '" + text + "'");
  };
  std::size_t pos = 0;
  double value = 0.0;
  try {
    value = std::stod(text, &pos);
  } catch (const std::exception&) {
    throw fail();
  }
  std::string unit = text.substr(pos);
  for (auto& c : unit) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  if (unit.size() >= 2 && unit.compare(unit.size() - 2, 2, "IB") == 0) unit.erase(unit.size() - 2);
  else if (!unit.empty() && unit.back() == 'B') unit.pop_back();
  double scale = 1.0;
  if (unit == "K") scale = 1024.0;
  else if (unit == "M") scale = 1024.0 * 1024.0;
  else if (unit == "G") scale = 1024.0 * 1024.0 * 1024.0;
  else if (unit == "T") scale = 1024.0 * 1024.0 * 1024.0 * 1024.0;
  else if (!unit.empty()) throw fail();
  const double bytes = value * scale;
  if (!std::isfinite(bytes) || bytes < 0.0 || bytes > 9.0e18) throw fail();
  return static_cast<std::int64_t>(bytes);
}

}  // namespace fixres::engine
