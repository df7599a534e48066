#pragma once
/// The demo's numbers over several seeds and the paper's three statements decided from them,
/// torch-free (the CLI prints and writes them; tests feed synthetic numbers):
///  1. above_train_size_without_finetuning: the best test size without fine-tuning is above the
///     train size and beats testing at the train size by more than twice its standard error;
///  2. finetuning_adds: FixRes fine-tuning at the best fine-tuned size beats the best plain
///     setting by more than twice its standard error;
///  3. low_res_training_matches: trained at the low size and fine-tuned at the claim size T, the
///     network matches (within twice the standard error) or beats one trained at T (same epochs).
/// The standard error of a difference is the seeds' paired one (sd of the per-seed differences /
/// sqrt(n)) with two or more seeds, and the binomial one of the test images with a single seed.

#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace fixres::engine {

/// One seed's top-1 (%) at one test size.
struct DemoSeedRow {
  int size = 0;
  double top1 = 0.0;
  std::optional<double> top1_finetuned;  ///< after FixRes fine-tuning at this size
};

struct DemoSeedNumbers {
  std::uint64_t seed = 0;
  std::vector<DemoSeedRow> rows;  ///< the same sizes, in the same order, for every seed
  /// The network trained at the claim size and tested there (statement 3); nullopt: not run.
  std::optional<double> train_at_test_top1;
};

struct MeanStd {
  double mean = 0.0;
  double std = 0.0;  ///< sample standard deviation over the seeds (0 with one seed)
  int n = 0;
};

MeanStd mean_std(const std::vector<double>& values);

struct DemoSummaryRow {
  int size = 0;
  MeanStd top1;
  std::optional<MeanStd> top1_finetuned;
};

struct DemoStatement {
  std::string claim;  ///< "above_train_size_without_finetuning" | "finetuning_adds" | "low_res_training_matches"
  bool holds = false;
  nlohmann::json evidence;  ///< the numbers it was decided from
  std::string text;         ///< the sentence printed: the claim when it holds, else why not
};

struct DemoSummary {
  int train_size = 0;
  int claim_size = 0;  ///< T of statement 3
  std::vector<DemoSummaryRow> rows;
  int best_size = 0;                       ///< highest mean top-1 without fine-tuning
  std::optional<int> best_finetuned_size;  ///< highest mean top-1 after fine-tuning
  std::optional<MeanStd> train_at_test;    ///< the network trained at claim_size
  std::vector<DemoStatement> statements;   ///< the three, in order
};

/// Aggregates the seeds (rows by size) and decides the statements. `val_images` is the test-set
/// size (the single-seed binomial standard error). Throws std::invalid_argument when the seeds'
/// sizes differ or there are none.
DemoSummary summarize_demo(const std::vector<DemoSeedNumbers>& seeds, int train_size, int claim_size,
                           std::int64_t val_images);

/// "12.34 ± 0.56" (no "±" part with one seed).
std::string format_mean_std(const MeanStd& m);

}  // namespace fixres::engine
