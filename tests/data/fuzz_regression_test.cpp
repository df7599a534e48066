// The inputs with which fuzzing (tools/fuzz) made an image decoder or the Fashion-MNIST reader
// crash, hang, allocate without cause or break a promise: each is now decoded or refused with
// the reader's documented error (ImageError; std::runtime_error for Fashion-MNIST).

#include <gtest/gtest.h>

#include "common/fuzz_regressions.h"
#include "fuzz/data_targets.h"

namespace fixres::data {
namespace {

TEST(FuzzRegressionTest, DecodersReadOrRefusePastFindings) {
  EXPECT_GT(testing::run_fuzz_regressions(fuzz::data_targets()), 0);
}

}  // namespace
}  // namespace fixres::data
