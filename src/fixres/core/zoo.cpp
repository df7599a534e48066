#include "fixres/core/zoo.h"

#include "fixres/core/normalisation.h"

namespace fixres::engine {

namespace {

const char* const kBase = "https://dl.fbaipublicfiles.com/FixRes_data/FixRes_Pretrained_Models/";
const char* const kV2 = "(*) fine-tuned with horizontal flip, shifted centre crop and colour jitter (transforms_v2)";
const char* const kPlus = "(+) FixEfficientNet, see README_FixEfficientNet.md; FixRes released no weights file";

/// A weights file of FixRes's release (dl.fbaipublicfiles.com/FixRes_data/…/`url_file`).
ZooEntry released(const std::string& model, const std::string& architecture, const std::string& url_file) {
  ZooEntry e(model, architecture);
  e.url(kBase + url_file);
  const bool pnasnet = architecture == "PNASNet";
  e.mean(pnasnet ? models::kHalfMeanStd : models::kImagenetMean);
  e.std(pnasnet ? models::kHalfMeanStd : models::kImagenetStd);
  return e;
}

/// FixEfficientNet: no released file, made from timm's `timm_name` weights by FixRes fine-tuning.
ZooEntry fix_efficientnet(const std::string& model, const std::string& timm_name) {
  ZooEntry e(model, "EfficientNet");
  e.efficientnet_model(timm_name).file("README_FixEfficientNet.md").note(kPlus);
  e.mean(models::kImagenetMean).std(models::kImagenetStd);
  return e;
}

}  // namespace

const std::vector<ZooEntry>& zoo_entries() {
  static const std::vector<ZooEntry> entries = {
      released("ResNet-50 Baseline", "ResNet50", "ResNet_no_adaptation.pth")
          .file("FixResNet50_no_adaptation.pth").test_size(224).parameters("25.6M").top1(77.0).top5(93.4),
      released("FixResNet-50", "ResNet50", "ResNetFinetune.pth")
          .file("FixResNet50.pth").test_size(384).parameters("25.6M").top1(79.0).top5(94.6),
      released("FixResNet-50 (*)", "ResNet50", "ResNet50_v2.pth")
          .file("FixResNet50_v2.pth").test_size(384).parameters("25.6M").top1(79.1).top5(94.6).note(kV2),
      released("FixResNet-50 CutMix", "ResNet50", "ResNetCutMix.pth")
          .file("FixResNet50CutMix.pth").test_size(320).parameters("25.6M").top1(79.7).top5(94.9),
      released("FixResNet-50 CutMix (*)", "ResNet50", "ResNet50_CutMix_v2.pth")
          .file("FixResNet50CutMix_v2.pth").test_size(320).parameters("25.6M").top1(79.8).top5(94.9).note(kV2),
      released("FixPNASNet-5", "PNASNet", "PNASNet.pth")
          .file("FixPNASNet.pth").test_size(480).parameters("86.1M").top1(83.7).top5(96.8),
      released("FixResNeXt-101 32x48d", "IGAM_Resnext101_32x48d", "ResNeXt_101_32x48d.pth")
          .file("FixResNeXt101_32x48d.pth").test_size(320).parameters("829M").top1(86.3).top5(97.9),
      released("FixResNeXt-101 32x48d (*)", "IGAM_Resnext101_32x48d", "ResNext101_32x48d_v2.pth")
          .file("FixResNeXt101_32x48d_v2.pth").test_size(320).parameters("829M").top1(86.4).top5(98.0).note(kV2),
      fix_efficientnet("FixEfficientNet-B0 (+)", "tf_efficientnet_b0_ns")
          .test_size(320).parameters("5.3M").top1(80.2).top5(95.4),
      fix_efficientnet("FixEfficientNet-L2 (+)", "tf_efficientnet_l2_ns")
          .test_size(600).parameters("480M").top1(88.5).top5(98.7),
  };
  return entries;
}

std::string downloaded_file_name(const ZooEntry& entry) {
  if (entry.url().empty()) return "";
  return entry.url().substr(entry.url().find_last_of('/') + 1);
}

std::string download_command(const ZooEntry& entry) {
  return entry.url().empty() ? "" : "curl -L -O " + entry.url();
}

std::string evaluate_command(const ZooEntry& entry, const std::string& imnet_root) {
  std::string model = "--architecture " + entry.architecture();
  if (!entry.efficientnet_model().empty()) model += " --EfficientNet-models " + entry.efficientnet_model();
  const std::string size = " --input-size " + std::to_string(entry.test_size());
  if (entry.url().empty()) {
    // FixEfficientNet: fine-tune timm's weights at the test resolution (classifier + head BN).
    return "fixres finetune " + model + size + " --weight-path " + entry.efficientnet_model() +
           ".pth --imnet-path " + imnet_root;
  }
  return "fixres evaluate " + model + size + " --weight-path " + downloaded_file_name(entry) + " --imnet-path " +
         imnet_root;
}

}  // namespace fixres::engine
