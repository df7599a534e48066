// The training recipes of issue 16 against PyTorch's definitions (tests/fixtures/recipes, made by
// tools/fixtures/recipes.py): the per-step LR of cosine/constant schedules with linear warmup
// over whole runs, label-smoothed cross-entropy; gradient accumulation (K batches of B = one of
// K·B on a network without batch norm) and gradient clipping (the first SGD update's norm).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <functional>

#include <nlohmann/json.hpp>

#include "common/paths.h"
#include "engine/deterministic_weights.h"
#include "fixres/core/finetune.h"
#include "fixres/io/checkpoint.h"
#include "fixres/io/training_checkpoint.h"
#include "fixres/engine/adamw.h"
#include "fixres/engine/lr_schedule.h"
#include "fixres/engine/mixup.h"
#include "fixres/engine/model_ema.h"
#include "fixres/io/state_dict.h"
#include "fixres/engine/training_loop.h"
#include "fixres/models/registry.h"
#include "fixres/models/state_dict_loading.h"

namespace fixres::engine {
namespace {

using testing::fixture;
using testing::scratch_dir;

nlohmann::json read_fixture(const std::string& name) {
  std::ifstream in(fixture("recipes/" + name));
  return nlohmann::json::parse(in);
}

TEST(LrScheduleTest, EveryStepOfAWholeRunMatchesPyTorch) {
  const nlohmann::json cases = read_fixture("schedules.json");
  ASSERT_GE(cases.size(), 4u);
  for (const auto& [name, c] : cases.items()) {
    const LrSchedule schedule(LrScheduleOptions(c.at("base_lr").get<double>())
                                  .kind(c.at("kind").get<std::string>())
                                  .warmup_epochs(c.at("warmup_epochs").get<double>())
                                  .min_lr(c.at("min_lr").get<double>())
                                  .epochs(c.at("epochs").get<std::int64_t>())
                                  .steps_per_epoch(c.at("steps_per_epoch").get<std::int64_t>()));
    EXPECT_EQ(schedule.warmup_steps(), c.at("warmup_steps").get<std::int64_t>()) << name;
    const auto lrs = c.at("lrs").get<std::vector<double>>();
    const auto steps = c.at("steps_per_epoch").get<std::int64_t>();
    double worst = 0.0;
    for (std::size_t t = 0; t < lrs.size(); ++t) {
      const auto epoch = static_cast<std::int64_t>(t) / steps, step = static_cast<std::int64_t>(t) % steps;
      worst = std::max(worst, std::abs(schedule.lr_at(epoch, step) - lrs[t]));
    }
    EXPECT_LE(worst, 1e-9) << name << " over " << lrs.size() << " steps";
  }
}

TEST(LrScheduleTest, BadSettingsNameTheFlag) {
  auto message = [](const LrScheduleOptions& o) {
    try {
      LrSchedule{o};
    } catch (const std::invalid_argument& e) {
      return std::string(e.what());
    }
    return std::string();
  };
  EXPECT_NE(message(LrScheduleOptions(0.1).kind("linear")).find("--lr-schedule"), std::string::npos);
  EXPECT_NE(message(LrScheduleOptions(0.1).warmup_epochs(3).epochs(2)).find("--warmup-epochs"), std::string::npos);
  EXPECT_NE(message(LrScheduleOptions(0.1).kind("cosine").min_lr(0.2)).find("--min-lr"), std::string::npos);
}

/// The nested list `value` as a float tensor of `shape`.
torch::Tensor as_tensor(const nlohmann::json& value, std::vector<std::int64_t> shape);

// timm's Mixup with λ and the CutMix centre fixed: the mixed batch and soft targets exactly,
// SoftTargetCrossEntropy within float rounding.
TEST(MixupTest, MixedBatchAndTargetsEqualTimms) {
  const nlohmann::json c = read_fixture("mixup.json");
  const auto images = as_tensor(c.at("images"), {4, 3, 16, 20});
  const auto labels = torch::tensor(c.at("labels").get<std::vector<std::int64_t>>());
  const auto logits = as_tensor(c.at("logits"), {4, 10});
  for (const auto& e : c.at("cases")) {
    const double lam = e.at("lam").get<double>();
    MixParams params;
    params.lam = lam;
    if (e.at("cutmix").get<bool>()) {
      const auto centre = e.at("centre").get<std::vector<std::int64_t>>();
      params = cutmix_box(16, 20, lam, centre[0], centre[1]);
    }
    torch::Tensor x = images.clone();
    const torch::Tensor targets = mix_batch(x, labels, params, 10, 0.1);
    EXPECT_TRUE(torch::equal(x, as_tensor(e.at("mixed"), {4, 3, 16, 20}))) << "lambda " << lam;
    EXPECT_TRUE(torch::equal(targets, as_tensor(e.at("targets"), {4, 10}))) << "lambda " << lam;
    EXPECT_NEAR(soft_target_cross_entropy(logits, targets).item<double>(), e.at("loss").get<double>(), 1e-6);
  }
}

TEST(MixupTest, DrawsFollowTheOptions) {
  std::mt19937_64 rng(5);
  MixupOptions off;
  EXPECT_EQ(draw_mix(off, 16, 16, rng).lam, 1.0);
  MixupOptions cutmix;
  cutmix.cutmix_alpha = 1.0;
  for (int i = 0; i < 50; ++i) {
    const MixParams p = draw_mix(cutmix, 16, 20, rng);
    ASSERT_TRUE(p.cutmix);
    EXPECT_GE(p.lam, 0.0);
    EXPECT_LE(p.lam, 1.0);
    EXPECT_DOUBLE_EQ(p.lam, 1.0 - static_cast<double>((p.yh - p.yl) * (p.xh - p.xl)) / 320.0);
  }
  MixupOptions rarely;
  rarely.mixup_alpha = 0.2;
  rarely.mix_prob = 0.0;
  EXPECT_EQ(draw_mix(rarely, 16, 16, rng).lam, 1.0);
}

// torch.optim.AdamW over two param groups (one parameter without gradient) for four steps.
TEST(AdamWTest, MatchesPyTorchAdamW) {
  const nlohmann::json c = read_fixture("adamw.json");
  auto w = as_tensor(c.at("initial").at("w"), {5, 3}).set_requires_grad(true);
  auto frozen = as_tensor(c.at("initial").at("frozen"), {4}).set_requires_grad(true);
  auto b = as_tensor(c.at("initial").at("b"), {5}).set_requires_grad(true);
  AdamW adamw({{{w, frozen}, 0.05}, {{b}, 0.0}}, AdamWOptions().lr(0.01));
  for (const auto& g : c.at("grads")) {
    w.mutable_grad() = as_tensor(g.at("w"), {5, 3});
    b.mutable_grad() = as_tensor(g.at("b"), {5});
    adamw.step();
  }
  auto close = [](const torch::Tensor& got, const torch::Tensor& want) {
    return (got - want).abs().max().item<double>() <= 1e-7 * std::max(1.0, want.abs().max().item<double>());
  };
  EXPECT_TRUE(close(w.detach(), as_tensor(c.at("final").at("w"), {5, 3})));
  EXPECT_TRUE(close(b.detach(), as_tensor(c.at("final").at("b"), {5})));
  EXPECT_TRUE(torch::equal(frozen.detach(), as_tensor(c.at("final").at("frozen"), {4})));
  io::TrainingCheckpoint saved;
  adamw.save(saved, 0.01);
  ASSERT_TRUE(saved.adamw.has_value());
  std::vector<std::int64_t> indices;
  for (const auto& slot : saved.adamw->slots) indices.push_back(slot.index);
  EXPECT_EQ(indices, c.at("state_indices").get<std::vector<std::int64_t>>());  // PyTorch's numbering
  EXPECT_TRUE(close(models::to_torch(saved.adamw->slots[0].exp_avg), as_tensor(c.at("exp_avg_w"), {5, 3})));
  EXPECT_TRUE(close(models::to_torch(saved.adamw->slots[1].exp_avg_sq), as_tensor(c.at("exp_avg_sq_b"), {5})));
  EXPECT_EQ(models::to_torch(saved.adamw->slots[1].step).item<float>(), c.at("step_b").get<float>());
  // The groups' weight decay follows timm's rule on a real network.
  auto model = models::create_model("deit_tiny_patch16_224");
  const auto groups = weight_decay_groups(*model, 0.05, true);
  ASSERT_EQ(groups.size(), 2u);
  EXPECT_EQ(groups[0].parameters.size() + groups[1].parameters.size(), model->parameters().size());
  for (const auto& p : groups[0].parameters) EXPECT_GE(p.dim(), 2);  // linear and conv weights decay
  EXPECT_EQ(groups[1].weight_decay, 0.0);
}

TEST(ProgressiveResizeTest, LinearSizesRoundedToTheMultiple) {
  TrainingOptions o;
  o.input_size = 224;
  EXPECT_EQ(epoch_input_size(o, 32, 5), 224);  // off: --input-size
  o.progressive = {128, 224, 4};
  std::vector<int> sizes;
  for (int e = 0; e < 6; ++e) sizes.push_back(epoch_input_size(o, 32, e));
  EXPECT_EQ(sizes, (std::vector<int>{128, 160, 192, 224, 224, 224}));
  o.progressive = {160, 192, 3};  // 160, 176, 192: 176 rounds to 192 by 32, stays 176 by 16
  EXPECT_EQ(epoch_input_size(o, 32, 1), 192);
  EXPECT_EQ(epoch_input_size(o, 16, 1), 176);
  EXPECT_EQ(validation_size(o), 192);
  o.val_size = 224;
  EXPECT_EQ(validation_size(o), 224);
}

TEST(LabelSmoothingTest, LossAndGradientMatchPyTorch) {
  const nlohmann::json c = read_fixture("label_smoothing.json");
  const auto rows = c.at("logits").get<std::vector<std::vector<float>>>();
  auto logits = torch::empty({static_cast<std::int64_t>(rows.size()), static_cast<std::int64_t>(rows[0].size())});
  for (std::size_t i = 0; i < rows.size(); ++i) {
    for (std::size_t j = 0; j < rows[i].size(); ++j) logits[i][j] = rows[i][j];
  }
  const auto targets = torch::tensor(c.at("targets").get<std::vector<std::int64_t>>());
  for (const auto& [eps, want] : c.at("smoothing").items()) {
    auto x = logits.clone().set_requires_grad(true);
    namespace F = torch::nn::functional;
    auto loss = F::cross_entropy(x, targets, F::CrossEntropyFuncOptions().label_smoothing(std::stod(eps)));
    loss.backward();
    EXPECT_NEAR(loss.item<double>(), want.at("loss").get<double>(), 1e-6) << eps;
    const auto grad = want.at("grad").get<std::vector<std::vector<float>>>();
    for (std::size_t i = 0; i < grad.size(); ++i) {
      for (std::size_t j = 0; j < grad[i].size(); ++j) EXPECT_NEAR(x.grad()[i][j].item<float>(), grad[i][j], 1e-6);
    }
  }
}

/// DeiT-Ti (no batch norm) fine-tuned one step at 32 px on the 9 photos, in order.
FinetuneConfig one_step(const std::string& weights, const std::filesystem::path& dir, const std::string& job) {
  FinetuneConfig config;
  config.model.architecture = "deit_tiny_patch16_224";
  config.model.weight_path = weights;
  config.data.train_folder = fixture("images/folder").string();
  config.training.epochs = 1;
  config.training.learning_rate = 0.5;
  config.training.batch = 9;
  config.training.input_size = 32;
  config.training.workers = 1;
  config.training.shuffle = false;
  config.training.save_folder = dir.string();
  config.training.job_id = job;
  return config;
}

std::string deit_weights(const std::filesystem::path& dir, io::StateDict* initial) {
  models::ModelOptions options;
  options.num_classes = 3;
  auto model = models::create_model("deit_tiny_patch16_224", options);
  *initial = testing::deterministic_state_dict(*model);
  const std::string path = (dir / "deit_tiny_3.pth").string();
  io::write_checkpoint(path, io::state_dict_value(*initial));
  return path;
}

torch::Tensor tensor_of(const io::StateDict& weights, const std::string& name) {
  for (const auto& [key, tensor] : weights) {
    if (key == name) return models::to_torch(tensor);
  }
  throw std::runtime_error("no tensor " + name);
}

TEST(GradAccumulationTest, ThreeBatchesOfThreeEqualOneBatchOfNine) {
  const auto dir = scratch_dir("recipes_accumulation");
  io::StateDict initial;
  const std::string weights = deit_weights(dir, &initial);
  const TrainingResult whole = run_finetune(one_step(weights, dir, "whole"));
  FinetuneConfig accumulated = one_step(weights, dir, "accumulated");
  accumulated.training.batch = 3;
  accumulated.training.grad_accum_steps = 3;
  const TrainingResult parts = run_finetune(accumulated);
  EXPECT_DOUBLE_EQ(parts.scaled_lr, whole.scaled_lr);  // the LR follows the effective batch
  ASSERT_EQ(parts.epochs.at(0).iterations, 3);
  const auto a = io::read_training_checkpoint((dir / "whole" / "checkpoint.pth").string()).model;
  const auto b = io::read_training_checkpoint((dir / "accumulated" / "checkpoint.pth").string()).model;
  for (const std::string name : {"head.weight", "head.bias", "norm.weight", "norm.bias"}) {
    const auto x = tensor_of(a, name), y = tensor_of(b, name), start = tensor_of(initial, name);
    const double update = (x - start).norm().item<double>();
    ASSERT_GT(update, 0.0) << name;
    EXPECT_LE((x - y).norm().item<double>() / update, 1e-5) << name;
  }
  // pos_embed trains on the 2 x 2 grid of 32 px (resampled from the checkpoint's 14 x 14).
  const auto x = tensor_of(a, "pos_embed"), y = tensor_of(b, "pos_embed");
  ASSERT_EQ(x.size(1), 5);
  EXPECT_LE((x - y).norm().item<double>() / x.norm().item<double>(), 1e-6);
}

TEST(ClipGradTest, TheFirstUpdateHasTheClippedNorm) {
  const auto dir = scratch_dir("recipes_clip");
  io::StateDict initial;
  const std::string weights = deit_weights(dir, &initial);
  FinetuneConfig config = one_step(weights, dir, "clipped");
  config.training.clip_grad = 1e-3;
  config.train_layers = {"head"};
  const TrainingResult result = run_finetune(config);
  const auto after = io::read_training_checkpoint((dir / "clipped" / "checkpoint.pth").string()).model;
  // SGD's first step: p -= lr * (g + wd * p), so g = (p0 - p1) / lr - wd * p0 over what trains.
  double squared = 0.0;
  for (const std::string name : {"head.weight", "head.bias"}) {
    const auto p0 = tensor_of(initial, name).to(torch::kDouble), p1 = tensor_of(after, name).to(torch::kDouble);
    squared += ((p0 - p1) / result.scaled_lr - 1e-4 * p0).pow(2).sum().item<double>();
  }
  EXPECT_NEAR(std::sqrt(squared), 1e-3, 1e-3 * 1e-3);
}

/// A flat float tensor of the nested list `value` (any depth).
torch::Tensor flat(const nlohmann::json& value) {
  std::vector<double> out;
  std::function<void(const nlohmann::json&)> walk = [&](const nlohmann::json& v) {
    if (v.is_array()) {
      for (const auto& item : v) walk(item);
    } else {
      out.push_back(v.get<double>());
    }
  };
  walk(value);
  return torch::tensor(out, torch::kDouble);
}

torch::Tensor as_tensor(const nlohmann::json& value, std::vector<std::int64_t> shape) {
  return flat(value).to(torch::kFloat).view(shape);
}

void load_state(torch::nn::Module& module, const nlohmann::json& state) {
  torch::NoGradGuard no_grad;
  auto assign = [&](const std::string& name, torch::Tensor t) {
    t.copy_(flat(state.at(name)).to(t.scalar_type()).view(t.sizes()));
  };
  for (auto& p : module.named_parameters()) assign(p.key(), p.value());
  for (auto& b : module.named_buffers()) assign(b.key(), b.value());
}

// timm's ModelEmaV2 applied to the same sequence of weights (a Linear and a BatchNorm1d, whose
// counter is an integer the update truncates).
TEST(ModelEmaTest, MatchesTimmsModelEmaV2) {
  const nlohmann::json c = read_fixture("ema.json");
  torch::nn::Sequential model(torch::nn::Linear(4, 3), torch::nn::BatchNorm1d(3));
  load_state(*model, c.at("initial"));
  ModelEma ema(*model, c.at("decay").get<double>());
  for (const auto& state : c.at("states")) {
    load_state(*model, state);
    ema.update();
  }
  const io::StateDict average = ema.state_dict();
  ASSERT_EQ(average.size(), c.at("average").size());
  for (const auto& [name, raw] : average) {
    const torch::Tensor ours = models::to_torch(raw).to(torch::kDouble).flatten();
    const torch::Tensor want = flat(c.at("average").at(name));
    EXPECT_LE((ours - want).abs().max().item<double>(), 1e-6) << name;
  }
  // The guard swaps the average in and the model's own values back, bit for bit.
  const torch::Tensor before = model[0]->as<torch::nn::Linear>()->weight.clone();
  {
    const ModelEma::Swap swap(ema);
    EXPECT_FALSE(torch::equal(model[0]->as<torch::nn::Linear>()->weight, before));
  }
  EXPECT_TRUE(torch::equal(model[0]->as<torch::nn::Linear>()->weight, before));
}

// A fine-tuning run keeps, evaluates, saves and resumes the average; --use-ema loads it.
TEST(ModelEmaTest, SavedBesideTheModelAndResumed) {
  const auto dir = scratch_dir("recipes_ema");
  io::StateDict initial;
  const std::string weights = deit_weights(dir, &initial);
  FinetuneConfig config = one_step(weights, dir, "ema");
  config.data.val_folder = fixture("images/folder").string();
  config.training.batch = 3;
  config.training.epochs = 2;
  config.training.model_ema = 0.5;
  config.training.eval_every = 1;
  run_finetune(config);
  config.training.epochs = 3;
  const TrainingResult resumed = run_finetune(config);
  EXPECT_EQ(resumed.start_epoch, 2);
  ASSERT_TRUE(resumed.after_ema.has_value());
  EXPECT_EQ(resumed.after_ema->images, 9);
  ASSERT_EQ(resumed.epochs.size(), 3u);
  EXPECT_TRUE(resumed.epochs[0].val_ema.has_value());
  const auto checkpoint = io::read_training_checkpoint((dir / "ema" / "checkpoint.pth").string());
  ASSERT_TRUE(checkpoint.model_ema.has_value());
  ASSERT_EQ(checkpoint.model_ema->size(), checkpoint.model.size());
  // The average trails the model: with decay 0.5 over 9 steps it is neither the start nor the end.
  const auto start = tensor_of(initial, "head.weight"), end = tensor_of(checkpoint.model, "head.weight");
  const auto average = tensor_of(*checkpoint.model_ema, "head.weight");
  EXPECT_GT((average - end).norm().item<double>(), 0.0);
  EXPECT_GT((average - start).norm().item<double>(), 0.0);
  // A frozen tensor's average stays the tensor (decay·x + (1−decay)·x, within rounding).
  EXPECT_LE((tensor_of(*checkpoint.model_ema, "blocks.0.mlp.fc1.weight") - tensor_of(initial, "blocks.0.mlp.fc1.weight"))
                .abs().max().item<double>(), 1e-6);
  EXPECT_EQ(io::read_state_dict((dir / "ema" / "checkpoint.pth").string(), "model_ema").size(), checkpoint.model.size());
  EXPECT_THROW(io::read_state_dict(weights, "model_ema"), std::runtime_error);
}

}  // namespace
}  // namespace fixres::engine
