#pragma once
/// A small, dependency-free SVG line chart (sweep's accuracy-against-test-size plot): axes with
/// round tick values, grid lines, axis labels, a title, one polyline with point markers per
/// series (a missing value breaks the line; optional ±band shading), a legend, and an optional
/// highlighted point. The
/// file is self-contained SVG 1.1 that browsers and librsvg render. Torch-free (the CLI draws it).

#include <optional>
#include <string>
#include <vector>

namespace fixres::engine {

struct PlotPoint {
  double x = 0.0;
  std::optional<double> y;  ///< nullopt: no value at x (the line is broken there)
  double band = 0.0;        ///< > 0: a shaded band y ± band (e.g. one standard deviation)
};

struct PlotSeries {
  std::string name;              ///< legend text
  std::string color = "#1f77b4";  ///< any SVG colour
  bool dashed = false;
  std::vector<PlotPoint> points;  ///< in increasing x
  bool line = true;               ///< false: markers only (a single measured point)
};

struct PlotHighlight {
  double x = 0.0;
  double y = 0.0;
  std::string label;  ///< e.g. "best: 288 px, 78.40%"
};

struct LinePlot {
  std::string title;
  std::string x_label;
  std::string y_label;
  std::vector<PlotSeries> series;
  /// Tick positions on the x axis; empty: round values over the data range.
  std::vector<double> x_ticks;
  std::optional<PlotHighlight> highlight;
  int width = 720;
  int height = 450;
};

/// The chart as SVG text. Throws std::invalid_argument when no series has a value.
std::string render_svg(const LinePlot& plot);

/// Several charts side by side in one SVG file (each keeps its own width and height).
std::string render_svg_panels(const std::vector<LinePlot>& panels);

/// Up to about `count` round tick values (1, 2, 2.5, 5 × 10^k steps) covering [low, high].
std::vector<double> nice_ticks(double low, double high, int count = 6);

/// `text` with & < > " ' escaped for XML.
std::string xml_escape(const std::string& text);

}  // namespace fixres::engine
