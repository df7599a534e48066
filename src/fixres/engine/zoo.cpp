#include "fixres/engine/zoo.h"

#include "fixres/models/normalisation.h"

namespace fixres::engine {

namespace {

const char* const kBase = "https://dl.fbaipublicfiles.com/FixRes_data/FixRes_Pretrained_Models/";
const char* const kV2 = "(*) fine-tuned with horizontal flip, shifted centre crop and colour jitter (transforms_v2)";
const char* const kPlus = "(+) FixEfficientNet, see README_FixEfficientNet.md; FixRes released no weights file";

ZooEntry row(const std::string& model, const std::string& file, const std::string& url_file,
             const std::string& architecture, int test_size, const std::string& parameters, double top1,
             double top5, const std::string& note = "") {
  ZooEntry e;
  e.model = model;
  e.file = file;
  e.url = url_file.empty() ? "" : kBase + url_file;
  e.architecture = architecture;
  e.test_size = test_size;
  e.parameters = parameters;
  e.top1 = top1;
  e.top5 = top5;
  const bool pnasnet = architecture == "PNASNet";
  e.mean = pnasnet ? models::kHalfMeanStd : models::kImagenetMean;
  e.std = pnasnet ? models::kHalfMeanStd : models::kImagenetStd;
  e.note = note;
  return e;
}

ZooEntry efficientnet_row(const std::string& model, const std::string& timm_name, int test_size,
                          const std::string& parameters, double top1, double top5) {
  ZooEntry e = row(model, "README_FixEfficientNet.md", "", "EfficientNet", test_size, parameters, top1, top5, kPlus);
  e.efficientnet_model = timm_name;
  return e;
}

}  // namespace

const std::vector<ZooEntry>& zoo_entries() {
  static const std::vector<ZooEntry> entries = {
      row("ResNet-50 Baseline", "FixResNet50_no_adaptation.pth", "ResNet_no_adaptation.pth", "ResNet50", 224, "25.6M",
          77.0, 93.4),
      row("FixResNet-50", "FixResNet50.pth", "ResNetFinetune.pth", "ResNet50", 384, "25.6M", 79.0, 94.6),
      row("FixResNet-50 (*)", "FixResNet50_v2.pth", "ResNet50_v2.pth", "ResNet50", 384, "25.6M", 79.1, 94.6, kV2),
      row("FixResNet-50 CutMix", "FixResNet50CutMix.pth", "ResNetCutMix.pth", "ResNet50", 320, "25.6M", 79.7, 94.9),
      row("FixResNet-50 CutMix (*)", "FixResNet50CutMix_v2.pth", "ResNet50_CutMix_v2.pth", "ResNet50", 320, "25.6M",
          79.8, 94.9, kV2),
      row("FixPNASNet-5", "FixPNASNet.pth", "PNASNet.pth", "PNASNet", 480, "86.1M", 83.7, 96.8),
      row("FixResNeXt-101 32x48d", "FixResNeXt101_32x48d.pth", "ResNeXt_101_32x48d.pth", "IGAM_Resnext101_32x48d",
          320, "829M", 86.3, 97.9),
      row("FixResNeXt-101 32x48d (*)", "FixResNeXt101_32x48d_v2.pth", "ResNext101_32x48d_v2.pth",
          "IGAM_Resnext101_32x48d", 320, "829M", 86.4, 98.0, kV2),
      efficientnet_row("FixEfficientNet-B0 (+)", "tf_efficientnet_b0_ns", 320, "5.3M", 80.2, 95.4),
      efficientnet_row("FixEfficientNet-L2 (+)", "tf_efficientnet_l2_ns", 600, "480M", 88.5, 98.7),
  };
  return entries;
}

std::string downloaded_file_name(const ZooEntry& entry) {
  if (entry.url.empty()) return "";
  return entry.url.substr(entry.url.find_last_of('/') + 1);
}

std::string download_command(const ZooEntry& entry) {
  return entry.url.empty() ? "" : "curl -L -O " + entry.url;
}

std::string evaluate_command(const ZooEntry& entry, const std::string& imnet_root) {
  std::string model = "--architecture " + entry.architecture;
  if (!entry.efficientnet_model.empty()) model += " --EfficientNet-models " + entry.efficientnet_model;
  const std::string size = " --input-size " + std::to_string(entry.test_size);
  if (entry.url.empty()) {
    // FixEfficientNet: fine-tune timm's weights at the test resolution (classifier + head BN).
    return "fixres finetune " + model + size + " --weight-path " + entry.efficientnet_model +
           ".pth --imnet-path " + imnet_root;
  }
  return "fixres evaluate " + model + size + " --weight-path " + downloaded_file_name(entry) + " --imnet-path " +
         imnet_root;
}

}  // namespace fixres::engine
