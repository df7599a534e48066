#pragma once
/// `fixres sweep --plot FILE.svg`: two panels. Left, top-1 against test size, one curve per
/// crop-pct (and after recalibration), the best cell marked; right, top-1 against the images/s
/// measured on this machine, one curve per crop-pct through its sizes, the Pareto front dashed.

#include <string>

#include "fixres/core/sweep.h"

namespace fixres::cli {

std::string sweep_svg(const engine::SweepResult& result);

}  // namespace fixres::cli
