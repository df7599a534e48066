#pragma once
// The seeding fixture of the tests that draw from LibTorch's default generator (random tensors,
// a module's initial weights). SetUp() seeds it, so that what a test draws does not depend on the
// tests that ran before it in the same process (CTest runs each test alone, the test program run
// by hand runs them all in one).

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cstdint>

namespace fixres::testing {

class SeededTest : public ::testing::Test {
 public:
  static constexpr std::uint64_t kSeed = 0;

  /// torch.manual_seed(seed): restarts the default generator. For a test (or a helper) that
  /// restarts the stream at a point of its own: to draw the same numbers again, or to draw the
  /// data it was written against with another seed.
  static void reseed(std::uint64_t seed) { torch::manual_seed(seed); }

 protected:
  void SetUp() override { reseed(kSeed); }
};

/// SeededTest for value-parameterised tests (TEST_P), as ::testing::TestWithParam is for Test.
template <typename Param>
class SeededTestWithParam : public SeededTest, public ::testing::WithParamInterface<Param> {};

}  // namespace fixres::testing
