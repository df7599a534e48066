#include "fixres/core/zoo.h"

#include "fixres/core/architecture_table.h"
#include "fixres/core/format.h"

namespace fixres::engine {

namespace {

const char* const kBase = "https://dl.fbaipublicfiles.com/FixRes_data/FixRes_Pretrained_Models/";
const char* const kV2 = "(*) fine-tuned with horizontal flip, shifted centre crop and colour jitter (transforms_v2)";
const char* const kPlus = "(+) FixEfficientNet, see README_FixEfficientNet.md; FixRes released no weights file";

/// The normalisation the architecture table gives the entry's row.
ZooEntry with_normalisation(ZooEntry e) {
  const models::ArchitectureRow& row = models::find_architecture_row(e.architecture(), e.efficientnet_model());
  return e.mean(row.mean).std(row.std);
}

/// A weights file of FixRes's release (dl.fbaipublicfiles.com/FixRes_data/…/`url_file`).
ZooEntry released(const std::string& model, const std::string& architecture, const std::string& url_file) {
  ZooEntry e(model, architecture);
  e.url(kBase + url_file);
  return with_normalisation(e);
}

/// FixEfficientNet: no released file, made from timm's `timm_name` weights by FixRes fine-tuning.
ZooEntry fix_efficientnet(const std::string& model, const std::string& timm_name) {
  ZooEntry e(model, "EfficientNet");
  e.efficientnet_model(timm_name).file("README_FixEfficientNet.md").note(kPlus);
  return with_normalisation(e);
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

const std::vector<ZooEntry>& timm_zoo_entries() {
  // timm's hub files: https://huggingface.co/timm/<name>.<tag>/resolve/main/model.safetensors;
  // top-1/top-5 from timm v0.9.2 results/results-imagenet.csv (img_size, crop_pct as listed).
  auto row = [](const std::string& architecture, const std::string& tag, const std::string& params) {
    const std::string name = architecture + "." + tag;
    ZooEntry e(name, architecture);
    e.origin("timm").url("https://huggingface.co/timm/" + name + "/resolve/main/model.safetensors");
    e.save_as(name + ".safetensors").file(name + ".safetensors").parameters(params);
    return with_normalisation(e);
  };
  static const std::vector<ZooEntry> entries = {
      row("vit_tiny_patch16_224", "augreg_in21k_ft_in1k", "5.7M").test_size(224).top1(75.454).top5(92.848),
      row("vit_small_patch16_224", "augreg_in21k_ft_in1k", "22.1M").test_size(224).top1(81.402).top5(96.134),
      row("vit_base_patch16_224", "augreg2_in21k_ft_in1k", "86.6M").test_size(224).top1(85.106).top5(97.534),
      row("vit_base_patch16_384", "augreg_in21k_ft_in1k", "86.9M").test_size(384).top1(86.006).top5(98.000),
      row("vit_large_patch16_224", "augreg_in21k_ft_in1k", "304.3M").test_size(224).top1(85.842).top5(97.824),
      row("deit_tiny_patch16_224", "fb_in1k", "5.7M").test_size(224).top1(72.168).top5(91.118),
      row("deit_small_patch16_224", "fb_in1k", "22.1M").test_size(224).top1(79.856).top5(95.052),
      row("deit_base_patch16_224", "fb_in1k", "86.6M").test_size(224).top1(81.998).top5(95.734),
      row("deit_base_patch16_384", "fb_in1k", "86.9M").test_size(384).top1(83.106).top5(96.372),
      row("convnext_tiny", "fb_in1k", "28.6M").test_size(288).crop_pct(1.0).top1(82.700).top5(96.136),
      row("convnext_small", "fb_in1k", "50.2M").test_size(288).crop_pct(1.0).top1(83.706).top5(96.810),
      row("convnext_base", "fb_in1k", "88.6M").test_size(288).crop_pct(1.0).top1(84.434).top5(96.972),
      row("convnext_large", "fb_in1k", "197.8M").test_size(288).crop_pct(1.0).top1(84.846).top5(97.212),
  };
  return entries;
}

std::string downloaded_file_name(const ZooEntry& entry) {
  if (entry.url().empty()) return "";
  if (!entry.save_as().empty()) return entry.save_as();
  return entry.url().substr(entry.url().find_last_of('/') + 1);
}

std::string download_command(const ZooEntry& entry) {
  if (entry.url().empty()) return "";
  if (!entry.save_as().empty()) return "curl -L -o " + entry.save_as() + " " + entry.url();
  return "curl -L -O " + entry.url();
}

std::string evaluate_command(const ZooEntry& entry, const std::string& imnet_root) {
  std::string model = "--architecture " + entry.architecture();
  if (!entry.efficientnet_model().empty()) model += " --EfficientNet-models " + entry.efficientnet_model();
  std::string size = " --input-size " + std::to_string(entry.test_size());
  if (entry.crop_pct() > 0.0) size += " --crop-pct " + format_fixed(entry.crop_pct(), 3);
  if (entry.url().empty()) {
    // FixEfficientNet: fine-tune timm's weights at the test resolution (classifier + head BN).
    return "fixres finetune " + model + size + " --weight-path " + entry.efficientnet_model() +
           ".pth --imnet-path " + imnet_root;
  }
  return "fixres evaluate " + model + size + " --weight-path " + downloaded_file_name(entry) + " --imnet-path " +
         imnet_root;
}

}  // namespace fixres::engine
