#include "fixres/engine/demo_data.h"

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <random>
#include <stdexcept>

#include "fixres/data/codecs.h"
#include "fixres/io/io_error.h"

namespace fixres::engine {
namespace {

/// Writes the whole file (a plain write: thousands of small images, no fsync each).
void write_bytes(const std::string& path, const std::vector<std::uint8_t>& bytes) {
  std::FILE* file = std::fopen(path.c_str(), "wb");
  if (!file) throw io::IoError(path, std::string("cannot create: ") + std::strerror(errno));
  const bool ok = std::fwrite(bytes.data(), 1, bytes.size(), file) == bytes.size();
  const int saved = errno;
  if (std::fclose(file) != 0 || !ok) {
    throw io::IoError(path, std::string("cannot write: ") + std::strerror(ok ? errno : saved));
  }
}

}  // namespace

DatasetSubset::DatasetSubset(std::shared_ptr<const data::Dataset> base, std::vector<std::int64_t> indices)
    : base_(std::move(base)), indices_(std::move(indices)) {
  if (!base_) throw std::invalid_argument("DatasetSubset: no base dataset");
  for (std::int64_t i : indices_) {
    if (i < 0 || i >= base_->size()) {
      throw std::invalid_argument("DatasetSubset: index " + std::to_string(i) + " outside " + base_->describe());
    }
  }
}

std::int64_t DatasetSubset::at(std::int64_t index) const {
  if (index < 0 || index >= size()) {
    throw std::out_of_range("DatasetSubset: item " + std::to_string(index) + " of " + std::to_string(size()));
  }
  return indices_[static_cast<std::size_t>(index)];
}

std::string DatasetSubset::describe() const {
  return std::to_string(size()) + " images of " + base_->describe();
}

CanvasDataset::CanvasDataset(std::shared_ptr<const data::Dataset> base, int side, int jitter, std::uint64_t seed)
    : base_(std::move(base)), side_(side), jitter_(jitter), seed_(seed) {
  if (!base_) throw std::invalid_argument("CanvasDataset: no base dataset");
  if (side_ <= 0 || jitter_ < 0) {
    throw std::invalid_argument("CanvasDataset: expected side > 0 and jitter >= 0, got side " + std::to_string(side_) +
                                ", jitter " + std::to_string(jitter_));
  }
}

data::Image CanvasDataset::load(std::int64_t index) const {
  const data::Image item = base_->load(index);
  if (item.height + 2 * jitter_ > side_ || item.width + 2 * jitter_ > side_) {
    throw std::invalid_argument("CanvasDataset: " + base_->item_name(index) + " (" + std::to_string(item.height) + "x" +
                                std::to_string(item.width) + ") with jitter " + std::to_string(jitter_) +
                                " does not fit a " + std::to_string(side_) + "x" + std::to_string(side_) + " canvas");
  }
  // splitmix64 of (seed, index): the same offsets whatever thread or order loads the item.
  std::uint64_t z = seed_ * 0x9e3779b97f4a7c15ULL + static_cast<std::uint64_t>(index) + 1;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  z ^= z >> 31;
  const auto span = static_cast<std::uint64_t>(2 * jitter_ + 1);
  const int dy = static_cast<int>(z % span) - jitter_;
  const int dx = static_cast<int>((z / span) % span) - jitter_;
  const int top = (side_ - item.height) / 2 + dy;
  const int left = (side_ - item.width) / 2 + dx;
  data::Image out(side_, side_);
  for (int y = 0; y < item.height; ++y) {
    std::memcpy(out.row(top + y) + static_cast<std::size_t>(left) * 3, item.row(y), item.row_bytes());
  }
  return out;
}

std::string CanvasDataset::describe() const {
  return base_->describe() + " on a " + std::to_string(side_) + "x" + std::to_string(side_) + " canvas (jitter " +
         std::to_string(jitter_) + ")";
}

std::shared_ptr<const data::Dataset> random_subset(std::shared_ptr<const data::Dataset> base, std::int64_t count,
                                                   std::uint64_t seed) {
  const std::int64_t n = base->size();
  if (count <= 0 || count >= n) return base;
  std::vector<std::int64_t> order(static_cast<std::size_t>(n));
  for (std::int64_t i = 0; i < n; ++i) order[static_cast<std::size_t>(i)] = i;
  // Fisher–Yates with an explicit modulo draw: std::shuffle's algorithm differs between libraries.
  std::mt19937_64 rng(seed);
  for (std::int64_t i = n - 1; i > 0; --i) {
    const auto j = static_cast<std::int64_t>(rng() % static_cast<std::uint64_t>(i + 1));
    std::swap(order[static_cast<std::size_t>(i)], order[static_cast<std::size_t>(j)]);
  }
  order.resize(static_cast<std::size_t>(count));
  std::sort(order.begin(), order.end());
  return std::make_shared<DatasetSubset>(std::move(base), std::move(order));
}

std::string export_class_folder(std::int64_t index, std::int64_t classes, const std::string& name) {
  const int digits = static_cast<int>(std::to_string(std::max<std::int64_t>(classes - 1, 0)).size());
  char prefix[32];
  std::snprintf(prefix, sizeof prefix, "%0*lld_", digits, static_cast<long long>(index));
  std::string folder = prefix;
  for (char c : name) {
    const bool keep = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
    folder += keep ? c : '_';
  }
  return folder;
}

ExportSummary export_image_folder(const data::Dataset& dataset, const std::string& dir, const Reporter& reporter,
                                  const std::string& phase) {
  namespace fs = std::filesystem;
  ExportSummary summary;
  summary.dir = dir;
  summary.classes = dataset.num_classes();
  std::vector<std::string> folders;
  for (std::int64_t c = 0; c < summary.classes; ++c) {
    const fs::path folder = fs::path(dir) / export_class_folder(c, summary.classes, dataset.classes()[c]);
    std::error_code error;
    fs::create_directories(folder, error);
    if (error) throw io::IoError(folder.string(), "cannot create the folder: " + error.message());
    folders.push_back(folder.string());
  }
  const std::int64_t n = dataset.size();
  const int digits = std::max<int>(5, static_cast<int>(std::to_string(n).size()));
  const auto start = std::chrono::steady_clock::now();
  for (std::int64_t i = 0; i < n; ++i) {
    const std::int64_t label = dataset.label(i);
    std::string number = std::to_string(i);
    if (static_cast<int>(number.size()) < digits) number.insert(0, static_cast<std::size_t>(digits) - number.size(), '0');
    const std::string path = folders.at(static_cast<std::size_t>(label)) + "/" + number + ".png";
    try {
      write_bytes(path, data::codecs::encode_png(dataset.load(i)));
    } catch (const io::IoError&) {
      throw;
    } catch (const std::exception& e) {
      throw io::IoError(path, std::string("cannot encode ") + dataset.item_name(i) + ": " + e.what());
    }
    ++summary.images;
    if ((i + 1) % 1000 == 0 || i + 1 == n) {
      const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      reporter.progress({phase, i + 1, n, seconds > 0 ? static_cast<double>(i + 1) / seconds : 0.0, dir});
    }
  }
  return summary;
}

}  // namespace fixres::engine
