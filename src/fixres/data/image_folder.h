#pragma once
/// torchvision.datasets.ImageFolder's semantics in C++: classes are the sub-folders of the root
/// (sorted by name, byte order), items are the files below each class folder, recursively, whose
/// lower-cased name ends with one of .jpg .jpeg .png .ppm .bmp .pgm .tif .tiff .webp, ordered as
/// torchvision orders them (folders sorted by path, files sorted by name within each). The scan
/// reads directory entries only (their type comes from readdir; stat only for symlinks and
/// file systems that do not report types), so ImageNet's 1.28M files list in seconds.
/// Torch-free.

#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include "fixres/core/label_options.h"
#include "fixres/data/dataset.h"

namespace fixres::data {

/// Thrown for an unusable root: missing, no class folders, a class folder without images.
class DatasetError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class ImageFolder : public Dataset {
 public:
  /// Scans `root`. Throws DatasetError naming the folder when it is missing, has no class
  /// folders, or a class folder has no image (listing those classes, as torchvision does); the
  /// labels follow `labels` (data/class_mapping.h; by default numeric folders by value, else
  /// torchvision's sorted names). Items are in torchvision's order whatever the labels.
  explicit ImageFolder(std::string root, const LabelOptions& labels = {});

  std::int64_t size() const override { return static_cast<std::int64_t>(labels_.size()); }
  std::int64_t label(std::int64_t index) const override;
  const std::vector<std::string>& classes() const override { return classes_; }
  std::string item_name(std::int64_t index) const override { return path(index); }
  Image load(std::int64_t index) const override;
  DecodedRegion load_region(std::int64_t index, const RegionRequest& want) const override;
  std::string describe() const override;
  const std::vector<std::int64_t>& class_subset() const override { return subset_; }
  std::string label_convention() const override { return convention_; }

  const std::string& root() const { return root_; }
  /// Full path of item `index` (root + "/" + relative path).
  std::string path(std::int64_t index) const;
  /// Path of item `index` relative to the root ("class/file.jpg").
  std::string relative_path(std::int64_t index) const;

  /// Whether torchvision's IMG_EXTENSIONS accept `filename` (case-insensitive suffix test).
  static bool has_image_extension(const std::string& filename);

 private:
  void check_index(std::int64_t index) const;

  std::string root_;
  std::vector<std::string> classes_;
  std::string names_;                   // relative paths, concatenated
  std::vector<std::uint64_t> offsets_;  // size() + 1 offsets into names_
  std::vector<std::int32_t> labels_;
  std::vector<std::int64_t> subset_;
  std::string convention_;
};

/// The names of `path`'s sub-folders in byte order (torchvision's class list). Throws DatasetError
/// when the folder cannot be read.
std::vector<std::string> list_class_folders(const std::string& path);

}  // namespace fixres::data
