#pragma once
/// Fashion-MNIST as a Dataset, read from the IDX gzip files of Debian's dataset-fashion-mnist
/// (/usr/share/datasets/fashion-mnist): train-images-idx3-ubyte.gz, train-labels-idx1-ubyte.gz,
/// t10k-images-idx3-ubyte.gz, t10k-labels-idx1-ubyte.gz. Items are 28x28 greyscale images
/// replicated to RGB (PIL's convert('RGB') of an "L" image); class names as torchvision's
/// FashionMNIST.classes. Torch-free.

#include <cstdint>
#include <string>
#include <vector>

#include "fixres/data/dataset.h"

namespace fixres::data {

class FashionMnist : public Dataset {
 public:
  static constexpr const char* kDefaultRoot = "/usr/share/datasets/fashion-mnist";

  /// Loads the `train` (60000 images) or test (10000) split. Throws std::runtime_error naming
  /// the file when it is missing (with the apt-get command that installs it) or malformed.
  explicit FashionMnist(bool train, std::string root = kDefaultRoot);

  std::int64_t size() const override { return static_cast<std::int64_t>(labels_.size()); }
  std::int64_t label(std::int64_t index) const override;
  const std::vector<std::string>& classes() const override { return classes_; }
  std::string item_name(std::int64_t index) const override;
  Image load(std::int64_t index) const override;
  std::string describe() const override;

  static constexpr int kSide = 28;

 private:
  std::string root_;
  bool train_;
  std::vector<std::string> classes_;
  std::vector<std::uint8_t> pixels_;  // size() * 28 * 28
  std::vector<std::uint8_t> labels_;
};

}  // namespace fixres::data
