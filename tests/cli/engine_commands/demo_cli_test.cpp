// `fixres demo`: the quick preset end to end through the real binary (results.json, the table,
// sweep.svg rendered by librsvg, checkpoints) and its bad-input errors.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
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
// would train its own quick demo (~2 minutes of CI each).
TEST_F(DemoQuickTest, RunsAndWritesTheTableResultsCheckpointsAndPlot) {
  ASSERT_EQ(run_->exit_code, 0) << run_->output;
  {
    SCOPED_TRACE("SucceedsAndPrintsTheTable");
    EXPECT_NE(run_->output.find("test size   top-1 (%)   top-1 after FixRes fine-tuning (%)"), std::string::npos)
        << run_->output;
    EXPECT_NE(run_->output.find("Winning setting: train "), std::string::npos) << run_->output;
    EXPECT_NE(run_->output.find("Best test size without fine-tuning: "), std::string::npos) << run_->output;
  }
  {
    SCOPED_TRACE("ResultsJsonHasTheSweepAndTheFineTunedBestSize");
    const nlohmann::json r = results();
    EXPECT_EQ(r, nlohmann::json::parse(read_text(*out_ / "copy.json")));
    const int train_size = r.at("train_size").get<int>();
    const int best_size = r.at("best_size").get<int>();
    const auto& sweep = r.at("sweep");
    ASSERT_GE(sweep.size(), 5u);

    std::set<int> sizes;
    bool below = false, above = false, best_found = false;
    double best_plain = 0.0;
    for (const auto& row : sweep) {
      const int size = row.at("size").get<int>();
      sizes.insert(size);
      below |= size < train_size;
      above |= size > train_size;
      EXPECT_GE(row.at("top1").get<double>(), 0.0) << "size " << size;
      EXPECT_LE(row.at("top1").get<double>(), 100.0) << "size " << size;
      best_plain = std::max(best_plain, row.at("top1").get<double>());
      if (size == best_size) {
        best_found = true;
        ASSERT_TRUE(row.at("top1_finetuned").is_number()) << row.dump();
        // Well above chance (10 classes: 10%) after the one-epoch --quick training.
        EXPECT_GT(row.at("top1_finetuned").get<double>(), 30.0);
      } else {
        // --quick fine-tunes only at the best size.
        EXPECT_TRUE(row.at("top1_finetuned").is_null()) << row.dump();
      }
    }
    EXPECT_GT(best_plain, 30.0) << "best plain top-1 is not well above chance (10%)";
    EXPECT_EQ(sizes.size(), sweep.size()) << "sizes repeat";
    EXPECT_TRUE(below && above) << "the sweep must cover sizes below and above the train size " << train_size;
    ASSERT_TRUE(best_found) << "best_size " << best_size << " is not a swept size";
    for (const auto& row : sweep) {
      if (row.at("size").get<int>() == best_size) {
        EXPECT_DOUBLE_EQ(row.at("top1").get<double>(), best_plain);
      }
    }

    // The fine-tuning run's own "before" evaluation (in-memory test images) agrees with the sweep's
    // (the same images exported as PNG and read back as an ImageFolder), up to rare argmax flips
    // between batchings.
    ASSERT_EQ(r.at("finetune").size(), 1u);
    const auto& finetune = r.at("finetune")[0];
    double swept_best = 0.0;
    for (const auto& row : sweep) {
      if (row.at("size").get<int>() == best_size) swept_best = row.at("top1").get<double>();
    }
    EXPECT_NEAR(finetune.at("before").at("top1").get<double>(), swept_best, 0.2);
    EXPECT_EQ(finetune.at("before").at("images"), sweep[0].at("images"));

    const double ratio = r.at("train_cost_ratio").get<double>();
    const int winner = r.at("winner").at("test_size").get<int>();
    EXPECT_NEAR(ratio, double(train_size) * train_size / (double(winner) * winner), 1e-9);
  }
  {
    SCOPED_TRACE("WritesCheckpointsAndTheTestImages");
    const nlohmann::json r = results();
    EXPECT_TRUE(fs::is_regular_file(r.at("train_checkpoint").get<std::string>()));
    ASSERT_EQ(r.at("finetune_checkpoints").size(), 1u);
    EXPECT_TRUE(fs::is_regular_file(r.at("finetune_checkpoints")[0].get<std::string>()));
    const data::ImageFolder val(r.at("val_folder").get<std::string>());
    EXPECT_EQ(val.size(), r.at("sweep")[0].at("images").get<std::int64_t>());
    EXPECT_EQ(val.num_classes(), 10);
  }
  {
    SCOPED_TRACE("SweepSvgRendersWithBothCurves");
    const fs::path svg_path = *out_ / "run" / "sweep.svg";
    const std::string svg = read_text(svg_path);
    ASSERT_FALSE(svg.empty());
    EXPECT_TRUE(balanced_svg(svg));
    EXPECT_NE(svg.find("tested as is"), std::string::npos);
    EXPECT_NE(svg.find("after FixRes fine-tuning"), std::string::npos);
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

TEST(DemoErrors, ExclusiveFineTuningFlagsAreAUsageError) {
  const fs::path out = testing::scratch_dir("demo_usage");
  const auto run = testing::run_fixres("demo --quick --finetune-every-size --finetune-best-only --out " + quoted(out));
  EXPECT_EQ(run.exit_code, 2) << run.output;
}

}  // namespace
}  // namespace fixres
