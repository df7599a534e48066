#include "fixres/data/fashion_mnist.h"

#include <zlib.h>

#include <stdexcept>
#include <sys/stat.h>

namespace fixres::data {
namespace {

std::vector<std::uint8_t> gunzip_file(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    throw std::runtime_error(path + ": Fashion-MNIST file not found (install it with "
                                    "`apt-get install dataset-fashion-mnist`)");
  }
  gzFile f = gzopen(path.c_str(), "rb");
  if (!f) throw std::runtime_error(path + ": cannot open");
  std::vector<std::uint8_t> out;
  std::uint8_t buf[1 << 16];
  for (;;) {
    const int got = gzread(f, buf, sizeof(buf));
    if (got < 0) {
      int err = 0;
      const std::string msg = gzerror(f, &err);
      gzclose(f);
      throw std::runtime_error(path + ": corrupt gzip data: " + msg);
    }
    if (got == 0) break;
    out.insert(out.end(), buf, buf + got);
  }
  gzclose(f);
  return out;
}

std::uint32_t be32(const std::vector<std::uint8_t>& d, std::size_t at) {
  return (std::uint32_t{d[at]} << 24) | (std::uint32_t{d[at + 1]} << 16) | (std::uint32_t{d[at + 2]} << 8) | d[at + 3];
}

}  // namespace

FashionMnist::FashionMnist(bool train, std::string root)
    : root_(std::move(root)),
      train_(train),
      classes_{"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"} {
  const std::string prefix = root_ + "/" + (train ? "train" : "t10k");
  const std::string images_path = prefix + "-images-idx3-ubyte.gz";
  const std::string labels_path = prefix + "-labels-idx1-ubyte.gz";
  std::vector<std::uint8_t> images = gunzip_file(images_path);
  std::vector<std::uint8_t> labels = gunzip_file(labels_path);
  if (images.size() < 16 || be32(images, 0) != 2051) {
    throw std::runtime_error(images_path + ": not an IDX image file (expected magic 2051)");
  }
  if (labels.size() < 8 || be32(labels, 0) != 2049) {
    throw std::runtime_error(labels_path + ": not an IDX label file (expected magic 2049)");
  }
  const std::uint32_t n = be32(images, 4);
  if (be32(images, 8) != kSide || be32(images, 12) != kSide) {
    throw std::runtime_error(images_path + ": expected 28x28 images, got " + std::to_string(be32(images, 8)) + "x" +
                             std::to_string(be32(images, 12)));
  }
  if (be32(labels, 4) != n) {
    throw std::runtime_error(labels_path + ": " + std::to_string(be32(labels, 4)) + " labels for " + std::to_string(n) +
                             " images");
  }
  const std::size_t need = std::size_t{n} * kSide * kSide;
  if (images.size() - 16 < need || labels.size() - 8 < n) {
    throw std::runtime_error(prefix + "-*.gz: file is truncated (expected " + std::to_string(n) + " items)");
  }
  pixels_.assign(images.begin() + 16, images.begin() + 16 + static_cast<std::ptrdiff_t>(need));
  labels_.assign(labels.begin() + 8, labels.begin() + 8 + n);
  for (auto l : labels_) {
    if (l >= classes_.size()) throw std::runtime_error(labels_path + ": label " + std::to_string(l) + " out of range [0, 10)");
  }
}

std::int64_t FashionMnist::label(std::int64_t index) const {
  if (index < 0 || index >= size()) throw std::out_of_range("FashionMnist: index " + std::to_string(index) + " out of range");
  return labels_[static_cast<std::size_t>(index)];
}

std::string FashionMnist::item_name(std::int64_t index) const {
  return root_ + "/" + (train_ ? "train" : "t10k") + "[" + std::to_string(index) + "]";
}

Image FashionMnist::load(std::int64_t index) const {
  label(index);  // bounds check
  Image out(kSide, kSide);
  const std::uint8_t* src = pixels_.data() + static_cast<std::size_t>(index) * kSide * kSide;
  for (int i = 0; i < kSide * kSide; ++i) out.pixels[3 * i] = out.pixels[3 * i + 1] = out.pixels[3 * i + 2] = src[i];
  return out;
}

std::string FashionMnist::describe() const {
  return std::string("Fashion-MNIST ") + (train_ ? "train" : "test") + " (" + std::to_string(size()) + " images, 10 classes)";
}

}  // namespace fixres::data
