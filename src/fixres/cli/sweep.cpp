// `fixres sweep` (new): accuracy across test sizes, plain and after batch-norm recalibration;
// prints a table and the best size, writes --json and an SVG plot (--plot).
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <optional>
#include <stdexcept>

#include "fixres/core/format.h"
#include "fixres/cli/command.h"
#include "fixres/cli/engine_loader.h"
#include "fixres/cli/inference_flags.h"
#include "fixres/cli/output.h"
#include "fixres/core/svg_plot.h"
#include "fixres/io/atomic_file.h"

namespace fixres::cli {
namespace {

/// The engine's config, bound to the flags, and what the CLI keeps (the sizes as typed, the plot).
struct SweepCommand : BoundCommand<engine::SweepConfig> {
  std::string sizes;
  std::string plot_path;
};

std::string percent(const engine::TopkCounts& c, bool top5) {
  return engine::format_fixed(top5 ? c.top5_percent() : c.top1_percent(), 2);
}

std::string svg_plot(const engine::SweepResult& result) {
  engine::LinePlot plot;
  plot.title = result.architecture + ": top-1 accuracy against test resolution";
  plot.x_label = "test size (pixels)";
  plot.y_label = "top-1 accuracy (%)";
  engine::PlotSeries plain{"stored batch-norm statistics", "#1f77b4", false, {}};
  engine::PlotSeries calibrated{"after batch-norm recalibration (" + std::to_string(result.calibration_images) +
                                    " images)",
                                "#ff7f0e", true, {}};
  for (const auto& row : result.rows) {
    plain.points.push_back({static_cast<double>(row.size), row.plain.top1_percent()});
    calibrated.points.push_back({static_cast<double>(row.size),
                                 row.calibrated ? std::optional<double>(row.calibrated->top1_percent()) : std::nullopt});
    if (result.rows.size() <= 12) plot.x_ticks.push_back(row.size);
  }
  std::sort(plot.x_ticks.begin(), plot.x_ticks.end());
  auto by_x = [](const engine::PlotPoint& a, const engine::PlotPoint& b) { return a.x < b.x; };
  std::sort(plain.points.begin(), plain.points.end(), by_x);
  std::sort(calibrated.points.begin(), calibrated.points.end(), by_x);
  plot.series.push_back(plain);
  if (result.best_calibrated_size) plot.series.push_back(calibrated);
  // Highlight the best plain size.
  for (const auto& row : result.rows) {
    if (row.size != result.best_size) continue;
    char label[96];
    std::snprintf(label, sizeof label, "best: %d px, %.2f%%", row.size, row.plain.top1_percent());
    plot.highlight = engine::PlotHighlight{static_cast<double>(row.size), row.plain.top1_percent(), label};
  }
  return engine::render_svg(plot);
}

void run(SweepCommand& command) {
  engine::SweepConfig& config = command.config;
  resolve_dataset_path(config.data, command.cli);  // usage errors first (run_inference_command keeps it)
  config.sizes = parse_sizes(command.sizes, "--sizes");
  // Output files are checked before the long run.
  for (const std::string& path : {command.cli.json_path, command.plot_path}) {
    if (path.empty()) continue;
    const auto parent = std::filesystem::path(path).parent_path();
    io::ensure_writable_directory(parent.empty() ? "." : parent.string());
  }

  const engine::SweepResult result = run_inference_command(command, &engine::EngineApi::sweep);
  if (!result.is_main) return;

  const bool calibrated = result.best_calibrated_size.has_value();
  print_line(calibrated ? "size   top-1   top-5   top-1 recal.   top-5 recal." : "size   top-1   top-5");
  for (const auto& row : result.rows) {
    char line[128];
    if (calibrated) {
      std::snprintf(line, sizeof line, "%4d  %6s  %6s  %13s  %13s", row.size, percent(row.plain, false).c_str(),
                    percent(row.plain, true).c_str(), percent(*row.calibrated, false).c_str(),
                    percent(*row.calibrated, true).c_str());
    } else {
      std::snprintf(line, sizeof line, "%4d  %6s  %6s", row.size, percent(row.plain, false).c_str(),
                    percent(row.plain, true).c_str());
    }
    print_line(line);
  }
  std::string best = "Best test size: " + std::to_string(result.best_size);
  for (const auto& row : result.rows) {
    if (row.size == result.best_size) best += " (top-1 " + percent(row.plain, false) + ")";
  }
  if (calibrated) {
    best += "; after recalibration: " + std::to_string(*result.best_calibrated_size);
    for (const auto& row : result.rows) {
      if (row.size == *result.best_calibrated_size) best += " (top-1 " + percent(*row.calibrated, false) + ")";
    }
  }
  print_line(best + "  (" + std::to_string(result.dataset_size) + " images)");

  nlohmann::json sizes = nlohmann::json::array();
  for (const auto& row : result.rows) {
    sizes.push_back({{"size", row.size},
                     {"top1", row.plain.top1_percent()},
                     {"top5", row.plain.top5_percent()},
                     {"top1_calibrated", percent_or_null(row.calibrated, false)},
                     {"top5_calibrated", percent_or_null(row.calibrated, true)},
                     {"images", row.plain.images},
                     {"seconds", row.seconds}});
  }
  write_json(command.cli.json_path,
             {{"architecture", result.architecture},
              {"weights", config.model.weight_path},
              {"dataset", config.data.dataset_path},
              {"best_size", result.best_size},
              {"best_size_calibrated", result.best_calibrated_size ? nlohmann::json(*result.best_calibrated_size) : nullptr},
              {"sizes", sizes},
              {"calibration_images", calibrated ? nlohmann::json(result.calibration_images) : nullptr},
              {"calibrated_layers", result.calibrated_layers},
              {"normalization", result.normalization},
              {"test_transform", result.test_transform},
              {"world_size", result.world_size},
              {"skipped_images", result.skipped.size()},
              {"skipped", skipped_json(result.skipped)}});
  if (!command.plot_path.empty()) io::write_file_atomically(command.plot_path, svg_plot(result));
}

}  // namespace

Command add_sweep(CLI::App& root) {
  auto command = std::make_shared<SweepCommand>();
  CLI::App* app = root.add_subcommand("sweep", "Accuracy across test sizes, plain and after batch-norm recalibration");
  add_inference_flags(*app, command->config.model, command->config.data, command->cli);
  app->add_option("--sizes", command->sizes, "Test sizes: 224,288,320 or START:STOP:STEP (224:448:32, STOP included)")
      ->required();
  app->add_option("--calibrate-path", command->config.calibrate_path,
                  "ImageFolder whose images (labels unused) recalibrate the adapted batch-norm layers at each size");
  app->add_option("--calibrate-images", command->config.calibrate_images, "Images used for each recalibration (K)")
      ->check(CLI::PositiveNumber);
  app->add_option("--plot", command->plot_path, "Write accuracy against test size as an SVG chart");
  return {app, [command] { run(*command); }};
}

}  // namespace fixres::cli
