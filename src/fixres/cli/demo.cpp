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
#include "fixres/core/precision.h"
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
  std::optional<int> seeds;
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
  std::optional<double> rrc_scale;
  std::optional<int> batch;
  std::optional<double> label_smoothing;
  std::optional<std::string> lr_schedule;
  std::optional<int> claim_size;
  std::optional<std::string> precision;
  std::optional<float> color_jitter;
  std::optional<double> warmup_epochs;
  std::optional<int> finetune_epochs;
  std::optional<double> finetune_lr;
};

/// A short stable hash of a settings text (checkpoint job names).
std::string short_hash(const std::string& text) {
  std::uint64_t h = 1469598103934665603ULL;  // FNV-1a
  for (unsigned char ch : text) h = (h ^ ch) * 1099511628211ULL;
  char tag[20];
  std::snprintf(tag, sizeof tag, "%08llx", static_cast<unsigned long long>(h & 0xffffffffULL));
  return tag;
}

/// The tag of the settings that shape the trained networks.
std::string settings_tag(const engine::DemoConfig& c) {
  return short_hash(c.architecture + "/" + std::to_string(c.train_size) + "/" + std::to_string(c.train_epochs) + "/" +
                    engine::format_number("%g", c.train_lr) + "/" + std::to_string(c.train_images) + "/" +
                    std::to_string(c.canvas) + "/" + std::to_string(c.canvas_jitter) + "/" + std::to_string(c.batch) +
                    "/" + c.lr_schedule + "/" + engine::format_number("%g", c.label_smoothing) + "/" +
                    engine::format_number("%g", c.rrc_min_scale) + "/" + engine::format_number("%g", c.warmup_epochs) +
                    "/" + c.precision + "/" + (c.channels_last ? "cl" : "nchw") + "/" +
                    (c.color_jitter ? engine::format_number("%g", *c.color_jitter) : "cj"));
}

/// The tag of the fine-tuning settings (the fine-tuning jobs add it to settings_tag's).
std::string finetune_tag(const engine::DemoConfig& c) {
  return short_hash(std::to_string(c.finetune_images) + "/" + std::to_string(c.finetune_epochs) + "/" +
                    engine::format_number("%g", c.finetune_lr));
}

std::string seeds_text(const engine::DemoConfig& c) {
  if (c.seeds == 1) return "seed " + std::to_string(c.seed);
  return std::to_string(c.seeds) + " seeds (" + std::to_string(c.seed) + "-" + std::to_string(c.seed + c.seeds - 1) +
         "), mean ± standard deviation";
}

/// The table in the spirit of the paper's Tables 1/2: one row per test size, then the statements.
void print_table(const engine::DemoResult& r) {
  const auto& c = r.config;
  const engine::DemoSummary& s = r.summary;
  print_line(r.dataset);
  print_line(r.architecture + " trained from scratch at " + std::to_string(c.train_size) + " px (RandomResizedCrop, " +
             c.lr_schedule + " LR, " + c.precision + ") on " + std::to_string(r.train_images) + " images, " + std::to_string(c.train_epochs) +
             " epoch(s); FixRes fine-tuning on " + std::to_string(r.finetune_images) + " images; top-1 on " +
             std::to_string(r.val_images) + " test images (Resize + CenterCrop at each size); " + seeds_text(c));
  print_line("");
  print_line("test size   top-1 (%)          top-1 after FixRes fine-tuning (%)");
  for (const auto& row : s.rows) {
    std::string mark = row.size == c.train_size ? "  = train size" : "";
    if (row.size == s.best_size) mark += "  <- best without fine-tuning";
    if (s.best_finetuned_size && row.size == *s.best_finetuned_size) mark += "  <- best after fine-tuning";
    char line[200];
    std::snprintf(line, sizeof line, "%6d px   %-17s  %-17s%s", row.size, engine::format_mean_std(row.top1).c_str(),
                  row.top1_finetuned ? engine::format_mean_std(*row.top1_finetuned).c_str() : "-", mark.c_str());
    print_line(line);
  }
  if (s.train_at_test) {
    print_line("Trained at " + std::to_string(s.claim_size) + " px instead (same epochs), tested at " +
               std::to_string(s.claim_size) + " px: " + engine::format_mean_std(*s.train_at_test));
  }
  print_line("");
  for (const auto& st : s.statements) print_line((st.holds ? "* " : "- ") + st.text);
  if (c.seeds == 1 || c.preset == "quick") {
    print_line("Note: " + std::string(c.preset == "quick" ? "--quick is a smoke-sized run" : "one seed") +
               ": too short to be conclusive (run `fixres demo` for the default preset, " +
               std::to_string(engine::demo_preset(false).seeds) + " seeds).");
  }
  double train = 0, sweep = 0, finetune = 0, at_test = 0;
  for (const auto& run : r.runs) {
    train += run.train_seconds, sweep += run.sweep_seconds, finetune += run.finetune_seconds;
    at_test += run.train_at_test_seconds;
  }
  print_line("Time: " + engine::format_number("%.0f", r.total_seconds) + " s in all; per phase, summed over the seeds" +
             (c.seeds > 1 || c.claim_size > 0 ? " (runs side by side overlap)" : "") + ": train " +
             engine::format_number("%.0f", train) + " s, sweep " + engine::format_number("%.0f", sweep) +
             " s, fine-tuning " + engine::format_number("%.0f", finetune) + " s, training at the test size " +
             engine::format_number("%.0f", at_test) + " s");
}

std::string svg_plot(const engine::DemoResult& r) {
  const engine::DemoSummary& s = r.summary;
  engine::LinePlot plot;
  plot.title = "Fashion-MNIST, trained at " + std::to_string(r.config.train_size) + " px" +
               (r.config.seeds > 1 ? " (mean ± std over " + std::to_string(r.config.seeds) + " seeds)" : "");
  plot.x_label = "test size (pixels)";
  plot.y_label = "top-1 accuracy (%)";
  engine::PlotSeries plain{"trained at " + std::to_string(r.config.train_size) + " px, tested as is", "#1f77b4", false, {}};
  engine::PlotSeries tuned{"after FixRes fine-tuning at the test size", "#d62728", true, {}};
  for (const auto& row : s.rows) {
    plain.points.push_back({static_cast<double>(row.size), row.top1.mean, row.top1.std});
    tuned.points.push_back(row.top1_finetuned ? engine::PlotPoint{static_cast<double>(row.size), row.top1_finetuned->mean,
                                                                  row.top1_finetuned->std}
                                              : engine::PlotPoint{static_cast<double>(row.size), std::nullopt, 0.0});
    plot.x_ticks.push_back(row.size);
  }
  auto by_x = [](const engine::PlotPoint& a, const engine::PlotPoint& b) { return a.x < b.x; };
  std::sort(plain.points.begin(), plain.points.end(), by_x);
  std::sort(tuned.points.begin(), tuned.points.end(), by_x);
  std::sort(plot.x_ticks.begin(), plot.x_ticks.end());
  plot.series.push_back(plain);
  plot.series.push_back(tuned);
  if (s.train_at_test) {
    plot.series.push_back({"trained at " + std::to_string(s.claim_size) + " px, tested there", "#2ca02c", false,
                           {{static_cast<double>(s.claim_size), s.train_at_test->mean, s.train_at_test->std}}, false});
  }
  return engine::render_svg(plot);
}

nlohmann::json mean_std_json(const std::optional<engine::MeanStd>& m, bool std_part) {
  if (!m) return nullptr;
  return std_part ? m->std : m->mean;
}

nlohmann::json results_json(const engine::DemoResult& r) {
  const auto& c = r.config;
  const engine::DemoSummary& s = r.summary;
  nlohmann::json sweep = nlohmann::json::array();
  for (std::size_t i = 0; i < s.rows.size(); ++i) {
    const auto& row = s.rows[i];
    nlohmann::json per_seed = nlohmann::json::array();
    for (const auto& run : r.runs) {
      const engine::DemoRow& x = run.rows.at(i);
      per_seed.push_back({{"seed", run.seed},
                          {"top1", x.plain.top1_percent()},
                          {"top5", x.plain.top5_percent()},
                          {"top1_finetuned", percent_or_null(x.finetuned, false)},
                          {"top5_finetuned", percent_or_null(x.finetuned, true)},
                          {"finetune_seconds", x.finetuned ? nlohmann::json(x.finetune_seconds) : nullptr}});
    }
    sweep.push_back({{"size", row.size},
                     {"top1_mean", row.top1.mean},
                     {"top1_std", row.top1.std},
                     {"top1_finetuned_mean", mean_std_json(row.top1_finetuned, false)},
                     {"top1_finetuned_std", mean_std_json(row.top1_finetuned, true)},
                     {"images", r.val_images},
                     {"per_seed", per_seed}});
  }
  nlohmann::json statements = nlohmann::json::array();
  for (const auto& st : s.statements) {
    statements.push_back({{"claim", st.claim}, {"holds", st.holds}, {"evidence", st.evidence}, {"text", st.text}});
  }
  nlohmann::json seeds = nlohmann::json::array(), runs = nlohmann::json::array();
  for (const auto& run : r.runs) {
    seeds.push_back(run.seed);
    nlohmann::json finetunes = nlohmann::json::array();
    for (const auto& f : run.finetunes) finetunes.push_back(engine::training_result_json(f));
    runs.push_back({{"seed", run.seed},
                    {"best_size", run.best_size},
                    {"train_checkpoint", run.train_checkpoint},
                    {"finetune_checkpoints", run.finetune_checkpoints},
                    {"seconds", {{"train", run.train_seconds}, {"sweep", run.sweep_seconds},
                                 {"finetune", run.finetune_seconds}, {"train_at_test_size", run.train_at_test_seconds}}},
                    {"train", engine::training_result_json(run.train)},
                    {"finetune", finetunes},
                    {"train_at_test_size", run.train_at_test ? engine::training_result_json(*run.train_at_test) : nullptr}});
  }
  return {{"command", "demo"},
          {"preset", c.preset},
          {"dataset", r.dataset},
          {"architecture", r.architecture},
          {"seeds", seeds},
          {"train_size", c.train_size},
          {"best_size", s.best_size},
          {"best_finetuned_size", s.best_finetuned_size ? nlohmann::json(*s.best_finetuned_size) : nullptr},
          {"train_at_test_size", s.train_at_test ? nlohmann::json{{"size", s.claim_size}, {"top1_mean", s.train_at_test->mean},
                                                                  {"top1_std", s.train_at_test->std}}
                                                 : nlohmann::json(nullptr)},
          {"sweep", sweep},
          {"statements", statements},
          {"settings",
           {{"train_images", r.train_images}, {"finetune_images", r.finetune_images}, {"val_images", r.val_images},
            {"train_epochs", c.train_epochs}, {"train_iterations_per_epoch", c.train_iterations},
            {"train_lr", c.train_lr}, {"lr_schedule", c.lr_schedule}, {"warmup_epochs", c.warmup_epochs},
            {"label_smoothing", c.label_smoothing}, {"repetitions", c.repetitions}, {"len_factor", c.len_factor},
            {"finetune_epochs", c.finetune_epochs}, {"finetune_lr", c.finetune_lr}, {"finetune_sizes", c.finetune_sizes},
            {"claim_size", c.claim_size}, {"canvas", c.canvas}, {"canvas_jitter", c.canvas_jitter},
            {"batch", c.batch}, {"workers", c.workers}, {"rrc_min_scale", c.rrc_min_scale},
            {"color_jitter", c.color_jitter ? nlohmann::json(*c.color_jitter) : nlohmann::json(nullptr)},
            {"precision", c.precision}, {"channels_last", c.channels_last}}},
          {"normalization", r.normalization},
          {"val_folder", r.val_folder},
          {"seconds", r.total_seconds},
          {"runs", runs}};
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
  if (flags.seeds) config.seeds = *flags.seeds;
  if (flags.every_size) config.finetune_sizes = config.test_sizes;
  if (flags.best_only) config.finetune_sizes.clear();
  const bool custom = flags.architecture || flags.train_size || flags.test_sizes || flags.epochs || flags.train_lr ||
                      flags.train_images || flags.finetune_images || flags.val_images || flags.canvas ||
                      flags.rrc_scale || flags.batch || flags.label_smoothing || flags.lr_schedule || flags.claim_size ||
                      flags.precision || flags.color_jitter || flags.warmup_epochs ||
                      flags.finetune_epochs || flags.finetune_lr;
  if (flags.architecture) config.architecture = *flags.architecture;
  if (flags.train_size) config.train_size = *flags.train_size;
  if (flags.test_sizes) {
    config.test_sizes = parse_sizes(*flags.test_sizes, "--test-sizes");
    // The preset's fine-tuning and claim sizes that the new list lacks are dropped.
    std::vector<int> kept;
    for (int size : config.finetune_sizes) {
      if (std::find(config.test_sizes.begin(), config.test_sizes.end(), size) != config.test_sizes.end()) kept.push_back(size);
    }
    config.finetune_sizes = flags.every_size ? config.test_sizes : kept;
    if (std::find(config.test_sizes.begin(), config.test_sizes.end(), config.claim_size) == config.test_sizes.end()) {
      config.claim_size = 0;
    }
  }
  if (flags.epochs) config.train_epochs = *flags.epochs;
  if (flags.train_lr) config.train_lr = *flags.train_lr;
  if (flags.train_images) config.train_images = *flags.train_images;
  if (flags.finetune_images) config.finetune_images = *flags.finetune_images;
  if (flags.val_images) config.val_images = *flags.val_images;
  if (flags.rrc_scale) config.rrc_min_scale = *flags.rrc_scale;
  if (flags.batch) config.batch = *flags.batch;
  if (flags.label_smoothing) config.label_smoothing = *flags.label_smoothing;
  if (flags.lr_schedule) config.lr_schedule = *flags.lr_schedule;
  if (flags.claim_size) config.claim_size = *flags.claim_size;
  // bf16 where the CPU computes it natively (1.6x the fp32 throughput of these small networks).
  config.precision = flags.precision.value_or(engine::cpu_has_bf16() ? "bf16" : "fp32");
  try {
    engine::check_precision(config.precision, config.device);
  } catch (const std::invalid_argument& e) {
    throw UsageError(e.what());
  }
  if (flags.color_jitter) config.color_jitter = *flags.color_jitter;
  if (flags.warmup_epochs) config.warmup_epochs = *flags.warmup_epochs;
  if (flags.finetune_epochs) config.finetune_epochs = *flags.finetune_epochs;
  if (flags.finetune_lr) config.finetune_lr = *flags.finetune_lr;
  if (flags.canvas) {
    config.canvas = *flags.canvas;
    config.canvas_jitter = *flags.canvas > 28 ? (*flags.canvas - 28) / 2 : 0;
  }
  // Checkpoint jobs are named after the preset: a changed setting must never resume another's.
  if (custom) config.preset += "-custom";
  config.settings_tag = settings_tag(config);
  config.finetune_tag = finetune_tag(config);
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
  app->add_flag("--quick", flags->quick,
                "Smoke-sized run (under a minute on 2 cores, one seed, not conclusive) instead of the default (~15 minutes)");
  app->add_option("--threads", flags->threads, "Intra-op threads (0: all cores)")->check(CLI::NonNegativeNumber);
  app->add_option("--workers", flags->workers, "Image loading threads")->capture_default_str()->check(CLI::NonNegativeNumber);
  app->add_option("--json", flags->json_path, "Also write the results JSON here");
  app->add_option("--seed", flags->seed, "Seed of the subsets, initialisation, sampling and augmentation")
      ->capture_default_str();
  app->add_option("--seeds", flags->seeds, "Independent runs, seeds SEED, SEED+1, ... (default preset 3, --quick 1)")
      ->check(CLI::Range(1, 100));
  app->add_flag("--finetune-every-size", flags->every_size, "Fine-tune at every swept size (default: the preset's sizes)");
  app->add_flag("--finetune-best-only", flags->best_only,
                "Fine-tune only at each seed's best test size (and the claim size)");
  app->add_option("--data-root", flags->data_root, "Fashion-MNIST idx .gz folder (Debian: dataset-fashion-mnist)")
      ->capture_default_str();
  app->add_option("--architecture", flags->architecture, "Override: network to train (a registry row; default resnet26_w16_s16)");
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
  app->add_option("--rrc-scale", flags->rrc_scale, "Override: RandomResizedCrop's smallest area fraction")
      ->check(CLI::Range(0.001, 1.0));
  app->add_option("--batch", flags->batch, "Override: images per batch (the LR scales with it)")
      ->check(CLI::PositiveNumber);
  app->add_option("--label-smoothing", flags->label_smoothing, "Override: the training's label smoothing")
      ->check(CLI::Range(0.0, 0.999));
  app->add_option("--lr-schedule", flags->lr_schedule, "Override: the training's LR schedule")
      ->check(CLI::IsMember({"step", "cosine", "constant"}));
  app->add_option("--claim-size", flags->claim_size,
                  "Override: the test size T of the economic claim (a network is also trained at T; 0: off)")
      ->check(CLI::NonNegativeNumber);
  app->add_option("--precision", flags->precision,
                  "Override: fp32, or bf16 (convolutions in bfloat16 on float32 weights; CPUs with AVX512-BF16/AMX)")
      ->check(CLI::IsMember({"fp32", "bf16"}));
  app->add_option("--color-jitter", flags->color_jitter, "Override: the training's ColorJitter strength (0: none)")
      ->check(CLI::Range(0.0, 1.0));
  app->add_option("--warmup-epochs", flags->warmup_epochs, "Override: the training's linear LR warmup, in epochs")
      ->check(CLI::NonNegativeNumber);
  app->add_option("--finetune-epochs", flags->finetune_epochs, "Override: FixRes fine-tuning epochs")
      ->check(CLI::PositiveNumber);
  app->add_option("--finetune-lr", flags->finetune_lr, "Override: FixRes fine-tuning's base LR (x 8*batch/512)")
      ->check(CLI::PositiveNumber);
  app->add_option("--export", flags->export_dir,
                  "Only write Fashion-MNIST as PNG ImageFolders DIR/train and DIR/val (for the other commands)");
  return {app, [flags] { run(*flags); }};
}

}  // namespace fixres::cli
