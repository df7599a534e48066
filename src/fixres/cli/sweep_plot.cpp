#include "fixres/cli/sweep_plot.h"

#include <algorithm>

#include "fixres/core/format.h"
#include "fixres/core/svg_plot.h"

namespace fixres::cli {
namespace {

const char* const kColors[] = {"#1f77b4", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2"};

/// The crop-pcts of the grid, in row order.
std::vector<double> crop_pcts(const engine::SweepResult& result) {
  std::vector<double> out;
  for (const auto& row : result.rows) {
    if (std::find(out.begin(), out.end(), row.protocol.crop_pct) == out.end()) out.push_back(row.protocol.crop_pct);
  }
  return out;
}

std::string crop_name(const engine::SweepResult& result, double crop) {
  return crop_pcts(result).size() > 1 ? "crop-pct " + engine::format_number("%g", crop) : "stored batch-norm statistics";
}

void sort_by_x(engine::PlotSeries& series) {
  std::sort(series.points.begin(), series.points.end(),
            [](const engine::PlotPoint& a, const engine::PlotPoint& b) { return a.x < b.x; });
}

/// One series of plain top-1 per crop-pct, at x = x_of(row), sorted by x.
template <typename X>
std::vector<engine::PlotSeries> per_crop_series(const engine::SweepResult& result, X x_of) {
  std::vector<engine::PlotSeries> out;
  const auto crops = crop_pcts(result);
  for (std::size_t c = 0; c < crops.size(); ++c) {
    engine::PlotSeries series{crop_name(result, crops[c]), kColors[c % 6], false, {}};
    for (const auto& row : result.rows) {
      if (row.protocol.crop_pct == crops[c]) series.points.push_back({x_of(row), row.plain.top1_percent()});
    }
    sort_by_x(series);
    out.push_back(series);
  }
  return out;
}

engine::LinePlot accuracy_by_size(const engine::SweepResult& result) {
  engine::LinePlot plot;
  plot.title = result.architecture + ": top-1 accuracy against test resolution";
  plot.x_label = "test size (pixels)";
  plot.y_label = "top-1 accuracy (%)";
  const auto crops = crop_pcts(result);
  plot.series = per_crop_series(result, [](const engine::SweepRow& row) { return double(row.size); });
  if (result.best_calibrated_size) {
    engine::PlotSeries calibrated{
        "after batch-norm recalibration (" + std::to_string(result.calibration_images) + " images)", "#ff7f0e", true, {}};
    for (const auto& row : result.rows) {
      if (row.protocol.crop_pct != crops.front()) continue;
      calibrated.points.push_back({double(row.size), row.calibrated ? std::optional<double>(row.calibrated->top1_percent())
                                                                    : std::nullopt});
    }
    sort_by_x(calibrated);
    plot.series.push_back(calibrated);
  }
  for (const auto& row : result.rows) {
    if (result.rows.size() / crops.size() <= 12 && row.protocol.crop_pct == crops.front()) plot.x_ticks.push_back(row.size);
  }
  std::sort(plot.x_ticks.begin(), plot.x_ticks.end());
  const auto& best = result.rows[result.best_row];
  std::string label = "best: " + std::to_string(best.size) + " px";
  if (crops.size() > 1) label += ", crop " + engine::format_number("%g", best.protocol.crop_pct);
  label += ", " + engine::format_fixed(best.plain.top1_percent(), 2) + "%";
  plot.highlight = engine::PlotHighlight{double(best.size), best.plain.top1_percent(), label};
  return plot;
}

engine::LinePlot accuracy_by_throughput(const engine::SweepResult& result) {
  engine::LinePlot plot;
  plot.title = "top-1 against images/s (this machine)";
  plot.x_label = "images per second (loading included)";
  plot.y_label = "top-1 accuracy (%)";
  plot.series = per_crop_series(result, [](const engine::SweepRow& row) { return row.images_per_second; });
  engine::PlotSeries front{"Pareto front", "#000000", true, {}};
  for (const auto& row : result.rows) {
    if (row.pareto) front.points.push_back({row.images_per_second, row.plain.top1_percent()});
  }
  sort_by_x(front);
  plot.series.push_back(front);
  if (result.budget_row) {
    const auto& pick = result.rows[*result.budget_row];
    plot.highlight = engine::PlotHighlight{pick.images_per_second, pick.plain.top1_percent(),
                                           "within " + engine::format_number("%g", result.budget) + " img/s: " +
                                               std::to_string(pick.size) + " px"};
  }
  return plot;
}

}  // namespace

std::string sweep_svg(const engine::SweepResult& result) {
  return engine::render_svg_panels({accuracy_by_size(result), accuracy_by_throughput(result)});
}

}  // namespace fixres::cli
