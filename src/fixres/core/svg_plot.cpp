#include "fixres/core/svg_plot.h"

#include "fixres/core/format.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <sstream>
#include <stdexcept>

namespace fixres::engine {
namespace {

std::string number(double v, int decimals = 2) { return format_fixed(v, decimals); }

/// Tick label: no decimals for integers, else as few as the step needs.
std::string tick_label(double v, double step) {
  int decimals = 0;
  while (decimals < 4 && std::fabs(step * std::pow(10.0, decimals) - std::round(step * std::pow(10.0, decimals))) > 1e-9) {
    ++decimals;
  }
  return number(v, decimals);
}

}  // namespace

std::string xml_escape(const std::string& text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&apos;"; break;
      default: out += c;
    }
  }
  return out;
}

std::vector<double> nice_ticks(double low, double high, int count) {
  if (!(high > low)) {
    const double pad = std::max(1.0, std::fabs(low) * 0.05);
    low -= pad;
    high += pad;
  }
  const double raw = (high - low) / std::max(1, count - 1);
  const double magnitude = std::pow(10.0, std::floor(std::log10(raw)));
  double step = magnitude * 10;
  for (double m : {1.0, 2.0, 2.5, 5.0, 10.0}) {
    if (m * magnitude >= raw) {
      step = m * magnitude;
      break;
    }
  }
  std::vector<double> ticks;
  const double first = std::floor(low / step + 1e-9) * step;
  for (double t = first; t <= high + step * 0.999; t += step) {
    ticks.push_back(std::fabs(t) < step * 1e-9 ? 0.0 : t);
    if (t >= high - step * 1e-9) break;
  }
  return ticks;
}

/// The ±band shading of a series: one translucent polygon per run of points with a band.
template <typename SX, typename SY>
std::string band_polygons(const PlotSeries& s, SX sx, SY sy) {
  std::string out;
  std::vector<const PlotPoint*> run;
  const auto flush = [&] {
    if (run.size() >= 2) {
      std::string pts;
      for (const PlotPoint* p : run) pts += number(sx(p->x)) + "," + number(sy(*p->y + p->band)) + " ";
      for (auto it = run.rbegin(); it != run.rend(); ++it) {
        pts += number(sx((*it)->x)) + "," + number(sy(*(*it)->y - (*it)->band)) + " ";
      }
      out += "<polygon fill=\"" + xml_escape(s.color) + "\" fill-opacity=\"0.18\" stroke=\"none\" points=\"" + pts + "\"/>\n";
    } else if (run.size() == 1) {
      const PlotPoint& p = *run.front();
      out += "<line x1=\"" + number(sx(p.x)) + "\" y1=\"" + number(sy(*p.y - p.band)) + "\" x2=\"" + number(sx(p.x)) +
             "\" y2=\"" + number(sy(*p.y + p.band)) + "\" stroke=\"" + xml_escape(s.color) + "\" stroke-width=\"2\"/>\n";
    }
    run.clear();
  };
  for (const auto& p : s.points) {
    if (p.y && p.band > 0.0) {
      run.push_back(&p);
    } else {
      flush();
    }
  }
  flush();
  return out;
}

std::string render_svg(const LinePlot& plot) {
  double x_min = std::numeric_limits<double>::infinity(), x_max = -x_min;
  double y_min = x_min, y_max = -x_min;
  for (const auto& s : plot.series) {
    for (const auto& p : s.points) {
      x_min = std::min(x_min, p.x);
      x_max = std::max(x_max, p.x);
      if (p.y) {
        y_min = std::min(y_min, *p.y - p.band);
        y_max = std::max(y_max, *p.y + p.band);
      }
    }
  }
  if (!(y_max >= y_min)) throw std::invalid_argument("render_svg: no series has a value to plot");

  std::vector<double> x_ticks = plot.x_ticks.empty() ? nice_ticks(x_min, x_max) : plot.x_ticks;
  for (double t : x_ticks) {
    x_min = std::min(x_min, t);
    x_max = std::max(x_max, t);
  }
  if (!(x_max > x_min)) {
    x_min -= 1;
    x_max += 1;
  }
  // Headroom above the data for the highlight's label (the legend sits below the plot area).
  const std::vector<double> y_ticks = nice_ticks(y_min, y_max + std::max(0.15 * (y_max - y_min), 0.5));
  y_min = std::min(y_min, y_ticks.front());
  y_max = std::max(y_max, y_ticks.back());
  const double y_step = y_ticks.size() > 1 ? y_ticks[1] - y_ticks[0] : 1.0;

  const double legend_height = 20.0 * static_cast<double>(plot.series.size()) + 8;
  const double left = 72, right = 24, top = 48, bottom = 64 + legend_height;
  const double w = plot.width, h = plot.height;
  const double pw = w - left - right, ph = h - top - bottom;
  const double x_pad = (x_max - x_min) * 0.04;
  auto sx = [&](double x) { return left + (x - (x_min - x_pad)) / ((x_max - x_min) + 2 * x_pad) * pw; };
  auto sy = [&](double y) { return top + ph - (y - y_min) / (y_max - y_min) * ph; };

  std::ostringstream svg;
  svg << "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
      << "<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" width=\"" << plot.width << "\" height=\""
      << plot.height << "\" viewBox=\"0 0 " << plot.width << " " << plot.height
      << "\" font-family=\"DejaVu Sans, Helvetica, Arial, sans-serif\" font-size=\"13\">\n"
      << "<rect x=\"0\" y=\"0\" width=\"" << plot.width << "\" height=\"" << plot.height << "\" fill=\"#ffffff\"/>\n";
  if (!plot.title.empty()) {
    svg << "<text x=\"" << number(w / 2) << "\" y=\"28\" text-anchor=\"middle\" font-size=\"16\" font-weight=\"bold\">"
        << xml_escape(plot.title) << "</text>\n";
  }
  // Grid and ticks.
  svg << "<g stroke=\"#e0e0e0\" stroke-width=\"1\">\n";
  for (double t : y_ticks) {
    svg << "<line x1=\"" << number(left) << "\" y1=\"" << number(sy(t)) << "\" x2=\"" << number(left + pw) << "\" y2=\""
        << number(sy(t)) << "\"/>\n";
  }
  for (double t : x_ticks) {
    svg << "<line x1=\"" << number(sx(t)) << "\" y1=\"" << number(top) << "\" x2=\"" << number(sx(t)) << "\" y2=\""
        << number(top + ph) << "\"/>\n";
  }
  svg << "</g>\n";
  svg << "<g fill=\"#333333\">\n";
  for (double t : y_ticks) {
    svg << "<text x=\"" << number(left - 8) << "\" y=\"" << number(sy(t) + 4) << "\" text-anchor=\"end\">"
        << tick_label(t, y_step) << "</text>\n";
  }
  double x_step = 1.0;
  if (x_ticks.size() > 1) x_step = x_ticks[1] - x_ticks[0];
  for (double t : x_ticks) {
    svg << "<text x=\"" << number(sx(t)) << "\" y=\"" << number(top + ph + 20) << "\" text-anchor=\"middle\">"
        << tick_label(t, plot.x_ticks.empty() ? x_step : 1.0) << "</text>\n";
  }
  svg << "</g>\n";
  // Axes and labels.
  svg << "<g stroke=\"#333333\" stroke-width=\"1.5\" fill=\"none\">\n"
      << "<line x1=\"" << number(left) << "\" y1=\"" << number(top + ph) << "\" x2=\"" << number(left + pw) << "\" y2=\""
      << number(top + ph) << "\"/>\n"
      << "<line x1=\"" << number(left) << "\" y1=\"" << number(top) << "\" x2=\"" << number(left) << "\" y2=\""
      << number(top + ph) << "\"/>\n</g>\n";
  svg << "<text x=\"" << number(left + pw / 2) << "\" y=\"" << number(top + ph + 46) << "\" text-anchor=\"middle\">"
      << xml_escape(plot.x_label) << "</text>\n";
  svg << "<text x=\"18\" y=\"" << number(top + ph / 2) << "\" text-anchor=\"middle\" transform=\"rotate(-90 18 "
      << number(top + ph / 2) << ")\">" << xml_escape(plot.y_label) << "</text>\n";

  // Series: shaded bands, polylines broken at missing values, then markers.
  for (const auto& s : plot.series) svg << band_polygons(s, sx, sy);
  for (const auto& s : plot.series) {
    const std::string dash = s.dashed ? " stroke-dasharray=\"6 4\"" : "";
    std::vector<std::string> runs(1);
    for (const auto& p : s.points) {
      if (!p.y) {
        if (!runs.back().empty()) runs.emplace_back();
        continue;
      }
      runs.back() += number(sx(p.x)) + "," + number(sy(*p.y)) + " ";
    }
    for (const auto& run : runs) {
      if (run.empty() || !s.line) continue;
      svg << "<polyline fill=\"none\" stroke=\"" << xml_escape(s.color) << "\" stroke-width=\"2.5\"" << dash
          << " points=\"" << run << "\"/>\n";
    }
    for (const auto& p : s.points) {
      if (!p.y) continue;
      svg << "<circle cx=\"" << number(sx(p.x)) << "\" cy=\"" << number(sy(*p.y)) << "\" r=\"4\" fill=\""
          << xml_escape(s.color) << "\"><title>" << xml_escape(s.name) << ": " << number(p.x, 0) << " → "
          << number(*p.y) << "</title></circle>\n";
    }
  }
  if (plot.highlight) {
    const auto& hl = *plot.highlight;
    svg << "<circle cx=\"" << number(sx(hl.x)) << "\" cy=\"" << number(sy(hl.y))
        << "\" r=\"8\" fill=\"none\" stroke=\"#d62728\" stroke-width=\"2\"/>\n";
    const bool right_side = sx(hl.x) > left + pw * 0.7;
    svg << "<text x=\"" << number(sx(hl.x) + (right_side ? -12 : 12)) << "\" y=\"" << number(sy(hl.y) - 12)
        << "\" text-anchor=\"" << (right_side ? "end" : "start") << "\" fill=\"#d62728\">" << xml_escape(hl.label)
        << "</text>\n";
  }
  // Legend below the x-axis title, outside the plot area, so it never hides a data point.
  const double legend_top = h - legend_height - 6;
  double ly = legend_top + 12;
  const double lx = left + 14;
  double legend_width = 0;
  for (const auto& s : plot.series) legend_width = std::max(legend_width, 7.5 * static_cast<double>(s.name.size()));
  svg << "<rect x=\"" << number(lx - 8) << "\" y=\"" << number(legend_top) << "\" width=\"" << number(legend_width + 52)
      << "\" height=\"" << number(legend_height)
      << "\" fill=\"#ffffff\" fill-opacity=\"0.85\" stroke=\"#cccccc\"/>\n";
  for (const auto& s : plot.series) {
    const std::string dash = s.dashed ? " stroke-dasharray=\"6 4\"" : "";
    svg << "<line x1=\"" << number(lx) << "\" y1=\"" << number(ly) << "\" x2=\"" << number(lx + 28) << "\" y2=\""
        << number(ly) << "\" stroke=\"" << xml_escape(s.color) << "\" stroke-width=\"2.5\"" << dash << "/>\n"
        << "<circle cx=\"" << number(lx + 14) << "\" cy=\"" << number(ly) << "\" r=\"4\" fill=\"" << xml_escape(s.color)
        << "\"/>\n"
        << "<text x=\"" << number(lx + 36) << "\" y=\"" << number(ly + 4) << "\">" << xml_escape(s.name) << "</text>\n";
    ly += 20;
  }
  svg << "</svg>\n";
  return svg.str();
}

std::string render_svg_panels(const std::vector<LinePlot>& panels) {
  if (panels.empty()) throw std::invalid_argument("render_svg_panels: no panel");
  int width = 0, height = 0;
  for (const auto& p : panels) {
    width += p.width;
    height = std::max(height, p.height);
  }
  std::ostringstream svg;
  svg << "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
      << "<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" width=\"" << width << "\" height=\"" << height
      << "\" viewBox=\"0 0 " << width << " " << height << "\">\n"
      << "<rect x=\"0\" y=\"0\" width=\"" << width << "\" height=\"" << height << "\" fill=\"#ffffff\"/>\n";
  int x = 0;
  for (const auto& p : panels) {
    // Each panel is a complete chart: nested as an <svg> element placed at its offset.
    std::string panel = render_svg(p);
    panel.erase(0, panel.find("<svg"));
    panel.insert(4, " x=\"" + std::to_string(x) + "\" y=\"0\"");
    svg << panel;
    x += p.width;
  }
  svg << "</svg>\n";
  return svg.str();
}

}  // namespace fixres::engine
