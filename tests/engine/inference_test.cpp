// The shared inference loop and model setup, in process: dataset order whatever the batch size
// and worker count, counts equal to the ranking rule on the collected rows, skipped images, size
// checks, and the normalisation / weight-loading decisions of model_setup.
#include <gtest/gtest.h>

#include "common/seeded_test.h"
#include "engine/inference_fixtures.h"
#include "fixres/data/image_folder.h"
#include "fixres/engine/inference.h"
#include "fixres/core/metrics.h"

namespace fixres::engine {
namespace {

using namespace fixres::testing;

ModelSetup small_setup() {
  ModelConfig config;
  config.architecture = "resnet26_w16";
  config.weight_path = small_weights().string();
  return setup_model(config);
}

std::shared_ptr<const data::Dataset> fixture_folder() {
  return std::make_shared<data::ImageFolder>(fixture("images/folder").string());
}

InferenceResult collect(const ModelSetup& setup, std::shared_ptr<const data::Dataset> dataset, std::int64_t batch,
                        int workers, std::vector<std::int64_t>* seen = nullptr) {
  dist::Context single;
  InferenceOptions options;
  options.input_size = 64;
  options.batch = batch;
  options.workers = workers;
  options.embeddings = true;
  options.collect = true;
  return run_inference(setup, std::move(dataset), options, single, Reporter{},
                       [seen](const InferenceBatch& b) {
                         if (seen) seen->insert(seen->end(), b.indices->begin(), b.indices->end());
                         EXPECT_EQ(b.logits.size(0), static_cast<std::int64_t>(b.indices->size()));
                         EXPECT_EQ(b.embedding.size(1), 2048 / 4);
                       });
}

TEST(InferenceTest, RowsInDatasetOrderWhateverTheBatchAndWorkers) {
  ModelSetup setup = small_setup();
  auto dataset = fixture_folder();
  std::vector<std::int64_t> seen;
  InferenceResult a = collect(setup, dataset, 4, 2, &seen);
  InferenceResult b = collect(setup, dataset, 9, 0);
  InferenceResult c = collect(setup, dataset, 1, 3);
  ASSERT_EQ(seen.size(), 9u);
  for (std::size_t i = 0; i < seen.size(); ++i) EXPECT_EQ(seen[i], static_cast<std::int64_t>(i));
  for (const InferenceResult* r : {&a, &b, &c}) {
    ASSERT_EQ(r->softmax.size(0), 9);
    EXPECT_EQ(r->counts.images, 9);
    for (std::int64_t i = 0; i < 9; ++i) EXPECT_EQ(r->labels[i].item<std::int64_t>(), dataset->label(i));
    EXPECT_LE(max_relative_l2(r->embedding, a.embedding), 1e-5);
    EXPECT_LE(max_abs_difference(r->softmax, a.softmax), 1e-6);
    // The counts follow the ranking rule on the rows (softmax is monotonic in the logits).
    auto sm = r->softmax.contiguous();
    auto labels = r->labels.contiguous();
    TopkCounts expected = count_topk(sm.data_ptr<float>(), 9, sm.size(1), labels.data_ptr<std::int64_t>());
    EXPECT_EQ(r->counts.top1, expected.top1);
    EXPECT_EQ(r->counts.top5, expected.top5);
    EXPECT_TRUE(r->skipped.empty());
  }
  EXPECT_NEAR(a.softmax.sum(1).sub(1).abs().max().item<double>(), 0.0, 1e-5);
}

TEST(InferenceTest, SkippedImagesAreLeftOutAndListed) {
  const fs::path dir = scratch_dir("inference_skipped");
  fs::copy(fixture("images/folder"), dir, fs::copy_options::recursive);
  fs::copy_file(fixture("images/bad/corrupt.png"), dir / "cat" / "cat_1b.png");
  ModelSetup setup = small_setup();
  auto dataset = std::make_shared<data::ImageFolder>(dir.string());
  ASSERT_EQ(dataset->size(), 10);
  InferenceResult r = collect(setup, dataset, 3, 2);
  ASSERT_EQ(r.skipped.size(), 1u);
  EXPECT_EQ(r.skipped[0].index, 2);  // cat_0.jpg, cat_1.jpg, cat_1b.png
  EXPECT_EQ(r.skipped[0].path, (dir / "cat" / "cat_1b.png").string());
  EXPECT_FALSE(r.skipped[0].reason.empty());
  EXPECT_EQ(r.counts.images, 9);
  EXPECT_EQ(r.softmax.size(0), 9);
  // The rows of the readable images are those of the clean folder.
  InferenceResult clean = collect(setup, fixture_folder(), 3, 2);
  EXPECT_LE(max_abs_difference(r.softmax, clean.softmax), 1e-6);
  EXPECT_TRUE(torch::equal(r.labels, clean.labels));

  dist::Context single;
  InferenceOptions strict;
  strict.input_size = 64;
  strict.strict_images = true;
  EXPECT_THROW(run_inference(setup, dataset, strict, single, Reporter{}), std::exception);
}

TEST(InferenceTest, InputSizeChecks) {
  const auto& spec = models::find_architecture("ResNet50");
  EXPECT_THROW(check_input_size(0, spec), std::invalid_argument);
  EXPECT_THROW(check_input_size(-224, spec), std::invalid_argument);
  EXPECT_THROW(check_input_size(31, spec), std::invalid_argument);
  EXPECT_NO_THROW(check_input_size(32, spec));
  EXPECT_NO_THROW(check_input_size(448, spec));
}

class ModelSetupTest : public SeededTest {};

TEST_F(ModelSetupTest, NormalisationFollowsTheWeightsUnlessOverridden) {
  ModelConfig config;
  std::string note;
  auto n = choose_normalization(config, models::find_architecture("ResNet50"), &note);
  EXPECT_EQ(n.mean, data::Normalization::imagenet().mean);
  EXPECT_NE(note.find("ImageNet"), std::string::npos) << note;
  n = choose_normalization(config, models::find_architecture("PNASNet"), &note);
  EXPECT_EQ(n.std, data::Normalization::half().std);
  EXPECT_NE(note.find("0.5/0.5"), std::string::npos) << note;
  n = choose_normalization(config, models::find_architecture("EfficientNet", "tf_efficientnet_b0_ap"), &note);
  EXPECT_EQ(n.mean, data::Normalization::half().mean);
  n = choose_normalization(config, models::find_architecture("EfficientNet", "tf_efficientnet_b0"), &note);
  EXPECT_EQ(n.mean, data::Normalization::imagenet().mean);
  config.mean = std::array<float, 3>{0.1f, 0.2f, 0.3f};
  EXPECT_THROW(choose_normalization(config, models::find_architecture("ResNet50")), std::invalid_argument);
  config.std = std::array<float, 3>{1.f, 2.f, 3.f};
  n = choose_normalization(config, models::find_architecture("ResNet50"), &note);
  EXPECT_EQ(n.mean[1], 0.2f);
  EXPECT_EQ(n.std[2], 3.f);
  EXPECT_NE(note.find("--mean/--std"), std::string::npos) << note;
  config.std = std::array<float, 3>{1.f, 0.f, 3.f};
  EXPECT_THROW(choose_normalization(config, models::find_architecture("ResNet50")), std::invalid_argument);
}

TEST_F(ModelSetupTest, ClassCountComesFromTheWeights) {
  const fs::path path = scratch_dir("model_setup_classes") / "ten.safetensors";
  reseed(1);
  auto model = models::create_model("resnet26_w16");
  model->reset_classifier(10);
  io::write_safetensors(path.string(), models::module_state_dict(*model));
  ModelConfig config;
  config.architecture = "resnet26_w16";
  config.weight_path = path.string();
  std::vector<std::string> messages;
  Reporter reporter;
  reporter.on_message = [&](const std::string& m) { messages.push_back(m); };
  ModelSetup setup = setup_model(config, reporter);
  EXPECT_EQ(setup.model->num_classes(), 10);
  EXPECT_TRUE(setup.load_report.ok());
  EXPECT_FALSE(setup.model->is_training());
  bool said = false;
  for (const auto& m : messages) said = said || m.find("10 classes") != std::string::npos;
  EXPECT_TRUE(said);
  // An explicit class count that disagrees is a load error naming the classifier.
  config.num_classes = 1000;
  try {
    setup_model(config);
    ADD_FAILURE() << "expected a load error";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("fc.weight"), std::string::npos) << e.what();
  }
}

TEST_F(ModelSetupTest, DevicesAreChecked) {
  EXPECT_EQ(parse_device("cpu"), torch::Device(torch::kCPU));
  EXPECT_THROW(parse_device("gpu"), std::invalid_argument);
  EXPECT_THROW(parse_device("cuda:x"), std::invalid_argument);
  if (!torch::cuda::is_available()) {
    EXPECT_THROW(parse_device("cuda"), std::runtime_error);
  }
}

}  // namespace
}  // namespace fixres::engine
