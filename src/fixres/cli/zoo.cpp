// `fixres zoo`: the released FixRes models (FixRes README's weights table) with, for each, how to
// fetch the weights and the command that reproduces the published accuracy. Torch-free.
#include <cstdio>
#include <memory>
#include <string>

#include "fixres/core/format.h"
#include "fixres/cli/command.h"
#include "fixres/cli/options.h"
#include "fixres/cli/output.h"
#include "fixres/core/zoo.h"

namespace fixres::cli {
namespace {

struct ZooFlags {
  std::string imnet_path = "IMAGENET_ROOT";
  std::string json_path;
  bool all = false;
};

std::string pad(const std::string& text, std::size_t width) {
  return text.size() >= width ? text : text + std::string(width - text.size(), ' ');
}

std::string fixed1(double value) { return engine::format_fixed(value, 1); }

std::string normalisation(const engine::ZooEntry& e) {
  return e.mean()[0] == 0.5f ? "mean=std=0.5" : "ImageNet mean/std";
}

void run(const ZooFlags& flags) {
  std::vector<engine::ZooEntry> entries = engine::zoo_entries();
  if (flags.all) {
    const auto& timm = engine::timm_zoo_entries();
    entries.insert(entries.end(), timm.begin(), timm.end());
  }
  print_line(pad("Model", flags.all ? 45 : 27) + pad("Size", 6) + pad("Params", 8) + pad("Top-1/Top-5", 13) + "Weights");
  for (const auto& e : entries) {
    print_line(pad(e.model(), flags.all ? 45 : 27) + pad(std::to_string(e.test_size()), 6) + pad(e.parameters(), 8) +
               pad(fixed1(e.top1()) + "/" + fixed1(e.top5()), 13) + (e.url().empty() ? e.file() : e.url()));
  }
  print_line("");
  nlohmann::json rows = nlohmann::json::array();
  for (const auto& e : entries) {
    print_line(e.model() + " (" + normalisation(e) + "):");
    if (!e.url().empty()) print_line("  " + engine::download_command(e));
    print_line("  " + engine::evaluate_command(e, flags.imnet_path));
    if (!e.note().empty()) print_line("  " + e.note());
    rows.push_back({{"model", e.model()},
                    {"file", e.file()},
                    {"url", e.url()},
                    {"architecture", e.architecture()},
                    {"efficientnet_model", e.efficientnet_model()},
                    {"test_size", e.test_size()},
                    {"parameters", e.parameters()},
                    {"top1", e.top1()},
                    {"top5", e.top5()},
                    {"mean", e.mean()},
                    {"std", e.std()},
                    {"note", e.note()},
                    {"origin", e.origin()},
                    {"crop_pct", e.crop_pct() > 0.0 ? nlohmann::json(e.crop_pct()) : nlohmann::json(nullptr)},
                    {"download", engine::download_command(e)},
                    {"command", engine::evaluate_command(e, flags.imnet_path)}});
  }
  write_json(flags.json_path, rows);
}

}  // namespace

Command add_zoo(CLI::App& root) {
  auto flags = std::make_shared<ZooFlags>();
  CLI::App* app = root.add_subcommand("zoo", "The released FixRes models and the command that evaluates each");
  app->add_option("--imnet-path", flags->imnet_path, "ImageNet root (ROOT/val) to put in the commands")
      ->capture_default_str();
  app->add_flag("--all", flags->all,
                "Also the timm weights of the ViT, DeiT and ConvNeXt rows (Hugging Face files, timm's accuracy)");
  add_json_flag(*app, flags->json_path);
  return {app, [flags] { run(*flags); }};
}

}  // namespace fixres::cli
