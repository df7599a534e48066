// LibTorch side of checkpoint loading: RawTensor <-> torch::Tensor, strict loading with a full
// report, and module_state_dict in PyTorch's order (checked against a state dict Python saved).

#include <gtest/gtest.h>
#include <torch/torch.h>

#include "common/paths.h"
#include "fixres/io/checkpoint.h"
#include "fixres/io/state_dict.h"
#include "fixres/models/state_dict_loading.h"

namespace fixres::models {
namespace {

using testing::fixture;

// The fixtures' TinyNet (tools/fixtures/checkpoints.py): conv1 (no bias), bn1, fc.
struct TinyNetImpl : torch::nn::Module {
  explicit TinyNetImpl(int classes = 5)
      : conv1(register_module("conv1", torch::nn::Conv2d(torch::nn::Conv2dOptions(3, 4, 3).bias(false)))),
        bn1(register_module("bn1", torch::nn::BatchNorm2d(4))),
        fc(register_module("fc", torch::nn::Linear(4, classes))) {}
  torch::nn::Conv2d conv1;
  torch::nn::BatchNorm2d bn1;
  torch::nn::Linear fc;
};
TORCH_MODULE(TinyNet);

torch::Tensor python_tensor(const io::StateDict& weights, const std::string& name) {
  for (const auto& [k, t] : weights) {
    if (k == name) return to_torch(t);
  }
  ADD_FAILURE() << "no " << name;
  return {};
}

TEST(StateDictLoadingTest, ConvertsEveryDtypeBothWays) {
  for (const char* file : {"dtypes_zip.pth", "dtypes_legacy.pth", "views_legacy.pth"}) {
    const io::Value root = io::read_checkpoint(fixture(std::string("checkpoints/") + file)).root;
    for (const auto& [key, value] : root.as_dict().items) {
      const io::RawTensor& raw = value.as_tensor();
      const torch::Tensor t = to_torch(raw);
      EXPECT_TRUE(t.is_contiguous());
      EXPECT_EQ(std::vector<std::int64_t>(t.sizes().begin(), t.sizes().end()), raw.shape) << key.as_string();
      const io::RawTensor back = from_torch(t);
      EXPECT_EQ(back.dtype, raw.dtype) << key.as_string();
      EXPECT_TRUE(io::same_values(back, raw)) << file << " " << key.as_string();
    }
  }
  // A non-contiguous torch tensor is copied densely.
  const torch::Tensor grid = torch::arange(12, torch::kFloat32).view({3, 4}).t();
  const io::RawTensor raw = from_torch(grid);
  EXPECT_TRUE(raw.is_contiguous());
  EXPECT_TRUE(torch::equal(to_torch(raw), grid));
  EXPECT_THROW(from_torch(torch::zeros({2}, torch::kComplexFloat)), c10::Error);
}

TEST(StateDictLoadingTest, LoadsTheSeedCheckpointExactly) {
  for (const char* file : {"seed_legacy.pth", "seed_zip.pth"}) {
    const io::StateDict weights = io::read_state_dict(fixture(std::string("checkpoints/") + file));
    TinyNet net;
    const LoadReport report = load_state_dict(*net, weights);
    EXPECT_TRUE(report.ok()) << report.describe();
    EXPECT_EQ(report.loaded, 8u);
    EXPECT_TRUE(torch::equal(net->conv1->weight, python_tensor(weights, "conv1.weight")));
    EXPECT_TRUE(torch::equal(net->bn1->running_var, python_tensor(weights, "bn1.running_var")));
    EXPECT_EQ(net->bn1->num_batches_tracked.item<std::int64_t>(), (std::int64_t{1} << 33) + 5);
    // Same names, same order as Python's model.state_dict().
    const io::StateDict ours = module_state_dict(*net);
    ASSERT_EQ(ours.size(), weights.size());
    for (std::size_t i = 0; i < ours.size(); ++i) {
      EXPECT_EQ(ours[i].first, weights[i].first);
      EXPECT_TRUE(io::same_values(ours[i].second, weights[i].second)) << ours[i].first;
    }
  }
}

TEST(StateDictLoadingTest, ReportsEveryProblemAtOnceAndStrictLeavesTheModelUntouched) {
  io::StateDict weights = io::read_state_dict(fixture("checkpoints/seed_zip.pth"));
  weights.erase(weights.begin() + 1);  // bn1.weight missing
  weights.emplace_back("head.weight", weights.front().second);
  TinyNet net(3);  // fc is 3x4, the file's 5x4
  const torch::Tensor before = net->conv1->weight.clone();
  try {
    load_state_dict(*net, weights);
    FAIL() << "strict loading accepted mismatched weights";
  } catch (const c10::Error& e) {
    const std::string message = e.what();
    EXPECT_NE(message.find("missing keys (1):\n  bn1.weight"), std::string::npos) << message;
    EXPECT_NE(message.find("unexpected keys (1):\n  head.weight"), std::string::npos) << message;
    EXPECT_NE(message.find("fc.weight: expected 3x4, got 5x4"), std::string::npos) << message;
    EXPECT_NE(message.find("fc.bias: expected 3, got 5"), std::string::npos) << message;
  }
  EXPECT_TRUE(torch::equal(net->conv1->weight, before));

  const LoadReport report = load_state_dict(*net, weights, /*strict=*/false);
  EXPECT_FALSE(report.ok());
  EXPECT_EQ(report.loaded, 5u);  // conv1.weight and bn1.{bias, running_mean, running_var, num_batches_tracked}
  EXPECT_TRUE(torch::equal(net->conv1->weight, python_tensor(weights, "conv1.weight")));
}

TEST(StateDictLoadingTest, AcceptsBatchNormStateWithoutTheCounterAsPyTorchDoes) {
  io::StateDict weights = io::read_state_dict(fixture("checkpoints/seed_zip.pth"));
  weights.erase(weights.begin() + 5);  // bn1.num_batches_tracked, absent from pre-0.4.1 files
  TinyNet net;
  const LoadReport report = load_state_dict(*net, weights);
  EXPECT_TRUE(report.ok()) << report.describe();
  EXPECT_EQ(report.loaded, 7u);
}

TEST(StateDictLoadingTest, ConvertsDtypesIntoTheModel) {
  io::StateDict weights = io::read_state_dict(fixture("checkpoints/seed_zip.pth"));
  for (auto& [name, t] : weights) {
    if (t.dtype != io::DType::Float32) continue;
    t = from_torch(to_torch(t).to(torch::kFloat16));
  }
  TinyNet net;
  EXPECT_TRUE(load_state_dict(*net, weights).ok());
  EXPECT_EQ(net->fc->weight.scalar_type(), torch::kFloat32);
  EXPECT_TRUE(torch::allclose(net->fc->weight, python_tensor(weights, "fc.weight").to(torch::kFloat32)));
}

}  // namespace
}  // namespace fixres::models
