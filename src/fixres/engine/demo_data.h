#pragma once
/// The data side of `fixres demo`: seeded subsets of a dataset (the demo trains and evaluates on
/// parts of Fashion-MNIST to fit its time budget) and the export of any dataset as an ImageFolder
/// of PNG files (so that the folder-based commands — sweep, evaluate, finetune — run on it).
/// Torch-free.

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "fixres/data/dataset.h"
#include "fixres/core/reporter.h"

namespace fixres::engine {

/// Some items of another dataset, in ascending index order of the base.
class DatasetSubset : public data::Dataset {
 public:
  /// `indices` must be valid indices of `base`; throws std::invalid_argument otherwise.
  DatasetSubset(std::shared_ptr<const data::Dataset> base, std::vector<std::int64_t> indices);

  std::int64_t size() const override { return static_cast<std::int64_t>(indices_.size()); }
  std::int64_t label(std::int64_t index) const override { return base_->label(at(index)); }
  const std::vector<std::string>& classes() const override { return base_->classes(); }
  std::string item_name(std::int64_t index) const override { return base_->item_name(at(index)); }
  data::Image load(std::int64_t index) const override { return base_->load(at(index)); }
  data::DecodedRegion load_region(std::int64_t index, const data::RegionRequest& want) const override {
    return base_->load_region(at(index), want);
  }
  std::string describe() const override;

  /// Index in the base dataset of item `index`.
  std::int64_t at(std::int64_t index) const;

 private:
  std::shared_ptr<const data::Dataset> base_;
  std::vector<std::int64_t> indices_;
};

/// Every image of another dataset pasted on a larger black canvas (side × side), centred and
/// shifted by a pseudo-random offset in [-jitter, jitter] on each axis that depends only on
/// (seed, index): the objects then fill part of the frame, as ImageNet's do, which is the
/// setting FixRes's apparent-object-size argument is about (a Fashion-MNIST item fills its
/// whole 28×28 frame, so any RandomResizedCrop cuts it). Labels and names are the base's.
class CanvasDataset : public data::Dataset {
 public:
  /// Throws std::invalid_argument unless side >= every item's size + 2·jitter (checked on load).
  CanvasDataset(std::shared_ptr<const data::Dataset> base, int side, int jitter, std::uint64_t seed);

  std::int64_t size() const override { return base_->size(); }
  std::int64_t label(std::int64_t index) const override { return base_->label(index); }
  const std::vector<std::string>& classes() const override { return base_->classes(); }
  std::string item_name(std::int64_t index) const override { return base_->item_name(index); }
  data::Image load(std::int64_t index) const override;
  std::string describe() const override;

  int side() const { return side_; }
  int jitter() const { return jitter_; }

 private:
  std::shared_ptr<const data::Dataset> base_;
  int side_;
  int jitter_;
  std::uint64_t seed_;
};

/// `count` items of `base` drawn without replacement by a Fisher–Yates shuffle seeded with
/// `seed` (std::mt19937_64, so identical on every platform), sorted back into base order.
/// count <= 0 or >= base->size(): `base` itself.
std::shared_ptr<const data::Dataset> random_subset(std::shared_ptr<const data::Dataset> base, std::int64_t count,
                                                   std::uint64_t seed);

/// The folder name of class `index` of `classes` classes in an exported ImageFolder: the index,
/// zero-padded so that ImageFolder's byte-order sort keeps the dataset's class order, '_' and the
/// class name with every character outside [A-Za-z0-9-] replaced by '_' ("0_T-shirt_top").
std::string export_class_folder(std::int64_t index, std::int64_t classes, const std::string& name);

struct ExportSummary {
  std::string dir;
  std::int64_t images = 0;
  std::int64_t classes = 0;
};

/// Writes `dataset` as an ImageFolder: dir/<export_class_folder>/<position in `dataset`, 5+ digits>.png.
/// Creates the folders; overwrites files of the same name; progress under `phase`. Throws
/// io::IoError naming the file that cannot be written.
ExportSummary export_image_folder(const data::Dataset& dataset, const std::string& dir, const Reporter& reporter,
                                  const std::string& phase = "export");

}  // namespace fixres::engine
