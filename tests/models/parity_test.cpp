// Forward parity with the Python definitions (torchvision, FixRes pnasnet.py, timm) on two real
// photos, with the synthetic weights of tools/fixtures/models.py (random, non-trivial batch-norm
// statistics), eval mode: logits and embeddings within 1e-4 of the reference, relative to its
// largest magnitude.

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>

#include "common/paths.h"
#include "common/seeded_test.h"
#include "fixres/data/decode.h"
#include "fixres/data/pipeline.h"
#include "fixres/data/rng.h"
#include "fixres/io/npy.h"
#include "fixres/models/registry.h"
#include "models/synthetic_weights.h"

namespace fixres::models {
namespace {

constexpr double kTolerance = 1e-4;

torch::Tensor load_npy(const std::string& relative) {
  const auto array = io::read_npy(testing::fixture("models/parity/" + relative).string());
  const auto dtype = array.dtype == io::DType::UInt8 ? torch::kUInt8 : torch::kFloat;
  auto tensor = torch::empty(array.shape, dtype);
  std::memcpy(tensor.data_ptr(), array.data, array.nbytes());
  return tensor;
}

// FixRes's ToTensor + Normalize on uint8 NCHW crops, with the registry's normalisation.
torch::Tensor normalise(const torch::Tensor& images, const ArchitectureSpec& spec) {
  auto mean = torch::tensor({spec.mean[0], spec.mean[1], spec.mean[2]}).view({3, 1, 1});
  auto std = torch::tensor({spec.std[0], spec.std[1], spec.std[2]}).view({3, 1, 1});
  return images.to(torch::kFloat).div(255).sub(mean).div(std);
}

double relative_error(const torch::Tensor& got, const torch::Tensor& expected) {
  return (got - expected).abs().max().item<double>() / expected.abs().max().item<double>();
}

// The crops timm's eval transform made (tests the registry's protocol for the row, and the
// pipeline's Pillow-exact shorter-side bicubic resize): our test pipeline on the same photos
// gives them with 0 differing values.
void expect_own_protocol(const ArchitectureSpec& spec, int size, const torch::Tensor& crops) {
  data::PipelineSpec pipeline_spec;
  pipeline_spec.size = size;
  pipeline_spec.protocol = spec.protocol;
  const data::Pipeline pipeline(pipeline_spec);
  const char* photos[] = {"landscape", "portrait"};
  for (int i = 0; i < 2; ++i) {
    const auto image = data::read_image(testing::fixture(std::string("images/pipeline/") + photos[i] + ".jpg").string());
    data::Rng rng(0);
    const data::Image view = pipeline.view(image, rng);
    auto ours = torch::from_blob(const_cast<std::uint8_t*>(view.pixels.data()), {size, size, 3}, torch::kUInt8)
                    .permute({2, 0, 1});
    EXPECT_EQ((ours.to(torch::kInt) - crops[i].to(torch::kInt)).abs().max().item<int>(), 0)
        << spec.name << " at " << size << ": " << photos[i] << " through " << spec.protocol.describe();
  }
}

struct ParityCase {
  std::string name;
  std::string architecture;
  int size;
};

// Test names and ctest listings show the case by name instead of its bytes.
void PrintTo(const ParityCase& c, std::ostream* os) { *os << c.name; }

class ModelParityTest : public testing::SeededTestWithParam<ParityCase> {};

TEST_P(ModelParityTest, MatchesPythonReference) {
  const auto& c = GetParam();
  nlohmann::json cases;
  std::ifstream(testing::fixture("models/parity/cases.json")) >> cases;
  ASSERT_TRUE(cases.contains(c.name)) << c.name;
  const auto& spec = find_architecture(c.architecture);
  // The normalisation the reference used is the one the registry gives for these weights.
  for (int k = 0; k < 3; ++k) {
    EXPECT_FLOAT_EQ(spec.mean[k], cases[c.name]["mean"][k].get<float>()) << c.architecture;
    EXPECT_FLOAT_EQ(spec.std[k], cases[c.name]["std"][k].get<float>()) << c.architecture;
  }

  auto model = create_model(c.architecture);
  testing::fill_synthetic(*model);
  model->eval();
  const auto& entry = cases[c.name];
  const std::string images_file = entry.value("images", "images_" + std::to_string(c.size) + ".npy");
  const auto crops = load_npy(images_file);
  if (!entry.value("protocol", nlohmann::json()).is_null()) expect_own_protocol(spec, c.size, crops);
  const auto images = normalise(crops, spec);
  ASSERT_EQ(images.size(2), c.size);

  torch::NoGradGuard no_grad;
  const auto out = model->forward_with_embedding(images);
  const auto logits = load_npy(c.name + "_logits.npy");
  const auto embedding = load_npy(c.name + "_embedding.npy");
  ASSERT_EQ(out.logits.sizes(), logits.sizes());
  ASSERT_EQ(out.embedding.sizes(), embedding.sizes());
  const double logit_error = relative_error(out.logits, logits);
  const double embedding_error = relative_error(out.embedding, embedding);
  EXPECT_LE(logit_error, kTolerance) << c.name;
  EXPECT_LE(embedding_error, kTolerance) << c.name;
  RecordProperty("logits_relative_error", std::to_string(logit_error));
  RecordProperty("embedding_relative_error", std::to_string(embedding_error));
  std::cout << "[ parity ] " << c.name << ": logits " << logit_error << ", embedding " << embedding_error
            << " (relative max-abs)\n";
  // forward() is forward_head(forward_features()).
  EXPECT_TRUE(torch::equal(model->forward(images), out.logits));
  EXPECT_EQ(model->embedding_dim(), spec.embedding_dim);
}

INSTANTIATE_TEST_SUITE_P(Zoo, ModelParityTest,
                         ::testing::Values(ParityCase{"resnet50_224", "ResNet50", 224},
                                           ParityCase{"resnext50_32x4d_224", "resnext50_32x4d", 224},
                                           ParityCase{"pnasnet_331", "PNASNet", 331},
                                           ParityCase{"tf_efficientnet_b0_224", "tf_efficientnet_b0", 224},
                                           ParityCase{"tf_efficientnet_b0_320", "tf_efficientnet_b0", 320},
                                           ParityCase{"vit_small_patch16_224_224", "vit_small_patch16_224", 224},
                                           ParityCase{"vit_small_patch16_224_384", "vit_small_patch16_224", 384},
                                           ParityCase{"deit_small_patch16_224_224", "deit_small_patch16_224", 224},
                                           ParityCase{"deit_small_patch16_224_384", "deit_small_patch16_224", 384},
                                           ParityCase{"vit_base_patch16_384_384", "vit_base_patch16_384", 384},
                                           ParityCase{"convnext_tiny_224", "convnext_tiny", 224},
                                           ParityCase{"convnext_tiny_288", "convnext_tiny", 288}),
                         [](const ::testing::TestParamInfo<ParityCase>& p) { return p.param.name; });

// Channels-last inputs and weights give the same logits (oneDNN takes another path).
TEST(ModelLayoutTest, ChannelsLastMatchesContiguous) {
  auto model = create_model("tf_efficientnet_b0");
  testing::fill_synthetic(*model);
  model->eval();
  torch::NoGradGuard no_grad;
  const auto images = normalise(load_npy("images_224.npy"), find_architecture("tf_efficientnet_b0"));
  const auto reference = model->forward(images);
  model->to(torch::kCPU, torch::kFloat);
  for (auto& p : model->parameters()) {
    if (p.dim() == 4) p.set_data(p.contiguous(torch::MemoryFormat::ChannelsLast));
  }
  const auto channels_last = model->forward(images.contiguous(torch::MemoryFormat::ChannelsLast));
  EXPECT_LE(relative_error(channels_last, reference), kTolerance);
}

}  // namespace
}  // namespace fixres::models
