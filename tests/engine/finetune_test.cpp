// `fixres finetune` engine: recipe parity with the seed's fine-tuning step run in PyTorch
// (tests/fixtures/finetune, made by tools/fixtures/finetune.py), resume, bad input.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>

#include <nlohmann/json.hpp>

#include "common/paths.h"
#include "common/run_command.h"
#include "engine/deterministic_weights.h"
#include "fixres/core/finetune.h"
#include "fixres/io/checkpoint.h"
#include "fixres/io/npy.h"
#include "fixres/io/training_checkpoint.h"
#include "fixres/models/registry.h"

namespace fixres::engine {
namespace {

using testing::fixture;
using testing::scratch_dir;

nlohmann::json manifest() {
  std::ifstream in(fixture("finetune/manifest.json"));
  return nlohmann::json::parse(in);
}

/// `architecture` (ResNet-50 by default) with `classes` outputs, filled deterministically, written
/// as a bare state dict.
std::string write_weights(const std::filesystem::path& dir, std::int64_t classes, io::StateDict* initial = nullptr,
                          const std::string& architecture = "ResNet50") {
  models::ModelOptions options;
  options.num_classes = classes;
  auto model = models::create_model(architecture, options);
  io::StateDict weights = testing::deterministic_state_dict(*model);
  const std::string path = (dir / (architecture + "_" + std::to_string(classes) + ".pth")).string();
  io::write_checkpoint(path, io::state_dict_value(weights));
  if (initial) *initial = std::move(weights);
  return path;
}

/// The fixture's settings: the 9-photo ImageFolder, in order, v1 transform at 64, batch 4, 2 epochs.
FinetuneConfig parity_config(const std::string& weights, const std::filesystem::path& save_folder) {
  const nlohmann::json m = manifest();
  FinetuneConfig config;
  config.model.architecture = "ResNet50";
  config.model.weight_path = weights;
  config.data.train_folder = fixture("images/folder").string();
  config.data.val_folder = fixture("images/folder").string();
  config.training.epochs = m.at("epochs").get<int>();
  config.training.learning_rate = m.at("base_lr").get<double>();
  config.training.batch = m.at("batch").get<int>();
  config.training.input_size = m.at("input_size").get<int>();
  config.training.workers = 2;
  config.training.shuffle = false;
  config.training.save_folder = save_folder.string();
  config.training.job_id = "run";
  return config;
}

torch::Tensor npy_tensor_of(const std::string& area, const std::string& name) {
  io::NpyArray a = io::read_npy(fixture(area + "/expected/" + name + ".npy").string());
  return torch::from_blob(const_cast<float*>(a.as<float>()), a.shape, torch::kFloat32).clone();
}

torch::Tensor npy_tensor(const std::string& name) { return npy_tensor_of("finetune", name); }

/// max |a - b| / max |b|
double relative_error(const torch::Tensor& a, const torch::Tensor& b) {
  return (a - b).abs().max().item<double>() / b.abs().max().item<double>();
}

const io::RawTensor& find(const io::StateDict& weights, const std::string& name) {
  for (const auto& [key, tensor] : weights) {
    if (key == name) return tensor;
  }
  throw std::runtime_error("no tensor " + name);
}

/// One parity run shared by the tests below (ResNet-50 on 64-pixel images: a few seconds).
class FinetuneParityTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new std::filesystem::path(scratch_dir("finetune_parity"));
    initial_ = new io::StateDict();
    const std::string weights = write_weights(*dir_, manifest().at("num_classes").get<std::int64_t>(), initial_);
    std::vector<std::string> messages;
    Reporter reporter;
    reporter.on_message = [&messages](const std::string& m) { messages.push_back(m); };
    result_ = new TrainingResult(run_finetune(parity_config(weights, *dir_), reporter));
    checkpoint_ = new io::TrainingCheckpoint(io::read_training_checkpoint((*dir_ / "run" / "checkpoint.pth").string()));
  }
  static void TearDownTestSuite() {
    delete checkpoint_;
    delete result_;
    delete initial_;
    delete dir_;
  }
  static std::filesystem::path* dir_;
  static io::StateDict* initial_;
  static TrainingResult* result_;
  static io::TrainingCheckpoint* checkpoint_;
};
std::filesystem::path* FinetuneParityTest::dir_ = nullptr;
io::StateDict* FinetuneParityTest::initial_ = nullptr;
TrainingResult* FinetuneParityTest::result_ = nullptr;
io::TrainingCheckpoint* FinetuneParityTest::checkpoint_ = nullptr;

TEST_F(FinetuneParityTest, DeterministicFillMatchesPython) {
  const nlohmann::json crcs = manifest().at("initial_crc32");
  ASSERT_EQ(crcs.size(), initial_->size());
  for (const auto& [name, tensor] : *initial_) {
    ASSERT_TRUE(crcs.contains(name)) << name;
    EXPECT_EQ(testing::tensor_crc32(tensor), crcs.at(name).get<std::uint32_t>()) << name;
  }
}

TEST_F(FinetuneParityTest, TrainedTensorsMatchPyTorch) {
  for (const std::string name : {"fc.weight", "fc.bias", "layer4.2.bn3.running_mean", "layer4.2.bn3.running_var"}) {
    const torch::Tensor ours = models::to_torch(find(checkpoint_->model, name));
    const double error = relative_error(ours, npy_tensor(name));
    EXPECT_LE(error, 1e-4) << name;
    RecordProperty(name, std::to_string(error));
  }
  EXPECT_EQ(models::to_torch(find(checkpoint_->model, "layer4.2.bn3.num_batches_tracked")).item<std::int64_t>(),
            manifest().at("bn3_num_batches_tracked").get<std::int64_t>());
}

TEST_F(FinetuneParityTest, EveryOtherTensorIsUntouched) {
  const std::set<std::string> trained = {"fc.weight", "fc.bias", "layer4.2.bn3.running_mean",
                                         "layer4.2.bn3.running_var", "layer4.2.bn3.num_batches_tracked"};
  ASSERT_EQ(checkpoint_->model.size(), initial_->size());
  std::size_t same = 0;
  for (const auto& [name, tensor] : *initial_) {
    if (trained.count(name)) continue;
    EXPECT_TRUE(io::same_values(find(checkpoint_->model, name), tensor)) << name << " changed";
    ++same;
  }
  EXPECT_EQ(same, initial_->size() - trained.size());
}

TEST_F(FinetuneParityTest, OptimizerAndScheduleMatchPyTorch) {
  const nlohmann::json m = manifest();
  const io::SgdState& sgd = checkpoint_->optimizer;
  ASSERT_EQ(sgd.param_groups.size(), 1u);
  EXPECT_EQ(sgd.param_groups[0].params.size(), m.at("optimizer_params").get<std::size_t>());
  EXPECT_DOUBLE_EQ(sgd.param_groups[0].hyper.lr(), m.at("scaled_lr").get<double>());
  EXPECT_DOUBLE_EQ(sgd.param_groups[0].hyper.momentum(), 0.9);
  EXPECT_DOUBLE_EQ(sgd.param_groups[0].hyper.weight_decay(), 1e-4);
  std::vector<std::int64_t> indices;
  for (const auto& entry : sgd.momentum_buffers) indices.push_back(entry.first);
  EXPECT_EQ(indices, m.at("momentum_indices").get<std::vector<std::int64_t>>());
  ASSERT_EQ(sgd.momentum_buffers.size(), 2u);
  EXPECT_LE(relative_error(models::to_torch(sgd.momentum_buffers[0].second), npy_tensor("momentum.fc.weight")), 1e-4);
  EXPECT_LE(relative_error(models::to_torch(sgd.momentum_buffers[1].second), npy_tensor("momentum.fc.bias")), 1e-4);

  const nlohmann::json sched = m.at("lr_scheduler");
  EXPECT_EQ(checkpoint_->lr_scheduler.last_epoch, sched.at("last_epoch").get<std::int64_t>());
  EXPECT_EQ(checkpoint_->lr_scheduler.step_count, sched.at("_step_count").get<std::int64_t>());
  EXPECT_EQ(checkpoint_->lr_scheduler.step_size, sched.at("step_size").get<std::int64_t>());
  EXPECT_DOUBLE_EQ(checkpoint_->lr_scheduler.base_lrs.at(0), sched.at("base_lrs").at(0).get<double>());
  EXPECT_DOUBLE_EQ(checkpoint_->lr_scheduler.last_lr.at(0), sched.at("_last_lr").at(0).get<double>());
  EXPECT_EQ(checkpoint_->epoch, m.at("epochs").get<std::int64_t>());  // completed epochs
}

TEST_F(FinetuneParityTest, LossesAndLearningRatesMatchPyTorch) {
  const nlohmann::json m = manifest();
  const auto losses = m.at("epoch_losses").get<std::vector<double>>();
  const auto lrs = m.at("epoch_lrs").get<std::vector<double>>();
  ASSERT_EQ(result_->epochs.size(), losses.size());
  for (std::size_t e = 0; e < losses.size(); ++e) {
    EXPECT_NEAR(result_->epochs[e].loss, losses[e], 1e-4 * losses[e]) << "epoch " << e;
    EXPECT_DOUBLE_EQ(result_->epochs[e].lr, lrs[e]) << "epoch " << e;
    EXPECT_EQ(result_->epochs[e].iterations, 3);
    EXPECT_EQ(result_->epochs[e].images, 9);
  }
  ASSERT_TRUE(result_->before.has_value());
  ASSERT_TRUE(result_->after.has_value());
  EXPECT_EQ(result_->before->images, 9);
  EXPECT_EQ(result_->after->images, 9);
  EXPECT_TRUE(result_->epochs.back().val.has_value());
  EXPECT_FALSE(result_->epochs.front().val.has_value());  // the seed evaluates after the last epoch only
}

TEST_F(FinetuneParityTest, OneCheckpointPerEpochAndARunRecord) {
  const auto run = *dir_ / "run";
  EXPECT_TRUE(std::filesystem::is_regular_file(run / "checkpoint_0.pth"));
  EXPECT_TRUE(std::filesystem::is_regular_file(run / "checkpoint_1.pth"));
  EXPECT_TRUE(std::filesystem::is_regular_file(run / "fixres_run.json"));
  EXPECT_EQ(io::read_training_checkpoint((run / "checkpoint_0.pth").string()).epoch, 1);
  for (const auto& entry : std::filesystem::directory_iterator(run)) {
    EXPECT_EQ(entry.path().filename().string().find(".tmp"), std::string::npos) << entry.path();
  }
}

// The seed's own resume code (TrainerState.load) on our checkpoint, in PyTorch.
TEST_F(FinetuneParityTest, SeedLoadingCodeAcceptsCheckpoint) {
  const auto script = *dir_ / "load.py";
  std::ofstream(script) << R"(import sys, torch, torchvision
data = torch.load(sys.argv[1])
assert sorted(data) == ['accuracy', 'epoch', 'lr_scheduler', 'model', 'optimizer'], sorted(data)
model = torch.nn.DataParallel(torchvision.models.resnet50(num_classes=3))
model.load_state_dict(data['model'])
opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9, weight_decay=1e-4)
opt.load_state_dict(data['optimizer'])
sched = torch.optim.lr_scheduler.StepLR(opt, step_size=30)
sched.load_state_dict(data['lr_scheduler'])
fc = model.module.fc.weight
assert torch.equal(opt.state[fc]['momentum_buffer'], data['optimizer']['state'][159]['momentum_buffer'])
print('epoch', data['epoch'], 'lr', opt.param_groups[0]['lr'], 'last_epoch', sched.last_epoch, 'OK')
)";
  const auto out = testing::run_command(testing::python() + " " + script.string() + " " +
                                        (*dir_ / "run" / "checkpoint.pth").string());
  EXPECT_EQ(out.exit_code, 0) << out.output;
  EXPECT_NE(out.output.find("epoch 2 lr 0.0003125 last_epoch 1 OK"), std::string::npos) << out.output;
}

TEST_F(FinetuneParityTest, FinishedRunRestartedTrainsNothing) {
  const nlohmann::json m = manifest();
  FinetuneConfig config = parity_config((*dir_ / "ResNet50_3.pth").string(), *dir_);
  const TrainingResult again = run_finetune(config);
  EXPECT_EQ(again.start_epoch, m.at("epochs").get<std::int64_t>());
  EXPECT_EQ(again.epochs.size(), result_->epochs.size());
  ASSERT_TRUE(again.after && again.before);
  EXPECT_EQ(again.after->top1, result_->after->top1);
  EXPECT_EQ(again.before->top1, result_->before->top1);
}

TEST_F(FinetuneParityTest, RefusesFolderOfAnotherArchitecture) {
  // A copy of the run whose record names another architecture.
  const auto other = *dir_ / "other";
  std::filesystem::create_directories(other / "run");
  std::filesystem::copy_file(*dir_ / "run" / "checkpoint.pth", other / "run" / "checkpoint.pth");
  std::ifstream in(*dir_ / "run" / "fixres_run.json");
  nlohmann::json record = nlohmann::json::parse(in);
  record["architecture"] = "PNASNet";
  std::ofstream(other / "run" / "fixres_run.json") << record.dump();
  FinetuneConfig config = parity_config((*dir_ / "ResNet50_3.pth").string(), other);
  try {
    run_finetune(config);
    FAIL() << "resumed a PNASNet folder with ResNet50";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("refusing to resume"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("PNASNet"), std::string::npos) << e.what();
  }
  // Without a record (a folder the seed wrote), the tensors decide: 4 outputs do not fit 3.
  std::filesystem::remove(other / "run" / "fixres_run.json");
  config.model.num_classes = 4;
  try {
    run_finetune(config);
    FAIL() << "resumed a 3-class checkpoint into a 4-class model";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("does not fit"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("fc.weight"), std::string::npos) << e.what();
  }
}

// Killed after epoch 1 and restarted == uninterrupted, with shuffling and the random v2 transform.
// The ViT/DeiT policy (head, norm and pos_embed train) against the same run in PyTorch
// (tests/fixtures/finetune_vit, tools/fixtures/finetune_vit.py): deit_tiny's 224 checkpoint
// fine-tuned at 288, its position embedding resampled as timm does, two SGD steps.
TEST(FinetuneVisionTransformerTest, PolicyStepsMatchPyTorch) {
  std::ifstream in(fixture("finetune_vit/manifest.json"));
  const nlohmann::json m = nlohmann::json::parse(in);
  const auto dir = scratch_dir("finetune_vit");
  io::StateDict initial;
  const std::string arch = m.at("architecture").get<std::string>();
  const std::string weights = write_weights(dir, m.at("num_classes").get<std::int64_t>(), &initial, arch);
  for (const auto& [name, tensor] : initial) {
    EXPECT_EQ(testing::tensor_crc32(tensor), m.at("initial_crc32").at(name).get<std::uint32_t>()) << name;
  }
  FinetuneConfig config = parity_config(weights, dir);
  config.model.architecture = arch;
  config.training.epochs = m.at("epochs").get<int>();
  config.training.batch = m.at("batch").get<int>();
  config.training.input_size = m.at("input_size").get<int>();
  config.training.learning_rate = m.at("base_lr").get<double>();
  config.data.val_folder.clear();
  std::vector<std::string> messages;
  Reporter reporter;
  reporter.on_message = [&messages](const std::string& text) { messages.push_back(text); };
  const TrainingResult result = run_finetune(config, reporter);
  const auto checkpoint = io::read_training_checkpoint((dir / "run" / "checkpoint.pth").string());

  const auto trained = m.at("expected").get<std::vector<std::string>>();
  for (const auto& name : trained) {
    const double error = relative_error(models::to_torch(find(checkpoint.model, name)), npy_tensor_of("finetune_vit", name));
    EXPECT_LE(error, 1e-5) << name;
    RecordProperty(name, std::to_string(error));
  }
  // The checkpoint records the fine-tuning size: pos_embed on its 18 x 18 grid.
  EXPECT_EQ(find(checkpoint.model, "pos_embed").shape, m.at("pos_embed_shape").get<std::vector<std::int64_t>>());
  std::size_t frozen = 0;
  for (const auto& [name, tensor] : initial) {
    if (std::find(trained.begin(), trained.end(), name) != trained.end()) continue;
    EXPECT_TRUE(io::same_values(find(checkpoint.model, name), tensor)) << name << " changed";
    ++frozen;
  }
  EXPECT_EQ(frozen, initial.size() - trained.size());
  const auto losses = m.at("step_losses").get<std::vector<double>>();
  ASSERT_EQ(result.epochs.size(), 1u);
  EXPECT_EQ(result.epochs[0].iterations, static_cast<std::int64_t>(losses.size()));
  EXPECT_NEAR(result.epochs[0].loss, (losses[0] + losses[1]) / 2, 1e-5);
  // The run says what trains.
  bool said = false;
  for (const auto& text : messages) said = said || text.rfind("training 5 tensors", 0) == 0;
  EXPECT_TRUE(said);
}

// --train-layers replaces the policy, for any family; a prefix naming nothing lists the model's.
TEST(FinetuneVisionTransformerTest, TrainLayersOverrideThePolicy) {
  const auto dir = scratch_dir("finetune_train_layers");
  io::StateDict initial;
  const std::string weights = write_weights(dir, 3, &initial, "deit_tiny_patch16_224");
  FinetuneConfig config = parity_config(weights, dir);
  config.model.architecture = "deit_tiny_patch16_224";
  config.training.epochs = 1;
  config.training.batch = 9;
  config.training.input_size = 64;
  config.data.val_folder.clear();
  config.train_layers = {"blocks.11.mlp", "head"};
  run_finetune(config);
  const auto checkpoint = io::read_training_checkpoint((dir / "run" / "checkpoint.pth").string());
  for (const auto& [name, tensor] : initial) {
    const bool trains = name.rfind("blocks.11.mlp.", 0) == 0 || name.rfind("head.", 0) == 0;
    if (name == "pos_embed") continue;  // resampled to the 4 x 4 grid of 64 pixels
    EXPECT_EQ(io::same_values(find(checkpoint.model, name), tensor), !trains) << name;
  }
  config.train_layers = {"blocks.99"};
  config.training.job_id = "bad";
  try {
    run_finetune(config);
    FAIL() << "a prefix naming no tensor must be refused";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("--train-layers: 'blocks.99' names no tensor"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("cls_token, pos_embed, patch_embed, blocks, norm, head"), std::string::npos)
        << e.what();
  }
}

TEST(FinetuneResumeTest, RestartEqualsUninterruptedRun) {
  const auto dir = scratch_dir("finetune_resume");
  const std::string weights = write_weights(dir, 3);
  FinetuneConfig config = parity_config(weights, dir);
  config.transforms = "v2";
  config.training.shuffle = true;
  config.training.seed = 7;
  config.training.eval_every = 1;
  config.data.val_folder.clear();

  config.training.job_id = "straight";
  const TrainingResult straight = run_finetune(config);
  config.training.job_id = "resumed";
  config.training.epochs = 1;
  run_finetune(config);
  config.training.epochs = 2;
  const TrainingResult resumed = run_finetune(config);
  EXPECT_EQ(resumed.start_epoch, 1);
  ASSERT_EQ(resumed.epochs.size(), 2u);
  EXPECT_DOUBLE_EQ(resumed.epochs[1].loss, straight.epochs[1].loss);

  const auto a = io::read_training_checkpoint((dir / "straight" / "checkpoint.pth").string());
  const auto b = io::read_training_checkpoint((dir / "resumed" / "checkpoint.pth").string());
  EXPECT_EQ(a.epoch, b.epoch);
  ASSERT_EQ(a.model.size(), b.model.size());
  for (std::size_t i = 0; i < a.model.size(); ++i) {
    EXPECT_TRUE(io::same_values(a.model[i].second, b.model[i].second)) << a.model[i].first;  // bitwise
  }
  ASSERT_EQ(a.optimizer.momentum_buffers.size(), b.optimizer.momentum_buffers.size());
  for (std::size_t i = 0; i < a.optimizer.momentum_buffers.size(); ++i) {
    EXPECT_TRUE(io::same_values(a.optimizer.momentum_buffers[i].second, b.optimizer.momentum_buffers[i].second));
  }
  EXPECT_EQ(a.lr_scheduler.last_epoch, b.lr_scheduler.last_epoch);
  EXPECT_EQ(a.lr_scheduler.step_count, b.lr_scheduler.step_count);
}

TEST(FinetuneInputTest, MoreClassesThanOutputsNeedsNumClasses) {
  const auto dir = scratch_dir("finetune_classes");
  FinetuneConfig config = parity_config(write_weights(dir, 2), dir);
  config.training.epochs = 1;
  config.training.max_iterations = 1;
  config.data.val_folder.clear();
  try {
    run_finetune(config);
    FAIL() << "3 classes trained into 2 outputs";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("--num-classes 3"), std::string::npos) << e.what();
  }
  config.model.num_classes = 3;  // re-initialise the classifier: transfer learning
  const TrainingResult result = run_finetune(config);
  EXPECT_EQ(result.num_classes, 3);
  EXPECT_EQ(result.epochs.size(), 1u);
}

TEST(FinetuneInputTest, FewerClassesThanOutputsWarns) {
  const auto dir = scratch_dir("finetune_fewer");
  FinetuneConfig config = parity_config(write_weights(dir, 5), dir);
  config.training.epochs = 1;
  config.training.max_iterations = 1;
  config.training.save_folder.clear();
  config.data.val_folder.clear();
  std::string messages;
  Reporter reporter;
  reporter.on_message = [&messages](const std::string& m) { messages += m + "\n"; };
  const TrainingResult result = run_finetune(config, reporter);
  EXPECT_EQ(result.num_classes, 5);
  EXPECT_NE(messages.find("warning"), std::string::npos) << messages;
  EXPECT_NE(messages.find("3 classes"), std::string::npos) << messages;
}

TEST(FinetuneInputTest, DivergenceStopsAndKeepsLastCheckpoint) {
  const auto dir = scratch_dir("finetune_nan");
  FinetuneConfig config = parity_config(write_weights(dir, 3), dir);
  config.data.val_folder.clear();
  config.training.learning_rate = 1e38;  // one step makes the logits overflow
  config.training.max_iterations = 1;
  config.training.epochs = 3;
  try {
    run_finetune(config);
    FAIL() << "a diverging run finished";
  } catch (const std::runtime_error& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("diverged"), std::string::npos) << what;
    EXPECT_NE(what.find("left as it was"), std::string::npos) << what;
  }
  const auto kept = io::read_training_checkpoint((dir / "run" / "checkpoint.pth").string());
  EXPECT_GE(kept.epoch, 1);
  for (const auto& [name, tensor] : kept.model) {
    EXPECT_TRUE(torch::isfinite(models::to_torch(tensor)).all().item<bool>()) << name;
  }
}

TEST(FinetuneInputTest, BadSettingsAreRejected) {
  FinetuneConfig config;
  config.data.train_folder = fixture("images/folder").string();
  EXPECT_THROW(run_finetune(config), std::invalid_argument);  // no weights
  config.model.weight_path = "/nonexistent.pth";
  config.transforms = "v3";
  EXPECT_THROW(run_finetune(config), std::invalid_argument);
  config.transforms = "v1";
  config.training.epochs = 0;
  EXPECT_THROW(run_finetune(config), std::invalid_argument);
  config.training.epochs = 1;
  config.training.input_size = 16;
  EXPECT_THROW(run_finetune(config), std::invalid_argument);
}

}  // namespace
}  // namespace fixres::engine
