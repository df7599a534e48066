// The architecture registry: names, errors, per-weights normalisation, and FixRes's fine-tuning
// policy applied to real networks.

#include <gtest/gtest.h>
#include <torch/torch.h>

#include "fixres/models/finetune_policy.h"
#include "fixres/models/registry.h"

namespace fixres::models {
namespace {

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const std::exception& e) {
    return e.what();
  }
  return "";
}

TEST(RegistryTest, UnknownArchitectureListsTheKnownOnes) {
  const auto message = error_of([] { find_architecture("ResNet5O"); });
  for (const char* known : {"ResNet50", "IGAM_Resnext101_32x48d", "PNASNet", "EfficientNet", "resnext50_32x4d",
                            "tf_efficientnet_b0_ap", "tf_efficientnet_l2_ns_475"}) {
    EXPECT_NE(message.find(known), std::string::npos) << known << " missing from: " << message;
  }
  EXPECT_NE(message.find("'ResNet5O'"), std::string::npos);
  EXPECT_THROW(create_model("nope"), std::invalid_argument);
}

TEST(RegistryTest, EfficientNetNeedsAKnownVariant) {
  EXPECT_NE(error_of([] { find_architecture("EfficientNet"); }).find("--EfficientNet-models"), std::string::npos);
  const auto message = error_of([] { find_architecture("EfficientNet", "tf_efficientnet_b9"); });
  EXPECT_NE(message.find("tf_efficientnet_b9"), std::string::npos);
  EXPECT_NE(message.find("tf_efficientnet_b8_ap"), std::string::npos);
  EXPECT_EQ(find_architecture("EfficientNet", "tf_efficientnet_b3_ns").name, "tf_efficientnet_b3_ns");
  EXPECT_EQ(find_architecture("efficientnet", "tf_efficientnet_b3_ns").name, "tf_efficientnet_b3_ns");
}

TEST(RegistryTest, NormalisationFollowsTheWeights) {
  const std::array<float, 3> half = {0.5f, 0.5f, 0.5f};
  const std::array<float, 3> imagenet_mean = {0.485f, 0.456f, 0.406f};
  EXPECT_EQ(find_architecture("PNASNet").mean, half);
  EXPECT_EQ(find_architecture("PNASNet").std, half);
  EXPECT_EQ(find_architecture("ResNet50").mean, imagenet_mean);
  EXPECT_EQ(find_architecture("IGAM_Resnext101_32x48d").mean, imagenet_mean);
  for (const auto& name : efficientnet_names()) {
    const bool advprop = name.size() > 3 && name.compare(name.size() - 3, 3, "_ap") == 0;
    EXPECT_EQ(find_architecture(name).mean, advprop ? half : imagenet_mean) << name;
    EXPECT_EQ(find_architecture(name).interpolation, "bicubic");
  }
  EXPECT_EQ(find_architecture("vit_small_patch16_224").mean, half);
  EXPECT_EQ(find_architecture("deit_small_patch16_224").mean, imagenet_mean);
  EXPECT_EQ(find_architecture("convnext_tiny").mean, imagenet_mean);
  EXPECT_EQ(find_architecture("ResNet50").interpolation, "bilinear");
}

// The table (core/architecture_table.h) states what each family's builder makes: embedding
// size, classifier, and a network that accepts the smallest input the row allows.
TEST(RegistryTest, EveryRowBuildsTheNetworkItDescribes) {
  ASSERT_EQ(architecture_specs().size(), architecture_rows().size());
  for (const auto& spec : architecture_specs()) {
    if (spec.name == "IGAM_Resnext101_32x48d" || spec.name.rfind("tf_efficientnet_l2", 0) == 0) continue;  // 0.5-0.8 G
    ModelOptions options;
    options.initialize = false;
    options.num_classes = 7;
    auto model = spec.build(options);
    EXPECT_EQ(model->embedding_dim(), spec.embedding_dim) << spec.name;
    EXPECT_EQ(model->num_classes(), 7) << spec.name;
    EXPECT_EQ(&find_architecture(spec.name), &spec);
    if (spec.family == Family::VisionTransformer || spec.family == Family::ConvNeXt) {
      torch::NoGradGuard no_grad;
      model->eval();
      const auto out = model->forward(torch::zeros({1, 3, spec.total_stride * 2, spec.total_stride * 2}));
      EXPECT_EQ(out.sizes(), torch::IntArrayRef({1, 7})) << spec.name;
    }
  }
  const auto names = architecture_names();
  EXPECT_EQ(names.front(), "ResNet50");
  EXPECT_EQ(std::count(names.begin(), names.end(), "EfficientNet"), 1);
}

TEST(RegistryTest, SizesOfTheReleasedWeights) {
  EXPECT_EQ(find_architecture("ResNet50").test_size, 384);
  EXPECT_EQ(find_architecture("IGAM_Resnext101_32x48d").test_size, 320);
  EXPECT_EQ(find_architecture("PNASNet").train_size, 331);
  EXPECT_EQ(find_architecture("PNASNet").test_size, 480);
  EXPECT_EQ(find_architecture("tf_efficientnet_b0_ns").test_size, 320);
  EXPECT_EQ(find_architecture("tf_efficientnet_b6_ns").test_size, 680);
  EXPECT_EQ(find_architecture("tf_efficientnet_b6_ap").test_size, 576);
  EXPECT_EQ(find_architecture("tf_efficientnet_l2_ns_475").train_size, 475);
  EXPECT_EQ(find_architecture("tf_efficientnet_l2_ns").test_size, 600);
  EXPECT_EQ(find_architecture("tf_efficientnet_b7").embedding_dim, 2560);
}

TEST(RegistryTest, ClassifierNamesAndClassCount) {
  ModelOptions options;
  options.num_classes = 10;
  options.initialize = false;
  for (const auto& [arch, name, dim] : std::vector<std::tuple<std::string, std::string, std::int64_t>>{
           {"resnext50_32x4d", "fc", 2048}, {"tf_efficientnet_b0", "classifier", 1280}}) {
    auto model = create_model(arch, options);
    EXPECT_EQ(model->classifier_name(), name);
    EXPECT_EQ(model->num_classes(), 10);
    EXPECT_EQ(model->embedding_dim(), dim);
    model->eval();
    torch::NoGradGuard no_grad;
    const auto out = model->forward_with_embedding(torch::randn({2, 3, 64, 80}));
    EXPECT_EQ(out.logits.sizes(), (std::vector<std::int64_t>{2, 10}));
    EXPECT_EQ(out.embedding.sizes(), (std::vector<std::int64_t>{2, dim}));
    model->reset_classifier(7);
    EXPECT_EQ(model->forward(torch::randn({1, 3, 64, 64})).size(1), 7);
    EXPECT_EQ(model->named_parameters().find(name + ".weight")->size(0), 7);
  }
}

// imnet_finetune/train.py for ResNet-50: only fc receives gradients; the model is in eval mode
// except layer4[2].bn3, whose running statistics adapt.
TEST(FinetunePolicyTest, ResNet50) {
  ModelOptions options;
  options.initialize = false;
  auto model = create_model("ResNet50", options);
  apply_finetune_mode(*model, find_architecture("ResNet50").finetune);
  for (const auto& p : model->named_parameters()) {
    EXPECT_EQ(p.value().requires_grad(), p.key().rfind("fc.", 0) == 0) << p.key();
  }
  for (const auto& m : model->named_modules("", false)) {
    EXPECT_EQ(m.value()->is_training(), m.key() == "layer4.2.bn3") << m.key();
  }
  // Statistics change only there in a forward pass.
  const auto& buffers = model->named_buffers();
  const auto bn3_mean = buffers["layer4.2.bn3.running_mean"].clone();
  const auto bn1_mean = buffers["layer4.2.bn1.running_mean"].clone();
  torch::NoGradGuard no_grad;
  model->forward(torch::randn({2, 3, 64, 64}));
  EXPECT_FALSE(torch::equal(bn3_mean, model->named_buffers()["layer4.2.bn3.running_mean"]));
  EXPECT_TRUE(torch::equal(bn1_mean, model->named_buffers()["layer4.2.bn1.running_mean"]));
}

TEST(FinetunePolicyTest, PNASNetAndEfficientNet) {
  ModelOptions options;
  options.initialize = false;
  auto pnasnet = create_model("PNASNet", options);
  apply_finetune_mode(*pnasnet, find_architecture("PNASNet").finetune);
  for (const auto& p : pnasnet->named_parameters()) {
    const auto& k = p.key();
    const bool trains = k.rfind("cell_9.", 0) == 0 || k.rfind("cell_10.", 0) == 0 || k.rfind("cell_11.", 0) == 0 ||
                        k.rfind("last_linear.", 0) == 0;
    EXPECT_EQ(p.value().requires_grad(), trains) << k;
  }
  EXPECT_TRUE(pnasnet->named_modules()["dropout"]->is_training());
  EXPECT_TRUE(pnasnet->named_modules()["cell_10.comb_iter_0_left.bn_sep_1"]->is_training());
  EXPECT_FALSE(pnasnet->named_modules()["cell_8.comb_iter_0_left.bn_sep_1"]->is_training());
  EXPECT_FALSE(pnasnet->named_modules()["last_linear"]->is_training());

  auto effnet = create_model("EfficientNet", [] {
    ModelOptions o;
    o.efficientnet_model = "tf_efficientnet_b0_ap";
    o.initialize = false;
    return o;
  }());
  apply_finetune_mode(*effnet, find_architecture("EfficientNet", "tf_efficientnet_b0_ap").finetune);
  for (const auto& p : effnet->named_parameters()) {
    EXPECT_EQ(p.value().requires_grad(), p.key().rfind("classifier.", 0) == 0) << p.key();
  }
  EXPECT_TRUE(effnet->named_modules()["bn2"]->is_training());
  EXPECT_TRUE(effnet->named_modules()["conv_head"]->is_training());
  EXPECT_FALSE(effnet->named_modules()["blocks.6.0.bn3"]->is_training());
}

TEST(FinetunePolicyTest, UnknownModuleIsAnError) {
  auto model = create_model("resnext50_32x4d");
  const auto message = error_of([&] { apply_finetune_mode(*model, FinetunePolicy{{"fc"}, {"layer5.bn"}}); });
  EXPECT_NE(message.find("layer5.bn"), std::string::npos);
  EXPECT_NE(message.find("layer4"), std::string::npos);
}

}  // namespace
}  // namespace fixres::models
