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
#include "fixres/cli/results_csv.h"
#include "fixres/cli/sweep_plot.h"
#include "fixres/core/svg_plot.h"
#include "fixres/io/atomic_file.h"

namespace fixres::cli {
namespace {

/// The engine's config, bound to the flags, and what the CLI keeps (the sizes as typed, the plot).
struct SweepCommand : BoundCommand<engine::SweepConfig> {
  std::string sizes;
  std::string crop_pcts;
  std::string plot_path;
};

std::string percent(const engine::TopkCounts& c, bool top5) {
  return engine::format_fixed(top5 ? c.top5_percent() : c.top1_percent(), 2);
}

/// One table line: size, crop-pct (with a grid), top-1/top-5 (and recalibrated), images/s, GFLOPs,
/// '*' on the Pareto front.
std::string table_line(const engine::SweepRow& row, bool grid, bool calibrated) {
  char line[160];
  std::string text = engine::format_number("%4.0f", row.size);
  if (grid) text += "  " + engine::format_number("%5.3f", row.protocol.crop_pct);
  std::snprintf(line, sizeof line, "  %6s  %6s", percent(row.plain, false).c_str(), percent(row.plain, true).c_str());
  text += line;
  if (calibrated) {
    std::snprintf(line, sizeof line, "  %13s  %13s", percent(*row.calibrated, false).c_str(),
                  percent(*row.calibrated, true).c_str());
    text += line;
  }
  std::snprintf(line, sizeof line, "  %7.1f  %6.2f  %s", row.images_per_second, row.gflops, row.pareto ? "*" : "");
  return text + line;
}

void print_table(const engine::SweepResult& result, bool grid) {
  const bool calibrated = result.best_calibrated_size.has_value();
  std::string header = grid ? "size  crop   top-1   top-5" : "size   top-1   top-5";
  if (calibrated) header += "   top-1 recal.   top-5 recal.";
  print_line(header + "    img/s  GFLOPs  Pareto");
  for (const auto& row : result.rows) print_line(table_line(row, grid, calibrated));
}

void print_best(const engine::SweepResult& result, bool grid) {
  const engine::SweepRow& best = result.rows[result.best_row];
  std::string line = "Best test size: " + std::to_string(best.size);
  if (grid) line += " at crop-pct " + engine::format_number("%g", best.protocol.crop_pct);
  line += " (top-1 " + percent(best.plain, false) + ")";
  if (result.best_calibrated_size) {
    line += "; after recalibration: " + std::to_string(*result.best_calibrated_size);
    for (const auto& row : result.rows) {
      if (row.size == *result.best_calibrated_size && row.calibrated) {
        line += " (top-1 " + percent(*row.calibrated, false) + ")";
        break;
      }
    }
  }
  print_line(line + "  (" + std::to_string(result.dataset_size) + " images)");
  if (result.budget <= 0.0) return;
  const std::string budget = engine::format_number("%g", result.budget) + " img/s";
  if (!result.budget_row) {
    print_line("No setting reaches " + budget + " on this machine");
    return;
  }
  const engine::SweepRow& pick = result.rows[*result.budget_row];
  print_line("Within " + budget + ": " + std::to_string(pick.size) + " px" +
             (grid ? " at crop-pct " + engine::format_number("%g", pick.protocol.crop_pct) : "") + " (top-1 " +
             percent(pick.plain, false) + ", " + engine::format_fixed(pick.images_per_second, 1) + " img/s)");
}

nlohmann::json row_json(const engine::SweepRow& row) {
  const data::TestProtocol& p = row.protocol;
  return {{"size", row.size},
          {"crop_pct", p.resize_size > 0 ? nlohmann::json(nullptr) : nlohmann::json(p.crop_pct)},
          {"resize_size", p.resize_length(row.size)},
          {"top1", row.plain.top1_percent()},
          {"top5", row.plain.top5_percent()},
          {"top1_calibrated", percent_or_null(row.calibrated, false)},
          {"top5_calibrated", percent_or_null(row.calibrated, true)},
          {"images", row.plain.images},
          {"seconds", row.seconds},
          {"images_per_second", row.images_per_second},
          {"gflops", row.gflops},
          {"pareto", row.pareto},
          {"real", row.real ? nlohmann::json(*row.real) : nlohmann::json(nullptr)}};
}

std::vector<ResultsRow> results_rows(const engine::SweepResult& result, const std::string& weights) {
  std::vector<ResultsRow> rows;
  for (const auto& r : result.rows) {
    ResultsRow row = results_row(result.architecture, r.plain, r.size, r.protocol);
    row.parameters = result.parameters;
    row.weights = weights;
    row.images_per_second = r.images_per_second;
    rows.push_back(row);
  }
  return rows;
}

void run(SweepCommand& command) {
  engine::SweepConfig& config = command.config;
  resolve_dataset_path(config.data, command.cli);  // usage errors first (run_inference_command keeps it)
  config.sizes = parse_sizes(command.sizes, "--sizes");
  if (!command.crop_pcts.empty()) config.crop_pcts = parse_numbers(command.crop_pcts, "--crop-pcts");
  // Output files are checked before the long run.
  for (const std::string& path : {command.cli.json_path, command.plot_path}) {
    if (path.empty()) continue;
    const auto parent = std::filesystem::path(path).parent_path();
    io::ensure_writable_directory(parent.empty() ? "." : parent.string());
  }

  const engine::SweepResult result = run_inference_command(command, &engine::EngineApi::sweep);
  if (!result.is_main) return;

  const bool calibrated = result.best_calibrated_size.has_value();
  const bool grid = !config.crop_pcts.empty();
  print_table(result, grid);
  print_best(result, grid);

  nlohmann::json sizes = nlohmann::json::array();
  for (const auto& row : result.rows) sizes.push_back(row_json(row));
  const engine::SweepRow& best = result.rows[result.best_row];
  write_json(command.cli.json_path,
             {{"architecture", result.architecture},
              {"weights", config.model.weight_path},
              {"dataset", config.data.dataset_path},
              {"best_size", result.best_size},
              {"best_crop_pct", grid ? nlohmann::json(best.protocol.crop_pct) : nullptr},
              {"best_size_calibrated", result.best_calibrated_size ? nlohmann::json(*result.best_calibrated_size) : nullptr},
              {"budget", result.budget > 0 ? nlohmann::json(result.budget) : nullptr},
              {"budget_best", result.budget_row ? row_json(result.rows[*result.budget_row]) : nlohmann::json(nullptr)},
              {"sizes", sizes},
              {"calibration_images", calibrated ? nlohmann::json(result.calibration_images) : nullptr},
              {"calibrated_layers", result.calibrated_layers},
              {"normalization", result.normalization},
              {"test_transform", result.test_transform},
              {"parameters", result.parameters},
              {"world_size", result.world_size},
              {"skipped_images", result.skipped.size()},
              {"skipped", skipped_json(result.skipped)}});
  append_results_csv(command.cli.results_csv, results_rows(result, config.model.weight_path));
  if (!command.plot_path.empty()) io::write_file_atomically(command.plot_path, sweep_svg(result));
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
  app->add_option("--plot", command->plot_path,
                  "Write an SVG chart: top-1 against test size (a curve per crop-pct), and against images/s with the "
                  "Pareto front");
  app->add_option("--crop-pcts", command->crop_pcts,
                  "Also sweep the crop: every size at each of these crop-pcts (0.875,0.95,1.0); the best cell is named");
  app->add_option("--budget", command->config.budget,
                  "Name the most accurate setting measured at least this fast (images/s on this machine)")
      ->check(CLI::PositiveNumber);
  add_results_file_flag(*app, command->cli);
  return {app, [command] { run(*command); }};
}

}  // namespace fixres::cli
