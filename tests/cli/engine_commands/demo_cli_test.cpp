// `fixres demo`: the quick preset end to end through the real binary (results.json, the table,
// sweep.svg rendered by librsvg, checkpoints) and its bad-input errors.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "common/paths.h"
#include "engine/inference_fixtures.h"
#include "common/run_command.h"
#include "fixres/data/image_folder.h"

namespace fixres {
namespace {

namespace fs = std::filesystem;
using testing::read_text;

std::string quoted(const fs::path& path) { return testing::quoted(path.string()); }

/// Well-formed enough to be the XML librsvg reads: one <svg> root, every element closed in order.
::testing::AssertionResult balanced_svg(const std::string& svg) {
  std::vector<std::string> open;
  std::size_t pos = 0;
  bool root_seen = false;
  while ((pos = svg.find('<', pos)) != std::string::npos) {
    const std::size_t end = svg.find('>', pos);
    if (end == std::string::npos) return ::testing::AssertionFailure() << "unterminated tag at " << pos;
    const std::string tag = svg.substr(pos + 1, end - pos - 1);
    pos = end + 1;
    if (tag.empty() || tag[0] == '?' || tag[0] == '!') continue;
    if (tag[0] == '/') {
      const std::string name = tag.substr(1);
      if (open.empty() || open.back() != name) {
        return ::testing::AssertionFailure() << "</" << name << "> closes " << (open.empty() ? "nothing" : open.back());
      }
      open.pop_back();
      continue;
    }
    const std::string name = tag.substr(0, tag.find_first_of(" \t\n/"));
    if (open.empty()) {
      if (root_seen || name != "svg") return ::testing::AssertionFailure() << "root element <" << name << ">";
      root_seen = true;
    }
    if (tag.back() != '/') open.push_back(name);
  }
  if (!root_seen || !open.empty()) return ::testing::AssertionFailure() << "unclosed elements: " << open.size();
  return ::testing::AssertionSuccess();
}

class DemoQuickTest : public ::testing::Test {
 protected:
  // One quick run (~2 minutes on 2 cores) shared by the tests of this fixture.
  static void SetUpTestSuite() {
    out_ = new fs::path(testing::scratch_dir("demo_quick"));
    run_ = new testing::CommandResult(testing::run_fixres("demo --quick --threads 0 --out " + quoted(*out_ / "run") +
                                                          " --json " + quoted(*out_ / "copy.json")));
  }
  static void TearDownTestSuite() {
    delete run_;
    delete out_;
  }
  static nlohmann::json results() { return nlohmann::json::parse(read_text(*out_ / "run" / "results.json")); }

  static fs::path* out_;
  static testing::CommandResult* run_;
};

fs::path* DemoQuickTest::out_ = nullptr;
testing::CommandResult* DemoQuickTest::run_ = nullptr;

// One test, not four: CTest runs every test in its own process, so each TEST_F of this fixture
// would train its own quick demo (~1 minute of CI each).
TEST_F(DemoQuickTest, RunsAndWritesTheTableResultsCheckpointsAndPlot) {
  ASSERT_EQ(run_->exit_code, 0) << run_->output;
  const nlohmann::json r = results();
  {
    SCOPED_TRACE("SucceedsAndPrintsTheTableAndTheStatementsAsDecided");
    EXPECT_NE(run_->output.find("test size   top-1 (%)          top-1 after FixRes fine-tuning (%)"), std::string::npos)
        << run_->output;
    EXPECT_NE(run_->output.find("too short to be conclusive"), std::string::npos) << run_->output;
    ASSERT_EQ(r.at("statements").size(), 3u);
    const std::vector<std::string> claims = {"above_train_size_without_finetuning", "finetuning_adds",
                                             "low_res_training_matches"};
    for (std::size_t i = 0; i < 3; ++i) {
      const auto& st = r.at("statements")[i];
      EXPECT_EQ(st.at("claim"), claims[i]);
      ASSERT_TRUE(st.at("holds").is_boolean());
      const std::string text = st.at("text");
      // Printed as decided: "* claim" when it holds, "- Not shown: …" when it does not.
      EXPECT_NE(run_->output.find((st.at("holds").get<bool>() ? "* " : "- ") + text), std::string::npos) << text;
      if (!st.at("holds").get<bool>()) EXPECT_EQ(text.rfind("Not shown", 0), 0u) << text;
    }
    // Statement 1 re-decided from the JSON's own numbers.
    const auto& first = r.at("statements")[0];
    const auto& e = first.at("evidence");
    const bool holds = e.at("best_size").get<int>() > e.at("train_size").get<int>() &&
                       e.at("difference").get<double>() > 2.0 * e.at("standard_error").get<double>();
    EXPECT_EQ(first.at("holds").get<bool>(), holds) << first.dump();
  }
  {
    SCOPED_TRACE("ResultsJsonSchema");
    EXPECT_EQ(r, nlohmann::json::parse(read_text(*out_ / "copy.json")));
    ASSERT_EQ(r.at("seeds"), nlohmann::json::array({0}));
    const int train_size = r.at("train_size").get<int>();
    const auto& sweep = r.at("sweep");
    ASSERT_GE(sweep.size(), 4u);
    std::set<int> sizes;
    bool below = false, above = false;
    double best_plain = 0.0;
    int best_at = 0;
    for (const auto& row : sweep) {
      const int size = row.at("size").get<int>();
      sizes.insert(size);
      below |= size < train_size;
      above |= size > train_size;
      const double top1 = row.at("top1_mean").get<double>();
      EXPECT_GE(top1, 0.0);
      EXPECT_LE(top1, 100.0);
      EXPECT_EQ(row.at("top1_std").get<double>(), 0.0);  // one seed
      ASSERT_EQ(row.at("per_seed").size(), 1u);
      EXPECT_DOUBLE_EQ(row.at("per_seed")[0].at("top1").get<double>(), top1);
      EXPECT_EQ(row.at("top1_finetuned_mean").is_null(), row.at("per_seed")[0].at("top1_finetuned").is_null());
      EXPECT_EQ(row.at("top1_finetuned_mean").is_null(), row.at("top1_finetuned_std").is_null());
      if (top1 > best_plain) best_plain = top1, best_at = size;
    }
    EXPECT_EQ(r.at("best_size").get<int>(), best_at);
    EXPECT_GT(best_plain, 20.0) << "best plain top-1 is not above chance (10%)";
    EXPECT_EQ(sizes.size(), sweep.size()) << "sizes repeat";
    EXPECT_TRUE(below && above) << "the sweep must cover sizes below and above the train size " << train_size;
    const auto& at_test = r.at("train_at_test_size");
    ASSERT_TRUE(at_test.is_object()) << r.dump();
    EXPECT_TRUE(sizes.count(at_test.at("size").get<int>()));
    EXPECT_GT(at_test.at("top1_mean").get<double>(), 10.0);
    EXPECT_GT(r.at("seconds").get<double>(), 0.0);
    // The default arithmetic: bf16 exactly where /proc/cpuinfo lists native bfloat16.
    std::ifstream cpuinfo("/proc/cpuinfo");
    const std::string info((std::istreambuf_iterator<char>(cpuinfo)), std::istreambuf_iterator<char>());
    const bool bf16 = info.find(" avx512_bf16") != std::string::npos || info.find(" amx_bf16") != std::string::npos;
    EXPECT_EQ(r.at("settings").at("precision"), bf16 ? "bf16" : "fp32");
    EXPECT_EQ(r.at("settings").at("channels_last"), true);
  }
  {
    SCOPED_TRACE("WritesCheckpointsAndTheTestImages");
    const auto& run = r.at("runs")[0];
    EXPECT_TRUE(fs::is_regular_file(run.at("train_checkpoint").get<std::string>()));
    ASSERT_GE(run.at("finetune_checkpoints").size(), 1u);
    for (const auto& c : run.at("finetune_checkpoints")) EXPECT_TRUE(fs::is_regular_file(c.get<std::string>()));
    const data::ImageFolder val(r.at("val_folder").get<std::string>());
    EXPECT_EQ(val.size(), r.at("sweep")[0].at("images").get<std::int64_t>());
    EXPECT_EQ(val.num_classes(), 10);
    // The fine-tuning runs' own "before" evaluation (in-memory test images) agrees with the
    // sweep's (the same images exported as PNG and read back), up to rare argmax flips.
    for (const auto& f : run.at("finetune")) {
      const int size = f.at("epochs").at(0).at("input_size").get<int>();
      for (const auto& row : r.at("sweep")) {
        if (row.at("size").get<int>() == size) {
          EXPECT_NEAR(f.at("before").at("top1").get<double>(), row.at("top1_mean").get<double>(), 0.2) << size;
        }
      }
    }
  }
  {
    SCOPED_TRACE("SweepSvgRendersWithBothCurvesAndTheTrainedAtTestPoint");
    const fs::path svg_path = *out_ / "run" / "sweep.svg";
    const std::string svg = read_text(svg_path);
    ASSERT_FALSE(svg.empty());
    EXPECT_TRUE(balanced_svg(svg));
    EXPECT_NE(svg.find("tested as is"), std::string::npos);
    EXPECT_NE(svg.find("after FixRes fine-tuning"), std::string::npos);
    EXPECT_NE(svg.find("tested there"), std::string::npos);
    // librsvg (Debian librsvg2-bin, installed by scripts/setup with the test packages) renders it.
    const fs::path png = *out_ / "sweep.png";
    const auto render = testing::run_command("rsvg-convert -o " + quoted(png) + " " + quoted(svg_path));
    ASSERT_EQ(render.exit_code, 0) << render.output;
    const std::string bytes = read_text(png);
    ASSERT_GT(bytes.size(), 1000u);
    EXPECT_EQ(bytes.substr(1, 3), "PNG");
  }
}

TEST(DemoErrors, MissingDatasetNamesTheAptCommand) {
  const fs::path out = testing::scratch_dir("demo_missing_dataset");
  const auto run = testing::run_fixres("demo --quick --out " + quoted(out / "run") + " --data-root " +
                                       quoted(out / "no-such-folder"));
  EXPECT_EQ(run.exit_code, 1) << run.output;
  EXPECT_NE(run.output.find("apt-get install dataset-fashion-mnist"), std::string::npos) << run.output;
  EXPECT_FALSE(fs::exists(out / "run" / "checkpoints")) << "nothing trained";
}

TEST(DemoErrors, UnwritableOutFailsBeforeTraining) {
  const fs::path out = testing::scratch_dir("demo_unwritable");
  std::ofstream(out / "a-file") << "not a folder";
  const auto run = testing::run_fixres("demo --quick --out " + quoted(out / "a-file" / "demo"));
  EXPECT_EQ(run.exit_code, 1) << run.output;
  EXPECT_NE(run.output.find((out / "a-file").string()), std::string::npos) << run.output;
  EXPECT_EQ(run.output.find("epoch"), std::string::npos) << "trained before failing:\n" << run.output;
}

TEST(DemoErrors, UnknownPrecisionIsAUsageErrorNamingTheFlag) {
  const fs::path out = testing::scratch_dir("demo_precision");
  const auto run = testing::run_fixres("demo --quick --precision fp16 --out " + quoted(out));
  EXPECT_EQ(run.exit_code, 2) << run.output;
  EXPECT_NE(run.output.find("--precision"), std::string::npos) << run.output;
  EXPECT_FALSE(fs::exists(out / "checkpoints")) << "nothing trained";
}

TEST(DemoErrors, ExclusiveFineTuningFlagsAreAUsageError) {
  const fs::path out = testing::scratch_dir("demo_usage");
  const auto run = testing::run_fixres("demo --quick --finetune-every-size --finetune-best-only --out " + quoted(out));
  EXPECT_EQ(run.exit_code, 2) << run.output;
}

}  // namespace
}  // namespace fixres
