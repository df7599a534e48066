// The pieces of the shared training loop: SGD against LibTorch's own SGD (the C++ port of
// torch.optim.SGD), StepLR's closed form and state, the seed's LR scaling and iteration cap,
// class-count checks.
#include <gtest/gtest.h>

#include "common/paths.h"
#include "common/seeded_test.h"
#include "fixres/data/image_folder.h"
#include "fixres/engine/lr_schedule.h"
#include "fixres/engine/optimizer.h"
#include "fixres/core/train.h"
#include "fixres/engine/training_loop.h"

namespace fixres::engine {
namespace {

/// Two parameters, one of which never gets a gradient (a frozen layer).
struct Toy {
  torch::Tensor w = torch::randn({5, 3});
  torch::Tensor b = torch::randn({5});
  torch::Tensor frozen = torch::randn({4});
  Toy() {
    w.set_requires_grad(true);
    b.set_requires_grad(true);
  }
  void backward(const torch::Tensor& x) { (x.matmul(w.t()) + b).pow(2).sum().backward(); }
};

class SgdTest : public testing::SeededTest {};

TEST_F(SgdTest, MatchesLibTorchSgdBitwise) {
  reseed(3);
  Toy ours, theirs;
  {
    torch::NoGradGuard g;
    theirs.w.copy_(ours.w);
    theirs.b.copy_(ours.b);
    theirs.frozen.copy_(ours.frozen);
  }
  Sgd sgd({ours.w, ours.b, ours.frozen}, SgdOptions().lr(0.01).momentum(0.9).dampening(0.0).weight_decay(1e-4));
  torch::optim::SGD reference({theirs.w, theirs.b, theirs.frozen},
                              torch::optim::SGDOptions(0.01).momentum(0.9).weight_decay(1e-4));
  for (int step = 0; step < 5; ++step) {
    torch::Tensor x = torch::randn({8, 3});
    sgd.zero_grad();
    ours.backward(x);
    sgd.step();
    reference.zero_grad();
    theirs.backward(x);
    reference.step();
    ASSERT_TRUE(torch::equal(ours.w, theirs.w)) << "step " << step;
    ASSERT_TRUE(torch::equal(ours.b, theirs.b)) << "step " << step;
  }
  EXPECT_TRUE(torch::equal(ours.frozen, theirs.frozen));
  EXPECT_FALSE(sgd.momentum_buffer(2).defined());  // no gradient: no state, as PyTorch
}

TEST_F(SgdTest, StateRoundTripContinuesIdentically) {
  reseed(4);
  Toy a;
  Sgd first({a.w, a.b, a.frozen}, SgdOptions().lr(0.05).momentum(0.9).dampening(0.0).weight_decay(1e-4));
  torch::Tensor x = torch::randn({8, 3});
  first.zero_grad();
  a.backward(x);
  first.step();
  const io::SgdState state = first.state(0.05);
  ASSERT_EQ(state.param_groups.size(), 1u);
  EXPECT_EQ(state.param_groups[0].params, (std::vector<std::int64_t>{0, 1, 2}));
  ASSERT_EQ(state.momentum_buffers.size(), 2u);  // indices 0 and 1 only
  EXPECT_EQ(state.momentum_buffers[1].first, 1);
  EXPECT_EQ(state.param_groups[0].initial_lr.value(), 0.05);

  Toy b;
  {
    torch::NoGradGuard g;
    b.w.copy_(a.w);
    b.b.copy_(a.b);
  }
  Sgd second({b.w, b.b, b.frozen}, SgdOptions().lr(0.0).momentum(0.0).dampening(0.0).weight_decay(0.0));
  second.load_state(state, "test");
  EXPECT_EQ(second.lr(), 0.05);
  for (Sgd* sgd : {&first, &second}) {
    Toy& t = sgd == &first ? a : b;
    sgd->zero_grad();
    t.backward(x);
    sgd->step();
  }
  EXPECT_TRUE(torch::equal(a.w, b.w));
  EXPECT_TRUE(torch::equal(a.b, b.b));

  io::SgdState wrong = state;
  wrong.param_groups[0].params.pop_back();
  EXPECT_THROW(second.load_state(wrong, "test"), c10::Error);
}

TEST(StepLrTest, ClosedFormAndStateAsPyTorch) {
  const StepLr schedule(StepLrOptions(0.4).step_size(30).gamma(0.1));
  EXPECT_DOUBLE_EQ(schedule.lr_at(0), 0.4);
  EXPECT_DOUBLE_EQ(schedule.lr_at(29), 0.4);
  EXPECT_DOUBLE_EQ(schedule.lr_at(30), 0.4 * 0.1);
  EXPECT_DOUBLE_EQ(schedule.lr_at(65), 0.4 * std::pow(0.1, 2));
  const io::StepLrState s = schedule.state(1);
  EXPECT_EQ(s.last_epoch, 1);
  EXPECT_EQ(s.step_count, 3);
  EXPECT_EQ(s.base_lrs, std::vector<double>{0.4});
  EXPECT_EQ(schedule.check_state(s, "x"), 1);
  const StepLr other(StepLrOptions(0.2).step_size(30).gamma(0.1));
  EXPECT_THROW(other.check_state(s, "x"), std::runtime_error);
}

TEST(TrainingRecipeTest, SeedScalingAndIterationCap) {
  EXPECT_DOUBLE_EQ(scaled_learning_rate(1e-3, 8, 32), 8.0 * 1e-3 * 8 * 32 / 512.0);
  EXPECT_DOUBLE_EQ(scaled_learning_rate(0.02, 64, 8), 0.16);
  EXPECT_EQ(scratch_iteration_cap(64, 8), 5005);      // exactly 5005
  EXPECT_EQ(scratch_iteration_cap(100, 1), 25626);    // 25625.6 -> the seed breaks at 25626
  EXPECT_EQ(scratch_iteration_cap(8, 1), 320320);
}

TEST(TrainingRecipeTest, ClassCountChecks) {
  data::ImageFolder folder(testing::fixture("images/folder").string());
  std::string messages;
  Reporter reporter;
  reporter.on_message = [&messages](const std::string& m) { messages += m; };
  EXPECT_NO_THROW(check_class_count(folder, 3, reporter));
  EXPECT_TRUE(messages.empty());
  EXPECT_NO_THROW(check_class_count(folder, 1000, reporter));
  EXPECT_NE(messages.find("warning"), std::string::npos);
  EXPECT_THROW(check_class_count(folder, 2, reporter), std::runtime_error);
}

TEST(TrainingRecipeTest, OptionChecks) {
  TrainingOptions o;
  EXPECT_NO_THROW(check_training_options(o));
  o.batch = 0;
  EXPECT_THROW(check_training_options(o), std::invalid_argument);
  o.batch = 1;
  o.learning_rate = std::nan("");
  EXPECT_THROW(check_training_options(o), std::invalid_argument);
}

}  // namespace
}  // namespace fixres::engine
