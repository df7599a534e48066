#pragma once
/// Numbers as text for messages, tables and plots: printf formats of one value, written once.
/// Torch-free.

#include <array>
#include <string>

namespace fixres::engine {

/// `format` (a printf format taking exactly one double: "%.4f", "%g", "%+.2f") applied to `value`.
std::string format_number(const char* format, double value);

/// `value` with `decimals` digits after the point ("%.*f").
std::string format_fixed(double value, int decimals);

/// "a,b,c" with %g each: a mean/std triplet.
std::string format_triplet(const std::array<float, 3>& values);

}  // namespace fixres::engine
