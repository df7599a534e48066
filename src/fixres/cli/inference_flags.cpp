#include "fixres/cli/inference_flags.h"

#include "fixres/cli/command.h"
#include "fixres/cli/dist_options.h"
#include "fixres/core/training_config.h"  // TopkCounts as JSON

#include <map>

namespace fixres::cli {

void add_inference_flags(CLI::App& app, engine::ModelConfig& model, engine::InferenceDataConfig& data, CliFlags& cli) {
  add_model_flags(app, model, /*weights_required=*/true);
  auto* imnet = app.add_option("--imnet-path", cli.imnet_path, "ImageNet root holding train/ and val/");
  auto* folder = app.add_option("--dataset-path", data.dataset_path,
                                "One ImageFolder (a sub-folder per class) instead of --imnet-path");
  imnet->excludes(folder);
  add_strict_images_flag(app, data.strict_images);
  const std::map<std::string, data::ClassOrder> orders = {{"auto", data::ClassOrder::Auto},
                                                          {"sorted", data::ClassOrder::Sorted}};
  auto* order = app.add_option("--class-order", data.labels.order,
                               "auto: numeric class folders (ImageNet-V2's 0 … 999) are labels by value, others "
                               "sorted by name; sorted: by name always (torchvision's ImageFolder)")
                    ->transform(CLI::CheckedTransformer(orders, CLI::ignore_case));
  app.add_option("--class-map", data.labels.class_map,
                 "Line i names class i (or a folder: its sorted sub-folders, e.g. ImageNet's train/ for the 1000 "
                 "wnids); folders that are a subset of it (ImageNet-A/-R) are scored on their classes only")
      ->excludes(order);
  app.add_option("--real-labels", data.labels.real_labels,
                 "ImageNet-ReaL's real.json: also ReaL top-1/top-5 (images matched by their ILSVRC2012_val number; "
                 "those with no label left out)");
  app.add_option_function<std::string>(
         "--tta", [&data](const std::string& mode) { data.tta_flip = mode == "flip"; },
         "flip: also run each test crop mirrored and average the two softmaxes (and embeddings)")
      ->check(CLI::IsMember({"none", "flip"}));
  add_loader_flags(app, data.batch, data.workers);
  add_dist_flags(app, data.dist);
  add_cli_flags(app, cli);
}

void add_results_file_flag(CLI::App& app, CliFlags& cli) {
  app.add_option("--results-file", cli.results_csv,
                 "Append one CSV row per result (timm's columns: model,top1,top1_err,top5,top5_err,param_count,"
                 "img_size,crop_pct,interpolation; then weights,resize_mode,resize_size,images,images_per_second)");
}

void resolve_dataset_path(engine::InferenceDataConfig& data, const CliFlags& cli) {
  if (!data.dataset_path.empty()) return;
  if (cli.imnet_path.empty()) throw UsageError("give --imnet-path ROOT (uses ROOT/val) or --dataset-path DIR");
  data.dataset_path = cli.imnet_path + "/val";
}

nlohmann::json skipped_json(const std::vector<engine::SkippedImageReport>& skipped) {
  nlohmann::json list = nlohmann::json::array();
  for (const auto& s : skipped) list.push_back(s);
  return list;
}

void print_counts(const engine::InferenceRunReport& report) {
  print_line(engine::format_topk(report.counts));
  if (report.real) print_line("ReaL:  " + engine::format_topk(*report.real));
}

nlohmann::json inference_report_json(const engine::InferenceRunReport& report, const engine::ModelConfig& model,
                                     const engine::InferenceDataConfig& data) {
  nlohmann::json json = {{"architecture", report.architecture},
          {"weights", model.weight_path},
          {"dataset", data.dataset_path},
          {"input_size", report.input_size},
          {"top1", report.counts.top1_percent()},
          {"top5", report.counts.top5_percent()},
          {"seconds", report.seconds},
          {"images_per_second", report.images_per_second},
          {"normalization", report.normalization},
          {"test_transform", report.test_transform},
          {"resize_mode", data::resize_mode_name(report.protocol.resize_mode)},
          {"crop_pct", report.protocol.resize_size > 0 ? nlohmann::json(nullptr) : nlohmann::json(report.protocol.crop_pct)},
          {"resize_size", report.protocol.resize_length(report.input_size)},
          {"interpolation", data::interpolation_name(report.protocol.interpolation)},
          {"fast_decode", report.protocol.fast_decode},
          {"tta", report.tta_flip ? "flip" : "none"},
          {"labels", report.labels},
          {"world_size", report.world_size},
          {"skipped_images", report.skipped.size()},
          {"skipped", skipped_json(report.skipped)}};
  if (report.real) json["real"] = *report.real;
  return json;
}

}  // namespace fixres::cli
