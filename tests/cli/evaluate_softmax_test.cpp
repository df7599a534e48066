// `fixres evaluate-softmax` against numpy's own top-1/top-5 (tests/fixtures/npy/expected.json),
// the ranking rule, and every bad input of issue 2 as a clear exit-1 error.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <fstream>

#include "common/paths.h"
#include "common/run_command.h"
#include "fixres/core/metrics.h"

namespace fixres::cli {
namespace {

using fixres::testing::fixture;
using fixres::testing::run_fixres;

nlohmann::json expected() {
  std::ifstream in(fixture("npy/expected.json"));
  return nlohmann::json::parse(in);
}

nlohmann::json read_json(const std::filesystem::path& path) {
  std::ifstream in(path);
  return nlohmann::json::parse(in);
}

TEST(MetricsTest, TiesResolveToTheFirstIndexLikeNumpyArgmax) {
  const float row[] = {0.1f, 0.4f, 0.4f, 0.05f, 0.4f, 0.05f};
  EXPECT_EQ(engine::label_rank(row, 6, 1), 0);
  EXPECT_EQ(engine::label_rank(row, 6, 2), 1);
  EXPECT_EQ(engine::label_rank(row, 6, 4), 2);
  EXPECT_EQ(engine::label_rank(row, 6, 0), 3);
  EXPECT_EQ(engine::label_rank(row, 6, 5), 5);
  const std::int64_t labels[] = {2};
  auto counts = engine::count_topk(row, 1, 6, labels);
  EXPECT_EQ(counts.top1, 0);
  EXPECT_EQ(counts.top5, 1);
}

TEST(EvaluateSoftmaxTest, MatchesNumpyTop1AndTop5) {
  auto dir = fixres::testing::scratch_dir("evaluate_softmax_v1");
  auto json = dir / "result.json";
  auto result = run_fixres("evaluate-softmax --architecture ResNet50 --save-path " + fixture("npy").string() +
                           " --json " + json.string());
  ASSERT_EQ(result.exit_code, 0) << result.output;
  auto want = expected();
  char line[128];
  std::snprintf(line, sizeof line, "Top-1: %.2f  Top-5: %.2f  (400 images)", want["top1"].get<double>(),
                want["top5"].get<double>());
  EXPECT_NE(result.output.find(line), std::string::npos) << result.output << "\nexpected: " << line;
  auto got = read_json(json);
  EXPECT_EQ(got["architecture"], "ResNet50");
  EXPECT_EQ(got["version"], "v1");
  EXPECT_EQ(got["images"], 400);
  EXPECT_DOUBLE_EQ(got["top1"].get<double>(), want["top1"].get<double>());
  EXPECT_DOUBLE_EQ(got["top5"].get<double>(), want["top5"].get<double>());
}

TEST(EvaluateSoftmaxTest, VersionTwoReadsTheV2File) {
  auto dir = fixres::testing::scratch_dir("evaluate_softmax_v2");
  auto json = dir / "result.json";
  auto result = run_fixres("evaluate-softmax --architecture ResNet50 --version v2 --save-path " +
                           fixture("npy").string() + " --json " + json.string());
  ASSERT_EQ(result.exit_code, 0) << result.output;
  auto got = read_json(json);
  EXPECT_DOUBLE_EQ(got["top1"].get<double>(), expected()["top1_v2"].get<double>());
  EXPECT_DOUBLE_EQ(got["top5"].get<double>(), expected()["top5_v2"].get<double>());
}

struct BadCase {
  const char* folder;
  const char* message;
};

TEST(EvaluateSoftmaxTest, BadInputsAreClearErrors) {
  const BadCase cases[] = {
      {"nan", "NaN"},
      {"mismatch", "has 19 rows but"},
      {"out_of_range", "label 100 of row 12 is outside [0, 100)"},
      {"wrong_dtype", "expected float32 or float64 scores, got int32"},
      {"missing_folder", "cannot open for reading"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.folder);
    auto result = run_fixres("evaluate-softmax --architecture ResNet50 --save-path " +
                             fixture(std::string("npy/") + c.folder).string());
    EXPECT_EQ(result.exit_code, 1) << result.output;
    EXPECT_NE(result.output.find(c.message), std::string::npos) << result.output;
    EXPECT_NE(result.output.find("ResNet50_softmax.npy"), std::string::npos) << result.output;
  }
}

TEST(EvaluateSoftmaxTest, UsageErrorsExitTwo) {
  EXPECT_EQ(run_fixres("evaluate-softmax").exit_code, 2);
  EXPECT_EQ(run_fixres("evaluate-softmax --save-path x --version v3").exit_code, 2);
  EXPECT_EQ(run_fixres("evaluate-softmax --save-path x --bogus").exit_code, 2);
}

}  // namespace
}  // namespace fixres::cli
