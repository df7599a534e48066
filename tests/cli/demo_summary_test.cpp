// The demo's statements are decided from the numbers: synthetic seeds where each statement holds
// or fails, the standard errors (paired over seeds, binomial for one seed) and the aggregates.
#include <gtest/gtest.h>

#include <cmath>

#include "fixres/core/demo_summary.h"
#include "fixres/core/svg_plot.h"

#include <algorithm>

namespace fixres::engine {
namespace {

/// A seed with plain top-1 at 16/24/32/40 px, fine-tuned values where given, and the network
/// trained at 32 px.
DemoSeedNumbers seed(std::uint64_t id, std::vector<double> plain, std::vector<std::optional<double>> tuned,
                     std::optional<double> trained_at_32) {
  DemoSeedNumbers s;
  s.seed = id;
  const int sizes[4] = {16, 24, 32, 40};
  for (int i = 0; i < 4; ++i) s.rows.push_back({sizes[i], plain[static_cast<std::size_t>(i)], tuned[static_cast<std::size_t>(i)]});
  s.train_at_test_top1 = trained_at_32;
  return s;
}

const DemoStatement& statement(const DemoSummary& s, const std::string& claim) {
  for (const auto& st : s.statements) {
    if (st.claim == claim) return st;
  }
  throw std::runtime_error("no statement " + claim);
}

TEST(DemoSummaryTest, AllThreeStatementsHoldWhenTheDataSupportThem) {
  const std::vector<DemoSeedNumbers> seeds = {
      seed(0, {70.0, 80.0, 83.0, 79.0}, {std::nullopt, 84.0, 86.0, 85.0}, 85.5),
      seed(1, {71.0, 80.5, 83.8, 79.5}, {std::nullopt, 84.4, 86.5, 85.2}, 85.9),
      seed(2, {70.4, 79.7, 82.9, 78.8}, {std::nullopt, 83.9, 86.2, 84.6}, 86.4)};
  const DemoSummary s = summarize_demo(seeds, 24, 32, 10000);
  ASSERT_EQ(s.rows.size(), 4u);
  EXPECT_EQ(s.best_size, 32);
  ASSERT_TRUE(s.best_finetuned_size);
  EXPECT_EQ(*s.best_finetuned_size, 32);
  EXPECT_NEAR(s.rows[1].top1.mean, (80.0 + 80.5 + 79.7) / 3, 1e-12);
  const double m = (80.0 + 80.5 + 79.7) / 3;
  EXPECT_NEAR(s.rows[1].top1.std, std::sqrt(((80.0 - m) * (80.0 - m) + (80.5 - m) * (80.5 - m) + (79.7 - m) * (79.7 - m)) / 2), 1e-12);
  EXPECT_FALSE(s.rows[0].top1_finetuned);  // not fine-tuned at 16 px
  ASSERT_TRUE(s.train_at_test);
  EXPECT_NEAR(s.train_at_test->mean, (85.5 + 85.9 + 86.4) / 3, 1e-12);
  for (const auto& st : s.statements) EXPECT_TRUE(st.holds) << st.text;
  const DemoStatement& first = statement(s, "above_train_size_without_finetuning");
  EXPECT_NE(first.text.find("the paper's first finding"), std::string::npos) << first.text;
  // The paired standard error: the per-seed differences 32 px - 24 px are 3.0, 3.3, 3.2.
  const double d = (3.0 + 3.3 + 3.2) / 3;
  const double sd = std::sqrt(((3.0 - d) * (3.0 - d) + (3.3 - d) * (3.3 - d) + (3.2 - d) * (3.2 - d)) / 2);
  EXPECT_NEAR(first.evidence.at("difference").get<double>(), d, 1e-9);
  EXPECT_NEAR(first.evidence.at("standard_error").get<double>(), sd / std::sqrt(3.0), 1e-9);
  const DemoStatement& economic = statement(s, "low_res_training_matches");
  EXPECT_NEAR(economic.evidence.at("pixel_ratio").get<double>(), 24.0 * 24 / (32.0 * 32), 1e-12);
  EXPECT_NE(economic.text.find("economic claim"), std::string::npos) << economic.text;
}

TEST(DemoSummaryTest, AStatementTheDataContradictIsNotClaimed) {
  // The best plain size is the train size (24 px); fine-tuning adds nothing beyond noise; the
  // network trained at 32 px is clearly better.
  const std::vector<DemoSeedNumbers> seeds = {
      seed(0, {70.0, 83.0, 80.0, 75.0}, {std::nullopt, 83.1, 83.2, std::nullopt}, 88.0),
      seed(1, {70.5, 83.5, 80.6, 75.2}, {std::nullopt, 83.2, 83.9, std::nullopt}, 88.4),
      seed(2, {69.8, 82.8, 79.9, 74.9}, {std::nullopt, 83.0, 82.6, std::nullopt}, 87.9)};
  const DemoSummary s = summarize_demo(seeds, 24, 32, 10000);
  EXPECT_EQ(s.best_size, 24);
  for (const auto& st : s.statements) {
    EXPECT_FALSE(st.holds) << st.text;
    EXPECT_EQ(st.text.rfind("Not shown", 0), 0u) << st.text;
    EXPECT_EQ(st.text.find("the paper's"), std::string::npos) << st.text;
    EXPECT_EQ(st.text.find("fine-tuning adds on top"), std::string::npos) << st.text;
  }
  EXPECT_NE(statement(s, "above_train_size_without_finetuning").text.find("not above the train size"), std::string::npos);
}

TEST(DemoSummaryTest, ALargerSizeWithinTheNoiseIsNotAFinding) {
  // 32 px is ahead on average but one seed reverses it: paired SE larger than half the gap.
  const std::vector<DemoSeedNumbers> seeds = {
      seed(0, {70, 80.0, 81.5, 79}, {std::nullopt, std::nullopt, 82.0, std::nullopt}, std::nullopt),
      seed(1, {70, 80.0, 79.0, 79}, {std::nullopt, std::nullopt, 82.0, std::nullopt}, std::nullopt),
      seed(2, {70, 80.0, 81.0, 79}, {std::nullopt, std::nullopt, 82.0, std::nullopt}, std::nullopt)};
  const DemoSummary s = summarize_demo(seeds, 24, 32, 10000);
  EXPECT_EQ(s.best_size, 32);
  const DemoStatement& first = statement(s, "above_train_size_without_finetuning");
  EXPECT_FALSE(first.holds) << first.text;
  EXPECT_NE(first.text.find("within twice the standard error"), std::string::npos) << first.text;
  // Without the network trained at 32 px the economic claim is not decided.
  EXPECT_FALSE(statement(s, "low_res_training_matches").holds);
  EXPECT_FALSE(s.train_at_test);
}

TEST(DemoSummaryTest, OneSeedUsesTheBinomialStandardError) {
  const DemoSummary s =
      summarize_demo({seed(0, {70, 80.0, 81.0, 79}, {std::nullopt, std::nullopt, 90.0, std::nullopt}, 89.0)}, 24, 32, 2000);
  const DemoStatement& first = statement(s, "above_train_size_without_finetuning");
  const double se = 100.0 * std::sqrt(0.81 * 0.19 / 2000 + 0.80 * 0.20 / 2000);  // ~1.25 points
  EXPECT_NEAR(first.evidence.at("standard_error").get<double>(), se, 1e-9);
  EXPECT_FALSE(first.holds);  // +1.0 < 2 SE
  EXPECT_TRUE(statement(s, "finetuning_adds").holds);  // +9 points
  EXPECT_TRUE(statement(s, "low_res_training_matches").holds);
  EXPECT_EQ(s.rows[2].top1.n, 1);
  EXPECT_EQ(format_mean_std(s.rows[2].top1), "81.00");
}

TEST(DemoSummaryTest, SeedsWithDifferentSizesAreRefused) {
  DemoSeedNumbers a = seed(0, {1, 2, 3, 4}, {std::nullopt, std::nullopt, std::nullopt, std::nullopt}, std::nullopt);
  DemoSeedNumbers b = a;
  b.rows[3].size = 48;
  EXPECT_THROW(summarize_demo({a, b}, 24, 32, 100), std::invalid_argument);
  EXPECT_THROW(summarize_demo({}, 24, 32, 100), std::invalid_argument);
}

}  // namespace
}  // namespace fixres::engine

namespace fixres::engine {
namespace {

TEST(DemoPlotTest, StandardDeviationBandsAndAMarkerOnlyPoint) {
  LinePlot plot;
  PlotSeries mean{"mean", "#1f77b4", false, {{16, 70.0, 1.0}, {24, 80.0, 0.5}, {32, 78.0, 0.8}}};
  PlotSeries point{"trained at 32 px", "#2ca02c", false, {{32, 81.0, 0.4}}, false};
  plot.series = {mean, point};
  const std::string svg = render_svg(plot);
  EXPECT_EQ(std::count(svg.begin(), svg.end(), '\n') > 10, true);
  EXPECT_NE(svg.find("<polygon fill=\"#1f77b4\" fill-opacity=\"0.18\""), std::string::npos) << svg;
  EXPECT_NE(svg.find("stroke=\"#2ca02c\" stroke-width=\"2\""), std::string::npos) << svg;  // its error bar
  EXPECT_EQ(svg.find("<polyline fill=\"none\" stroke=\"#2ca02c\""), std::string::npos) << "a marker-only series drew a line";
  EXPECT_NE(svg.find("<polyline fill=\"none\" stroke=\"#1f77b4\""), std::string::npos);
}

}  // namespace
}  // namespace fixres::engine
