// `fixres demo`: FixRes's effect end to end on Fashion-MNIST in minutes (engine/demo.h) — train
// low-res, sweep the test size, fine-tune at the best one; prints the table, writes
// DIR/results.json and DIR/sweep.svg. `--export DIR` writes the dataset as ImageFolders instead.
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <optional>

#include "fixres/core/format.h"
#include "fixres/cli/command.h"
#include "fixres/cli/engine_loader.h"
#include "fixres/cli/options.h"
#include "fixres/cli/output.h"
#include "fixres/core/demo.h"
#include "fixres/core/svg_plot.h"
#include "fixres/io/atomic_file.h"

namespace fixres::cli {
namespace {

struct DemoFlags {
  std::string out = "fixres-demo";
  bool quick = false;
  int threads = 0;
  int workers = 1;  // the images are tiny; a second loader thread only competes with the compute
  std::string json_path;
  std::string export_dir;
  std::string data_root = "/usr/share/datasets/fashion-mnist";
  std::uint64_t seed = 0;
  bool every_size = false;
  bool best_only = false;
  // Overrides of the preset (unset: the preset's value), to explore other settings.
  std::optional<std::string> architecture;
  std::optional<int> train_size;
  std::optional<std::string> test_sizes;
  std::optional<int> epochs;
  std::optional<double> train_lr;
  std::optional<std::int64_t> train_images;
  std::optional<std::int64_t> finetune_images;
  std::optional<std::int64_t> val_images;
  std::optional<int> canvas;
};

std::optional<double> finetuned_top1(const engine::DemoRow& row) {
  if (!row.finetuned) return std::nullopt;
  return row.finetuned->top1_percent();
}

const engine::DemoRow* row_at(const engine::DemoResult& r, int size) {
  for (const auto& row : r.rows) {
    if (row.size == size) return &row;
  }
  return nullptr;
}

/// A short stable tag of the settings that shape the trained network (checkpoint job names).
std::string settings_tag(const engine::DemoConfig& c) {
  const std::string text = c.architecture + "/" + std::to_string(c.train_size) + "/" + std::to_string(c.train_epochs) +
                           "/" + engine::format_number("%g", c.train_lr) + "/" + std::to_string(c.train_images) + "/" +
                           std::to_string(c.canvas);
  std::uint64_t h = 1469598103934665603ULL;  // FNV-1a
  for (unsigned char ch : text) h = (h ^ ch) * 1099511628211ULL;
  char tag[20];
  std::snprintf(tag, sizeof tag, "%08llx", static_cast<unsigned long long>(h & 0xffffffffULL));
  return tag;
}

/// The table in the spirit of the paper's Tables 1/2: one row per test size.
void print_table(const engine::DemoResult& r) {
  const auto& c = r.config;
  print_line(r.dataset);
  print_line(r.train.architecture + " trained from scratch at " + std::to_string(c.train_size) +
             " px (RandomResizedCrop) on " + std::to_string(r.train_images) + " images, " +
             std::to_string(c.train_epochs) + " epoch(s); FixRes fine-tuning on " + std::to_string(r.finetune_images) +
             " images; top-1 on " + std::to_string(r.val_images) + " test images (Resize + CenterCrop at each size)");
  print_line("");
  print_line("test size   top-1 (%)   top-1 after FixRes fine-tuning (%)");
  for (const auto& row : r.rows) {
    std::string mark = row.size == c.train_size ? "  = train size" : "";
    if (row.size == r.best_size) mark += "  <- best without fine-tuning";
    char line[160];
    std::snprintf(line, sizeof line, "%6d px   %9s   %34s%s", row.size, engine::format_number("%.2f", row.plain.top1_percent()).c_str(),
                  row.finetuned ? engine::format_number("%.2f", row.finetuned->top1_percent()).c_str() : "-", mark.c_str());
    print_line(line);
  }
  print_line("");
  const engine::DemoRow* same = row_at(r, c.train_size);
  const engine::DemoRow* best = row_at(r, r.best_size);
  if (same && best) {
    print_line("Best test size without fine-tuning: " + std::to_string(r.best_size) + " px, top-1 " +
               engine::format_number("%.2f", best->plain.top1_percent()) + " (" +
               engine::format_number("%+.2f", best->plain.top1_percent() - same->plain.top1_percent()) +
               " over testing at the train size " + std::to_string(c.train_size) + " px)");
  }
  std::string winner = "Winning setting: train " + std::to_string(c.train_size) + " px, test " +
                       std::to_string(r.winner_size) + " px" +
                       (r.winner_finetuned ? " with FixRes fine-tuning" : " without fine-tuning") + ": top-1 " +
                       engine::format_number("%.2f", r.winner_top1);
  if (same) winner += " (train = test = " + std::to_string(c.train_size) + " px: " + engine::format_number("%.2f", same->plain.top1_percent()) + ")";
  print_line(winner);
  if (r.winner_size != c.train_size) {
    print_line("Training at " + std::to_string(c.train_size) + " px instead of the test size " +
               std::to_string(r.winner_size) + " px costs " + engine::format_number("%.0f", 100.0 * r.train_cost_ratio) +
               "% of the pixels (~FLOPs) per training image: " + engine::format_number("%.2f", 1.0 / r.train_cost_ratio) +
               "x cheaper.");
  }
  print_line("Time: train " + engine::format_number("%.0f", r.train_seconds) + " s, sweep " + engine::format_number("%.0f", r.sweep_seconds) +
             " s, fine-tuning " + engine::format_number("%.0f", r.finetune_seconds) + " s, total " + engine::format_number("%.0f", r.total_seconds) +
             " s");
}

std::string svg_plot(const engine::DemoResult& r) {
  engine::LinePlot plot;
  plot.title = "Fashion-MNIST, " + r.train.architecture + " trained at " + std::to_string(r.config.train_size) +
               " px: top-1 against test size";
  plot.x_label = "test size (pixels)";
  plot.y_label = "top-1 accuracy (%)";
  engine::PlotSeries plain{"trained at " + std::to_string(r.config.train_size) + " px, tested as is", "#1f77b4", false, {}};
  engine::PlotSeries tuned{"after FixRes fine-tuning at the test size", "#d62728", true, {}};
  for (const auto& row : r.rows) {
    plain.points.push_back({static_cast<double>(row.size), row.plain.top1_percent()});
    tuned.points.push_back({static_cast<double>(row.size), finetuned_top1(row)});
    plot.x_ticks.push_back(row.size);
  }
  auto by_x = [](const engine::PlotPoint& a, const engine::PlotPoint& b) { return a.x < b.x; };
  std::sort(plain.points.begin(), plain.points.end(), by_x);
  std::sort(tuned.points.begin(), tuned.points.end(), by_x);
  std::sort(plot.x_ticks.begin(), plot.x_ticks.end());
  plot.series.push_back(plain);
  plot.series.push_back(tuned);
  plot.highlight = engine::PlotHighlight{static_cast<double>(r.winner_size), r.winner_top1,
                                         "best: test " + std::to_string(r.winner_size) + " px" +
                                             (r.winner_finetuned ? " fine-tuned" : "") + ", " +
                                             engine::format_number("%.2f", r.winner_top1) + "%"};
  return engine::render_svg(plot);
}

nlohmann::json results_json(const engine::DemoResult& r) {
  const auto& c = r.config;
  nlohmann::json sweep = nlohmann::json::array();
  for (const auto& row : r.rows) {
    sweep.push_back({{"size", row.size},
                     {"top1", row.plain.top1_percent()},
                     {"top5", row.plain.top5_percent()},
                     {"top1_finetuned", percent_or_null(row.finetuned, false)},
                     {"top5_finetuned", percent_or_null(row.finetuned, true)},
                     {"images", row.plain.images},
                     {"finetune_seconds", row.finetuned ? nlohmann::json(row.finetune_seconds) : nullptr}});
  }
  nlohmann::json finetunes = nlohmann::json::array();
  for (const auto& f : r.finetunes) finetunes.push_back(engine::training_result_json(f));
  return {{"command", "demo"},
          {"preset", c.preset},
          {"dataset", r.dataset},
          {"architecture", r.train.architecture},
          {"train_size", c.train_size},
          {"best_size", r.best_size},
          {"best_finetuned_size", r.best_finetuned_size ? nlohmann::json(*r.best_finetuned_size) : nullptr},
          {"winner", {{"train_size", c.train_size}, {"test_size", r.winner_size}, {"finetuned", r.winner_finetuned},
                      {"top1", r.winner_top1}}},
          {"train_cost_ratio", r.train_cost_ratio},
          {"sweep", sweep},
          {"settings",
           {{"train_images", r.train_images}, {"finetune_images", r.finetune_images}, {"val_images", r.val_images},
            {"train_epochs", c.train_epochs}, {"train_iterations_per_epoch", c.train_iterations},
            {"train_lr", c.train_lr}, {"repetitions", c.repetitions}, {"len_factor", c.len_factor},
            {"finetune_epochs", c.finetune_epochs}, {"finetune_lr", c.finetune_lr}, {"batch", c.batch},
            {"workers", c.workers}, {"seed", c.seed}, {"finetune_every_size", c.finetune_every_size}}},
          {"normalization", r.normalization},
          {"val_folder", r.val_folder},
          {"train_checkpoint", r.train_checkpoint},
          {"finetune_checkpoints", r.finetune_checkpoints},
          {"seconds", {{"train", r.train_seconds}, {"sweep", r.sweep_seconds}, {"finetune", r.finetune_seconds},
                       {"total", r.total_seconds}}},
          {"train", engine::training_result_json(r.train)},
          {"finetune", finetunes}};
}

void run_export(const DemoFlags& flags) {
  io::ensure_writable_directory(flags.export_dir);
  const engine::EngineApi& api = engine_api_with_threads(flags.threads);
  const engine::DemoExportResult result = api.demo_export(flags.export_dir, flags.data_root, terminal_reporter());
  print_line("Wrote " + std::to_string(result.train_images) + " training and " + std::to_string(result.val_images) +
             " test images (" + std::to_string(result.classes) + " classes) as PNG ImageFolders: " + result.dir +
             "/train, " + result.dir + "/val");
}

void run(const DemoFlags& flags) {
  if (!flags.export_dir.empty()) return run_export(flags);
  if (flags.every_size && flags.best_only) throw UsageError("--finetune-every-size and --finetune-best-only exclude each other");
  engine::DemoConfig config = engine::demo_preset(flags.quick);
  config.out_dir = flags.out;
  config.data_root = flags.data_root;
  config.workers = flags.workers;
  config.seed = flags.seed;
  if (flags.every_size) config.finetune_every_size = true;
  if (flags.best_only) config.finetune_every_size = false;
  const bool custom = flags.architecture || flags.train_size || flags.test_sizes || flags.epochs || flags.train_lr ||
                      flags.train_images || flags.finetune_images || flags.val_images || flags.canvas;
  if (flags.architecture) config.architecture = *flags.architecture;
  if (flags.train_size) config.train_size = *flags.train_size;
  if (flags.test_sizes) config.test_sizes = parse_sizes(*flags.test_sizes, "--test-sizes");
  if (flags.epochs) config.train_epochs = *flags.epochs;
  if (flags.train_lr) config.train_lr = *flags.train_lr;
  if (flags.train_images) config.train_images = *flags.train_images;
  if (flags.finetune_images) config.finetune_images = *flags.finetune_images;
  if (flags.val_images) config.val_images = *flags.val_images;
  if (flags.canvas) {
    config.canvas = *flags.canvas;
    config.canvas_jitter = *flags.canvas > 28 ? (*flags.canvas - 28) / 2 : 0;
  }
  // Checkpoint jobs are named after the preset: a changed setting must never resume another's.
  if (custom) config.preset += "-custom-" + settings_tag(config);
  // Refuse an unwritable output folder (and --json's) before loading the engine or training.
  io::ensure_writable_directory(flags.out);
  if (!flags.json_path.empty()) {
    const auto parent = std::filesystem::path(flags.json_path).parent_path();
    io::ensure_writable_directory(parent.empty() ? "." : parent.string());
  }
  const engine::EngineApi& api = engine_api_with_threads(flags.threads);
  const engine::DemoResult result = api.demo(config, terminal_reporter());
  print_table(result);
  const nlohmann::json json = results_json(result);
  const std::string results_path = (std::filesystem::path(flags.out) / "results.json").string();
  const std::string plot_path = (std::filesystem::path(flags.out) / "sweep.svg").string();
  write_json(results_path, json);
  write_json(flags.json_path, json);
  io::write_file_atomically(plot_path, svg_plot(result));
  print_line("Wrote " + results_path + ", " + plot_path + "; checkpoints under " +
             (std::filesystem::path(flags.out) / "checkpoints").string());
}

}  // namespace

Command add_demo(CLI::App& root) {
  auto flags = std::make_shared<DemoFlags>();
  CLI::App* app = root.add_subcommand("demo", "FixRes end to end on Fashion-MNIST in minutes");
  app->add_option("--out", flags->out, "Folder for results.json, sweep.svg, checkpoints and the exported test images")
      ->capture_default_str();
  app->add_flag("--quick", flags->quick, "Smaller run (~2 minutes on 2 cores) instead of the default (~7 minutes)");
  app->add_option("--threads", flags->threads, "Intra-op threads (0: all cores)")->check(CLI::NonNegativeNumber);
  app->add_option("--workers", flags->workers, "Image loading threads")->capture_default_str()->check(CLI::NonNegativeNumber);
  app->add_option("--json", flags->json_path, "Also write the results JSON here");
  app->add_option("--seed", flags->seed, "Seed of the subsets, initialisation, sampling and augmentation")
      ->capture_default_str();
  app->add_flag("--finetune-every-size", flags->every_size, "Fine-tune at every swept size (the default preset does)");
  app->add_flag("--finetune-best-only", flags->best_only, "Fine-tune only at the best test size (--quick does)");
  app->add_option("--data-root", flags->data_root, "Fashion-MNIST idx .gz folder (Debian: dataset-fashion-mnist)")
      ->capture_default_str();
  app->add_option("--architecture", flags->architecture, "Override: network to train (a registry row; default resnet26_w16_s16, --quick resnet26_w16)");
  app->add_option("--train-size", flags->train_size, "Override: S_train in pixels")->check(CLI::Range(8, 1024));
  app->add_option("--test-sizes", flags->test_sizes, "Override: test sizes swept, e.g. 32,40,48 or 32:96:8");
  app->add_option("--epochs", flags->epochs, "Override: training epochs")->check(CLI::PositiveNumber);
  app->add_option("--train-lr", flags->train_lr, "Override: base learning rate of the training (x 8*batch/512)")
      ->check(CLI::PositiveNumber);
  app->add_option("--train-images", flags->train_images, "Override: training images (0: all 60000)")
      ->check(CLI::NonNegativeNumber);
  app->add_option("--finetune-images", flags->finetune_images, "Override: fine-tuning images (0: all 60000)")
      ->check(CLI::NonNegativeNumber);
  app->add_option("--val-images", flags->val_images, "Override: test images (0: all 10000)")
      ->check(CLI::NonNegativeNumber);
  app->add_option("--canvas", flags->canvas,
                  "Override: paste each 28x28 item at a random place of a black canvas this wide (0: off)")
      ->check(CLI::Range(0, 1024));
  app->add_option("--export", flags->export_dir,
                  "Only write Fashion-MNIST as PNG ImageFolders DIR/train and DIR/val (for the other commands)");
  return {app, [flags] { run(*flags); }};
}

}  // namespace fixres::cli
