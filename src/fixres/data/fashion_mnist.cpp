#include "fixres/data/fashion_mnist.h"

#include <zlib.h>

#include <algorithm>
#include <memory>
#include <stdexcept>
#include <sys/stat.h>

#include "fixres/data/byte_order.h"

namespace fixres::data {
namespace {

/// Up to `size` decompressed bytes of `f` into `out`; returns how many were read.
std::size_t gz_read(gzFile f, std::uint8_t* out, std::size_t size, const std::string& path) {
  std::size_t filled = 0;
  while (filled < size) {
    const unsigned chunk = static_cast<unsigned>(std::min<std::size_t>(size - filled, 1u << 20));
    const int got = gzread(f, out + filled, chunk);
    if (got < 0) {
      int err = 0;
      const std::string msg = gzerror(f, &err);
      throw std::runtime_error(path + ": corrupt gzip data: " + msg);
    }
    if (got == 0) break;
    filled += static_cast<std::size_t>(got);
  }
  return filled;
}

struct GzCloser {
  void operator()(gzFile_s* f) const { gzclose(f); }
};

/// An IDX file (gzipped): its `header` bytes (magic, item count, dims) then the count x
/// `item_bytes` bytes the header announces, read no further. A count the compressed file cannot
/// hold (deflate expands at most ~1032:1) is refused before anything is allocated for it.
std::vector<std::uint8_t> read_idx_gz(const std::string& path, std::size_t header, std::size_t item_bytes,
                                      std::uint32_t magic, const char* kind) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    throw std::runtime_error(path + ": Fashion-MNIST file not found (install it with "
                                    "`apt-get install dataset-fashion-mnist`)");
  }
  std::unique_ptr<gzFile_s, GzCloser> f(gzopen(path.c_str(), "rb"));
  if (!f) throw std::runtime_error(path + ": cannot open");
  std::vector<std::uint8_t> out(header);
  if (gz_read(f.get(), out.data(), header, path) < header || be32(out.data()) != magic) {
    throw std::runtime_error(path + ": not an IDX " + kind + " file (expected magic " + std::to_string(magic) + ")");
  }
  const std::uint64_t count = be32(out.data() + 4);
  const double most = 1032.0 * static_cast<double>(st.st_size) + 65536.0;
  if (static_cast<double>(count) * static_cast<double>(item_bytes) > most) {
    throw std::runtime_error(path + ": file is truncated (its header announces " + std::to_string(count) + " " + kind +
                             "s, more than " + std::to_string(st.st_size) + " compressed bytes can hold)");
  }
  out.resize(header + count * item_bytes);
  if (gz_read(f.get(), out.data() + header, count * item_bytes, path) < count * item_bytes) {
    throw std::runtime_error(path + ": file is truncated (expected " + std::to_string(count) + " " + kind + "s)");
  }
  return out;
}

}  // namespace

FashionMnist::FashionMnist(bool train, std::string root)
    : root_(std::move(root)),
      train_(train),
      classes_{"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"} {
  const std::string prefix = root_ + "/" + (train ? "train" : "t10k");
  const std::string images_path = prefix + "-images-idx3-ubyte.gz";
  const std::string labels_path = prefix + "-labels-idx1-ubyte.gz";
  const std::vector<std::uint8_t> images = read_idx_gz(images_path, 16, kSide * kSide, 2051, "image");
  if (be32(images.data() + 8) != kSide || be32(images.data() + 12) != kSide) {
    throw std::runtime_error(images_path + ": expected 28x28 images, got " + std::to_string(be32(images.data() + 8)) +
                             "x" + std::to_string(be32(images.data() + 12)));
  }
  const std::vector<std::uint8_t> labels = read_idx_gz(labels_path, 8, 1, 2049, "label");
  const std::uint32_t n = be32(images.data() + 4);
  if (be32(labels.data() + 4) != n) {
    throw std::runtime_error(labels_path + ": " + std::to_string(be32(labels.data() + 4)) + " labels for " +
                             std::to_string(n) + " images");
  }
  const std::size_t need = std::size_t{n} * kSide * kSide;
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
