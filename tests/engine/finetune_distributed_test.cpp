// `fixres launch --nproc-per-node 2 -- finetune --sync-bn` trains like one process with twice the
// batch: same images per step (DistributedSampler shards 0,2,… / 1,3,…), gradients averaged over
// the ranks, layer4.2.bn3 normalising with (and tracking) the global batch's statistics.
#include <gtest/gtest.h>

#include <filesystem>

#include "common/paths.h"
#include "common/run_command.h"
#include "engine/deterministic_weights.h"
#include "fixres/io/checkpoint.h"
#include "fixres/io/training_checkpoint.h"
#include "fixres/models/registry.h"

namespace fixres::engine {
namespace {

double relative_error(const io::RawTensor& a, const io::RawTensor& b) {
  const torch::Tensor x = models::to_torch(a).to(torch::kDouble);
  const torch::Tensor y = models::to_torch(b).to(torch::kDouble);
  return (x - y).abs().max().item<double>() / std::max(y.abs().max().item<double>(), 1e-30);
}

TEST(FinetuneDistributedTest, TwoRanksWithSyncBnEqualOneRankWithTwiceTheBatch) {
  const auto dir = testing::scratch_dir("finetune_two_ranks");
  models::ModelOptions options;
  options.num_classes = 3;
  auto model = models::create_model("ResNet50", options);
  const std::string weights = (dir / "weights.pth").string();
  io::write_checkpoint(weights, io::state_dict_value(testing::deterministic_state_dict(*model)));

  const std::string common = " --architecture ResNet50 --weight-path " + weights + " --train-path " +
                             testing::fixture("images/folder").string() +
                             " --no-val --no-shuffle --input-size 64 --epochs 1 --max-iterations 2 --learning-rate 0.05"
                             " --threads 1 --workers 1 --save-folder " + dir.string();
  auto one = testing::run_fixres("finetune --batch 4 --job-id one" + common);
  ASSERT_EQ(one.exit_code, 0) << one.output;
  auto two = testing::run_fixres("launch --nproc-per-node 2 -- finetune --batch 2 --sync-bn --dist-timeout 120 --job-id two" +
                                 common);
  ASSERT_EQ(two.exit_code, 0) << two.output;

  const auto a = io::read_training_checkpoint((dir / "one" / "checkpoint.pth").string());
  const auto b = io::read_training_checkpoint((dir / "two" / "checkpoint.pth").string());
  EXPECT_DOUBLE_EQ(a.optimizer.param_groups.at(0).lr, b.optimizer.param_groups.at(0).lr);  // 8·lr·2B·1 = 8·lr·B·2
  ASSERT_EQ(a.model.size(), b.model.size());
  for (std::size_t i = 0; i < a.model.size(); ++i) {
    const std::string& name = a.model[i].first;
    ASSERT_EQ(name, b.model[i].first);
    if (name.rfind("fc.", 0) == 0 || name.rfind("layer4.2.bn3.running", 0) == 0) {
      EXPECT_LE(relative_error(b.model[i].second, a.model[i].second), 1e-5) << name;
    } else {
      EXPECT_TRUE(io::same_values(a.model[i].second, b.model[i].second)) << name;  // frozen, eval mode
    }
  }
}

}  // namespace
}  // namespace fixres::engine
