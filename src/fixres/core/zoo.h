#pragma once
/// The released FixRes models (the weights table of FixRes's README) as data, torch-free, so that
/// `fixres zoo` answers without loading LibTorch. Each row says how to fetch the weights and the
/// exact `fixres evaluate` command that should reproduce the published accuracy.

#include <array>
#include <string>
#include <utility>
#include <vector>

#include "fixres/core/arg.h"

namespace fixres::engine {

/// One released weights file. Rows are written with named setters:
/// ZooEntry("FixResNet-50", "ResNet50").file("FixResNet50.pth").test_size(384).top1(79.0)…
struct ZooEntry {
  ZooEntry(std::string model, std::string architecture)
      : model_(std::move(model)), architecture_(std::move(architecture)) {}
  FIXRES_ARG(std::string, model);         ///< the README's "Models" column, e.g. "FixResNet-50 CutMix (*)"
  FIXRES_ARG(std::string, architecture);  ///< --architecture value
  FIXRES_ARG(std::string, file);          ///< the README's link text, e.g. "FixResNet50CutMix.pth"
  FIXRES_ARG(std::string, url);           ///< download address; empty when FixRes released no weights
  FIXRES_ARG(std::string, efficientnet_model);  ///< --EfficientNet-models value (EfficientNet rows only)
  FIXRES_ARG(int, test_size) = 0;         ///< the README's "Resolution" column
  FIXRES_ARG(std::string, parameters);    ///< the README's "#Parameters" column, e.g. "25.6M"
  FIXRES_ARG(double, top1) = 0.0;         ///< published ImageNet-val top-1 (%)
  FIXRES_ARG(double, top5) = 0.0;         ///< published ImageNet-val top-5 (%)
  using Triplet = std::array<float, 3>;
  FIXRES_ARG(Triplet, mean){};            ///< normalisation the weights expect
  FIXRES_ARG(Triplet, std){};
  FIXRES_ARG(std::string, note);          ///< the README's footnote, if any
  /// Where the row comes from: "FixRes" (the README's table) or "timm" (weights of the ViT,
  /// DeiT and ConvNeXt rows people use, with timm's published accuracy).
  FIXRES_ARG(std::string, origin) = "FixRes";
  /// The file name to save the download as (when the address's last component is generic,
  /// e.g. Hugging Face's model.safetensors); empty: the address's own.
  FIXRES_ARG(std::string, save_as);
  /// The test transform the published accuracy used, when it is not the architecture's
  /// default (timm measured ConvNeXt at 288 with crop_pct 1.0); 0: the default.
  FIXRES_ARG(double, crop_pct) = 0.0;
};

/// Every row of the README's "Pre-trained networks" table, in its order.
const std::vector<ZooEntry>& zoo_entries();

/// The timm weights of the ViT, DeiT and ConvNeXt rows (`fixres zoo --all`): Hugging Face
/// safetensors files, timm v0.9.2's results-imagenet.csv accuracy at its image size and crop.
const std::vector<ZooEntry>& timm_zoo_entries();

/// The file name a download of `entry.url` produces (its last path component); empty without URL.
std::string downloaded_file_name(const ZooEntry& entry);

/// The shell command that fetches the weights (`curl -L -O URL`), empty without URL.
std::string download_command(const ZooEntry& entry);

/// The `fixres evaluate` command reproducing the published top-1/top-5 on `imnet_root`/val (for
/// rows without released weights: the `fixres finetune` command that produces them from timm's
/// base weights, as FixRes did).
std::string evaluate_command(const ZooEntry& entry, const std::string& imnet_root);

}  // namespace fixres::engine
