// The inputs with which fuzzing (tools/fuzz) made a checkpoint, pickle or .npy reader crash,
// read out of bounds, allocate without cause or break a promise: each is now read or refused
// with an IoError naming the file.

#include <gtest/gtest.h>

#include "common/fuzz_regressions.h"
#include "fuzz/io_targets.h"

namespace fixres::io {
namespace {

TEST(FuzzRegressionTest, IoReadersReadOrRefusePastFindings) {
  EXPECT_GT(testing::run_fuzz_regressions(fuzz::io_targets()), 0);
}

}  // namespace
}  // namespace fixres::io
