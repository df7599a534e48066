#include "fixres/cli/training_flags.h"

#include <sstream>

#include "fixres/cli/command.h"
#include "fixres/cli/dist_options.h"
#include "fixres/cli/output.h"
#include "fixres/core/augment_options.h"
#include "fixres/core/metrics.h"

namespace fixres::cli {

namespace {

/// The loss and optimisation flags of the post-FixRes recipes.
void add_recipe_flags(CLI::App& app, engine::TrainingOptions& options) {
  app.add_option("--lr-schedule", options.lr_schedule,
                 "step: the seed's StepLR(30, 0.1) per epoch; cosine: per step down to --min-lr at the last step; "
                 "constant")
      ->capture_default_str()
      ->check(CLI::IsMember({"step", "cosine", "constant"}));
  app.add_option("--warmup-epochs", options.warmup_epochs,
                 "Linear warmup per step from 1% of the LR over this many epochs (may be fractional)")
      ->check(CLI::NonNegativeNumber);
  app.add_option("--min-lr", options.min_lr, "Final LR of the cosine schedule")->check(CLI::NonNegativeNumber);
  app.add_option("--label-smoothing", options.label_smoothing,
                 "Cross-entropy against (1-e)*one-hot + e/classes (PyTorch's label_smoothing)")
      ->check(CLI::Range(0.0, 0.999));
  app.add_option("--grad-accum-steps", options.grad_accum_steps,
                 "Average the gradients of K batches per optimiser step (effective batch K*batch*world; the LR "
                 "scales with it)")
      ->check(CLI::PositiveNumber);
  app.add_option("--clip-grad", options.clip_grad, "Clip the gradients' total L2 norm to NORM before each step (0: off)")
      ->check(CLI::NonNegativeNumber);
  app.add_option("--val-size", options.val_size,
                 "Test size of the validation passes (default: the training size, --progressive's END)")
      ->check(CLI::PositiveNumber);
  app.add_option_function<std::string>(
      "--progressive",
      [&options](const std::string& text) {
        engine::ProgressiveResize p;
        char c1 = 0, c2 = 0;
        std::istringstream in(text);
        if (!(in >> p.start >> c1 >> p.end >> c2 >> p.epochs) || c1 != ':' || c2 != ':' || !in.eof() ||
            p.start <= 0 || p.end <= 0 || p.epochs <= 0) {
          throw CLI::ValidationError("--progressive", "expected START:END:EPOCHS (positive integers), got '" + text + "'");
        }
        options.progressive = p;
      },
      "Grow the training size linearly from START to END over EPOCHS epochs (multiples of 32, of the patch "
      "for a ViT), then recalibrate the batch norms at END");
  app.add_option("--mixup", options.mixup.mixup_alpha, "Mixup of the training batches with lambda ~ Beta(a, a) (0: off)")
      ->check(CLI::NonNegativeNumber);
  app.add_option("--cutmix", options.mixup.cutmix_alpha, "CutMix of the training batches with lambda ~ Beta(a, a) (0: off)")
      ->check(CLI::NonNegativeNumber);
  app.add_option("--mix-prob", options.mixup.mix_prob, "Share of batches mixed (timm's mixup_prob)")
      ->capture_default_str()
      ->check(CLI::Range(0.0, 1.0));
  app.add_option("--switch-prob", options.mixup.switch_prob, "With both on: share of mixed batches that use CutMix")
      ->capture_default_str()
      ->check(CLI::Range(0.0, 1.0));
  app.add_option("--reprob", options.reprob,
                 "Random erasing of the training images with this probability (timm's RandomErasing, 'pixel' mode)")
      ->check(CLI::Range(0.0, 1.0));
  app.add_option("--optimizer", options.optimizer, "sgd (the seed's, momentum 0.9) or adamw (betas 0.9, 0.999)")
      ->capture_default_str()
      ->check(CLI::IsMember({"sgd", "adamw"}));
  app.add_option_function<double>(
         "--weight-decay", [&options](double wd) { options.weight_decay = wd; },
         "Weight decay (default: 1e-4 with SGD, 0.05 with AdamW)")
      ->check(CLI::NonNegativeNumber);
  app.add_flag_callback("--no-decay-norm-bias", [&options] { options.no_decay_norm_bias = true; },
                        "Norms, biases (and a ViT's pos_embed, cls_token) without weight decay (default with AdamW)");
  app.add_flag_callback("--decay-norm-bias", [&options] { options.no_decay_norm_bias = false; },
                        "Weight decay on every parameter, as the seed (default with SGD)");
  app.add_option("--model-ema", options.model_ema,
                 "Keep timm's ModelEmaV2 average of the weights with this decay (e.g. 0.9998), evaluated beside the "
                 "model and saved as the checkpoint's 'model_ema' (evaluate/extract --use-ema)")
      ->check(CLI::Range(0.0, 0.999999999));
}

/// The random transforms' flags: RandAugment / TrivialAugmentWide, DeiT III's crop, the jitter.
void add_transform_flags(CLI::App& app, engine::TrainingOptions& options) {
  auto* rand = app.add_option_function<std::string>(
      "--rand-augment", [&options](const std::string& text) {
        try {
          options.auto_augment = data::parse_rand_augment(text);
        } catch (const std::invalid_argument& e) {
          throw CLI::ValidationError(e.what());
        }
      },
      "torchvision's RandAugment after the flip: N operations at magnitude bin M of 31 (e.g. 2,9)");
  auto* trivial = app.add_flag_callback(
      "--trivial-augment", [&options] { options.auto_augment.kind = data::AutoAugmentKind::TrivialAugmentWide; },
      "torchvision's TrivialAugmentWide after the flip (one operation, a uniform magnitude)");
  rand->excludes(trivial);
  app.add_option_function<std::string>(
         "--train-crop",
         [&options](const std::string& v) {
           options.train_crop = v == "simple" ? data::TrainCrop::Simple : data::TrainCrop::RandomResized;
         },
         "rrc: RandomResizedCrop(S); simple: DeiT III's Resize(S) of the shorter side (the weights' "
         "interpolation) + RandomCrop(S, padding 4, reflect); finetune: the train transform with this crop "
         "instead of v1/v2")
      ->check(CLI::IsMember({"rrc", "simple"}));
  app.add_option("--rrc-scale", options.rrc_min_scale,
                 "RandomResizedCrop's smallest area fraction: crops of (MIN, 1) of the image (torchvision's 0.08)")
      ->capture_default_str()
      ->check(CLI::Range(0.001, 1.0));
  app.add_option_function<float>(
         "--color-jitter", [&options](float s) { options.color_jitter = s; },
         "ColorJitter strength of brightness, contrast and saturation (default FixRes's: 0.3 train, 0.05 "
         "v2; 0: none, as torchvision's and timm's recipes)")
      ->check(CLI::Range(0.0, 1.0));
}

}  // namespace

void add_training_flags(CLI::App& app, const TrainingBinding& bind, const TrainingDefaults& defaults) {
  engine::TrainingOptions& options = bind.options;
  options.epochs = defaults.epochs;
  options.learning_rate = defaults.learning_rate;
  options.input_size = defaults.input_size;
  options.batch = defaults.batch;
  add_model_flags(app, bind.model, defaults.weights_required);
  app.add_option("--imnet-path", bind.cli.imnet_path, "Dataset root holding train/ and val/ (ImageFolders)");
  app.add_option("--train-path", bind.data.train_folder, "ImageFolder to train on (default: ROOT/train)");
  app.add_option("--val-path", bind.data.val_folder, "ImageFolder to evaluate on (default: ROOT/val)");
  app.add_flag("--no-val", bind.cli.no_val, "Skip every evaluation");
  add_strict_images_flag(app, bind.data.strict_images);
  add_input_size_flag(app, options.input_size);
  add_loader_flags(app, options.batch, options.workers);
  app.add_option("--epochs", options.epochs, "Epochs")->capture_default_str()->check(CLI::PositiveNumber);
  app.add_option("--learning-rate", options.learning_rate, "Base learning rate (SGD uses 8*base*batch*world/512)")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  app.add_option("--save-folder,--shared-folder-path", options.save_folder,
                 "Checkpoints go to SAVE_FOLDER/JOB_ID/checkpoint.pth and checkpoint_<epoch>.pth; a run "
                 "finding checkpoint.pth there resumes from it");
  app.add_option("--job-id", options.job_id, "Run name under --save-folder")->capture_default_str();
  app.add_option("--seed", options.seed, "Seed of initialisation, shuffling, augmentation, dropout")->capture_default_str();
  app.add_option("--eval-every", options.eval_every, "Also evaluate every N epochs (0: after the last only)")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  app.add_option_function<double>(
         "--drop-path-rate", [&model = bind.model](double rate) { model.drop_path_rate = rate; },
         "Stochastic depth of EfficientNet, ViT/DeiT and ConvNeXt blocks in training (default 0)")
      ->check(CLI::Range(0.0, 0.99));
  app.add_option("--num-classes", bind.model.num_classes,
                 "Classifier outputs; fine-tuning re-initialises the classifier with this many")
      ->check(CLI::PositiveNumber);
  app.add_option("--max-iterations", options.max_iterations, "Stop every epoch after N iterations (0: no limit)")
      ->check(CLI::NonNegativeNumber);
  app.add_flag_callback("--no-shuffle", [&options] { options.shuffle = false; }, "Train on the images in dataset order");
  add_recipe_flags(app, options);
  add_transform_flags(app, options);
  add_dist_flags(app, options.dist);
  add_cli_flags(app, bind.cli);
}

void resolve_training_folders(engine::TrainingData& data, const CliFlags& cli) {
  const std::string& root = cli.imnet_path;
  if (data.train_folder.empty() && !root.empty()) data.train_folder = root + "/train";
  if (data.val_folder.empty() && !root.empty()) data.val_folder = root + "/val";
  if (cli.no_val) data.val_folder.clear();
  if (data.train_folder.empty()) throw UsageError("give --imnet-path ROOT (ROOT/train, ROOT/val) or --train-path DIR");
}

void report_training(const engine::TrainingResult& result, const std::string& json_path) {
  if (result.before) print_line("Before fine-tuning: " + engine::format_topk(*result.before));
  if (result.after) print_line((result.before ? "After fine-tuning:  " : "") + engine::format_topk(*result.after));
  if (result.after_ema) print_line("EMA of the weights: " + engine::format_topk(*result.after_ema));
  if (!result.checkpoint_folder.empty()) print_line("Checkpoints: " + result.checkpoint_folder);
  write_json(json_path, engine::training_result_json(result));
}

}  // namespace fixres::cli
