// `fixres finetune`: the seed's main_finetune.py — FixRes fine-tuning of released weights at the
// test resolution, with checkpoints after every epoch and resume (engine/finetune.h).
#include "fixres/cli/command.h"
#include "fixres/cli/engine_loader.h"
#include "fixres/cli/output.h"
#include "fixres/cli/training_flags.h"
#include "fixres/core/finetune.h"
#include "fixres/core/format.h"

namespace fixres::cli {

Command add_finetune(CLI::App& root) {
  auto command = std::make_shared<BoundCommand<engine::FinetuneConfig>>();
  engine::FinetuneConfig& config = command->config;
  CLI::App* app = root.add_subcommand("finetune", "FixRes fine-tuning at the test resolution (main_finetune.py)");
  TrainingDefaults defaults;  // main_finetune.py's: 1 epoch, lr 1e-3, 320 px, batch 8, weights required
  add_training_flags(*app, {config.model, config.data, config.training, command->cli}, defaults);
  app->add_option("--transforms", config.transforms,
                  "v1: the test transform at --input-size; v2: transforms_v2's 'val_train' (flip, jitter, shifted crop)")
      ->capture_default_str()
      ->check(CLI::IsMember({"v1", "v2"}));
  app->add_option("--train-layers", config.train_layers,
                  "State-dict prefixes that train, comma-separated (e.g. fc,layer4.2.bn3 or head,norm,pos_embed), "
                  "or all; replaces the architecture's FixRes policy. Prefixes that are modules run in train mode")
      ->delimiter(',');
  engine::TrunkCacheOptions& cache = config.training.cache;
  app->add_flag_callback("--no-cache", [&cache] { cache.enabled = false; },
                         "Run the frozen layers on every image in every epoch instead of keeping their output "
                         "(the frozen-trunk cache, on by default with --transforms v1, gives the same checkpoints)");
  app->add_option_function<std::string>(
      "--cache-memory", [&cache](const std::string& text) { cache.memory_bytes = engine::parse_byte_size(text, "--cache-memory"); },
      "Memory the frozen-trunk cache may use, e.g. 8G or 512M (default: half of the available memory); beyond it "
      "the cache goes to a file under --cache-dir");
  app->add_option("--cache-dir", cache.dir,
                  "Folder of the frozen-trunk cache's file beyond --cache-memory (default: $TMPDIR or /tmp; the file "
                  "is deleted as soon as it is open)");
  return {app, [command] { run_training_command(*command, &engine::EngineApi::finetune); }};
}

}  // namespace fixres::cli
