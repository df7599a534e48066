#pragma once
/// The released FixRes models (the weights table of FixRes's README) as data, torch-free, so that
/// `fixres zoo` answers without loading LibTorch. Each row says how to fetch the weights and the
/// exact `fixres evaluate` command that should reproduce the published accuracy.

#include <array>
#include <string>
#include <vector>

namespace fixres::engine {

struct ZooEntry {
  std::string model;         ///< the README's "Models" column, e.g. "FixResNet-50 CutMix (*)"
  std::string file;          ///< the README's link text, e.g. "FixResNet50CutMix.pth"
  std::string url;           ///< download address; empty when FixRes released no weights
  std::string architecture;  ///< --architecture value
  std::string efficientnet_model;  ///< --EfficientNet-models value (EfficientNet rows only)
  int test_size = 0;         ///< the README's "Resolution" column
  std::string parameters;    ///< the README's "#Parameters" column, e.g. "25.6M"
  double top1 = 0.0;         ///< published ImageNet-val top-1 (%)
  double top5 = 0.0;         ///< published ImageNet-val top-5 (%)
  std::array<float, 3> mean{};  ///< normalisation the weights expect
  std::array<float, 3> std{};
  std::string note;          ///< the README's footnote, if any
};

/// Every row of the README's "Pre-trained networks" table, in its order.
const std::vector<ZooEntry>& zoo_entries();

/// The file name a download of `entry.url` produces (its last path component); empty without URL.
std::string downloaded_file_name(const ZooEntry& entry);

/// The shell command that fetches the weights (`curl -L -O URL`), empty without URL.
std::string download_command(const ZooEntry& entry);

/// The `fixres evaluate` command reproducing the published top-1/top-5 on `imnet_root`/val (for
/// rows without released weights: the `fixres finetune` command that produces them from timm's
/// base weights, as FixRes did).
std::string evaluate_command(const ZooEntry& entry, const std::string& imnet_root);

}  // namespace fixres::engine
