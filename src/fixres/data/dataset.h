#pragma once
/// A labelled image collection the loader reads from. Implementations: ImageFolder
/// (image_folder.h), FashionMnist (fashion_mnist.h). Torch-free.

#include <cstdint>
#include <string>
#include <vector>

#include "fixres/data/decode.h"
#include "fixres/data/image.h"

namespace fixres::data {

class Dataset {
 public:
  virtual ~Dataset() = default;

  /// Number of items.
  virtual std::int64_t size() const = 0;
  /// Class index of item `index`, in [0, num_classes()).
  virtual std::int64_t label(std::int64_t index) const = 0;
  /// Class names, in class-index order.
  virtual const std::vector<std::string>& classes() const = 0;
  std::int64_t num_classes() const { return static_cast<std::int64_t>(classes().size()); }
  /// What error messages call item `index` (its path for files).
  virtual std::string item_name(std::int64_t index) const = 0;
  /// Item `index` decoded to RGB HWC uint8, as PIL's convert('RGB'). Thread-safe.
  /// Throws ImageError when the item cannot be decoded.
  virtual Image load(std::int64_t index) const = 0;
  /// At least the box `want` asks for (given the image size) of item `index`, with the same
  /// pixels as load() there; files decode only what the box needs when the format allows it.
  /// The default decodes the whole item. Thread-safe; throws ImageError.
  virtual DecodedRegion load_region(std::int64_t index, const RegionRequest& want) const {
    DecodedRegion region;
    region.image = load(index);
    region.full_height = region.image.height;
    region.full_width = region.image.width;
    want(region.full_height, region.full_width);
    return region;
  }
  /// The labels a subset dataset holds (ImageNet-A/-R's 200 of ImageNet-1k's classes, through
  /// --class-map): top-1/top-5 rank only these columns. Empty: every class competes.
  virtual const std::vector<std::int64_t>& class_subset() const {
    static const std::vector<std::int64_t> none;
    return none;
  }
  /// How labels were assigned ("class folders sorted by name", …), for messages and JSON.
  virtual std::string label_convention() const { return "class index order"; }
  /// A short description for messages ("ImageFolder /data/val (50000 images, 1000 classes)").
  virtual std::string describe() const = 0;
};

}  // namespace fixres::data
