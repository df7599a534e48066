#include "fixres/engine/trunk_cache.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>

#include "fixres/core/format.h"
#include "fixres/data/sampler.h"
#include "fixres/engine/model_setup.h"
#include "fixres/engine/training_loop.h"
#include "fixres/io/atomic_file.h"
#include "fixres/models/finetune_policy.h"

namespace fixres::engine {
namespace {

bool in_suffix(const std::string& name, const std::vector<std::string>& suffix) {
  return std::any_of(suffix.begin(), suffix.end(), [&](const std::string& p) { return models::is_under(name, p); });
}

/// Every parameter outside the suffix frozen, every leaf module outside it in eval mode.
bool prefix_is_frozen(models::Classifier& model, const models::FeatureCut& cut) {
  for (const auto& p : model.named_parameters(/*recurse=*/true)) {
    if (p.value().requires_grad() && !in_suffix(p.key(), cut.suffix_modules)) return false;
  }
  for (const auto& m : model.named_modules("", /*include_self=*/false)) {
    if (m.value()->children().empty() && m.value()->is_training() && !in_suffix(m.key(), cut.suffix_modules)) {
      return false;
    }
  }
  return true;
}

std::string thousands(std::int64_t n) {
  std::string digits = std::to_string(n), out;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

std::string default_dir() {
  const char* tmp = std::getenv("TMPDIR");
  return tmp != nullptr && *tmp != '\0' ? tmp : "/tmp";
}

}  // namespace

std::optional<models::FeatureCut> frozen_cut(models::Classifier& model) {
  std::optional<models::FeatureCut> best;
  for (auto& cut : model.feature_cuts()) {
    if (!prefix_is_frozen(model, cut)) break;  // every later cut has this one's prefix too
    best = cut;
  }
  return best;
}

std::int64_t default_cache_memory() {
  std::ifstream meminfo("/proc/meminfo");
  std::string key;
  std::int64_t kib = 0;
  std::string unit;
  while (meminfo >> key >> kib >> unit) {
    if (key == "MemAvailable:") return kib * 1024 / 2;
  }
  return std::int64_t{1} << 30;
}

FeatureStore::FeatureStore(std::int64_t images, std::int64_t full_batch, std::shared_ptr<CacheBudget> budget)
    : images_(images),
      full_batch_(full_batch),
      budget_(std::move(budget)),
      slot_(static_cast<std::size_t>(images), -1),
      batch_size_(static_cast<std::size_t>(images), 0) {}

FeatureStore::~FeatureStore() {
  if (mapped_ != nullptr) munmap(mapped_, mapped_bytes_);
}

void FeatureStore::allocate(const std::vector<torch::Tensor>& state) {
  TORCH_CHECK(storable(state), "trunk cache: a state tensor is not one dense block per image");
  for (const auto& t : state) {
    Part part;
    part.sizes.assign(t.sizes().begin() + 1, t.sizes().end());
    part.strides.assign(t.strides().begin() + 1, t.strides().end());
    part.dtype = t.scalar_type();
    part.bytes = t.stride(0) * static_cast<std::int64_t>(t.element_size());
    row_bytes_ += part.bytes;
    parts_.push_back(part);
  }
  memory_rows_ = std::min(images_, budget_->memory_left / row_bytes_);
  budget_->memory_left -= memory_rows_ * row_bytes_;
  if (memory_rows_ > 0) memory_.reset(new char[static_cast<std::size_t>(memory_rows_ * row_bytes_)]);
  const std::int64_t rest = images_ - memory_rows_;
  if (rest == 0) return;

  // The rest in a file, reserved now (at most 80% of the folder's free space).
  file_dir_ = budget_->dir.empty() ? default_dir() : budget_->dir;
  struct statvfs fs {};
  std::int64_t room = 0;
  if (statvfs(file_dir_.c_str(), &fs) == 0) room = static_cast<std::int64_t>(fs.f_bavail) * fs.f_frsize / 10 * 8;
  const std::int64_t rows = std::min(rest, room / row_bytes_);
  std::string path = file_dir_ + "/fixres-trunk-cache-XXXXXX";
  const int fd = rows > 0 ? mkstemp(path.data()) : -1;
  int error = rows > 0 ? (fd < 0 ? errno : 0) : ENOSPC;
  if (fd >= 0) {
    unlink(path.c_str());
    mapped_bytes_ = static_cast<std::size_t>(rows * row_bytes_);
    error = posix_fallocate(fd, 0, static_cast<off_t>(mapped_bytes_));
    if (error == 0) {
      void* p = mmap(nullptr, mapped_bytes_, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
      if (p == MAP_FAILED) error = errno;
      else mapped_ = static_cast<char*>(p);
    }
    close(fd);
  }
  if (mapped_ != nullptr) {
    file_rows_ = rows;
  } else {
    mapped_bytes_ = 0;
  }
  if (file_rows_ < rest) {
    warning_ = "frozen-trunk cache: " + thousands(rest - file_rows_) + " images fit neither in --cache-memory nor in " +
               file_dir_ + (error != 0 ? std::string(" (") + std::strerror(error) + ")" : std::string()) +
               "; their trunk runs every epoch";
  }
}

bool FeatureStore::storable(const std::vector<torch::Tensor>& state) {
  if (state.empty()) return false;
  const std::int64_t n = state[0].size(0);
  return std::all_of(state.begin(), state.end(), [n](const torch::Tensor& t) {
    return t.dim() >= 1 && t.size(0) == n && t.numel() > 0 && t.is_non_overlapping_and_dense() &&
           t.stride(0) * n == t.numel();
  });
}

char* FeatureStore::row(std::int64_t slot) const {
  return slot < memory_rows_ ? memory_.get() + slot * row_bytes_ : mapped_ + (slot - memory_rows_) * row_bytes_;
}

bool FeatureStore::holds(const std::vector<std::int64_t>& indices) const {
  const auto n = static_cast<std::int32_t>(indices.size());
  return std::all_of(indices.begin(), indices.end(), [&](std::int64_t i) {
    return slot_[static_cast<std::size_t>(i)] >= 0 && batch_size_[static_cast<std::size_t>(i)] == n;
  });
}

double FeatureStore::stored_fraction(const std::vector<std::int64_t>& order) const {
  if (order.empty()) return 1.0;
  const auto stored = std::count_if(order.begin(), order.end(), [&](std::int64_t i) {
    return slot_[static_cast<std::size_t>(i)] >= 0 || is_skipped(i);
  });
  return static_cast<double>(stored) / static_cast<double>(order.size());
}

void FeatureStore::put(const std::vector<std::int64_t>& indices, const std::vector<torch::Tensor>& state) {
  if (parts_.empty()) allocate(state);
  const auto n = static_cast<std::int32_t>(indices.size());
  for (std::size_t r = 0; r < indices.size(); ++r) {
    const auto i = static_cast<std::size_t>(indices[r]);
    if (slot_[i] >= 0 && (batch_size_[i] == n || n != full_batch_)) continue;
    if (slot_[i] < 0) {
      if (next_slot_ >= memory_rows_ + file_rows_) continue;
      slot_[i] = next_slot_++;
    }
    batch_size_[i] = n;
    char* out = row(slot_[i]);
    for (std::size_t k = 0; k < parts_.size(); ++k) {
      const auto* src = static_cast<const char*>(state[k].data_ptr()) + static_cast<std::int64_t>(r) * parts_[k].bytes;
      std::memcpy(out, src, static_cast<std::size_t>(parts_[k].bytes));
      out += parts_[k].bytes;
    }
  }
}

std::vector<torch::Tensor> FeatureStore::get(const std::vector<std::int64_t>& indices) const {
  const auto n = static_cast<std::int64_t>(indices.size());
  std::vector<torch::Tensor> state;
  std::int64_t offset = 0;
  for (const Part& part : parts_) {
    std::vector<std::int64_t> sizes{n}, strides{part.bytes / static_cast<std::int64_t>(c10::elementSize(part.dtype))};
    sizes.insert(sizes.end(), part.sizes.begin(), part.sizes.end());
    strides.insert(strides.end(), part.strides.begin(), part.strides.end());
    torch::Tensor t = torch::empty_strided(sizes, strides, torch::TensorOptions().dtype(part.dtype));
    auto* dst = static_cast<char*>(t.data_ptr());
    for (std::int64_t r = 0; r < n; ++r) {
      std::memcpy(dst + r * part.bytes, row(slot_[static_cast<std::size_t>(indices[static_cast<std::size_t>(r)])]) + offset,
                  static_cast<std::size_t>(part.bytes));
    }
    offset += part.bytes;
    state.push_back(t);
  }
  return state;
}

std::vector<data::SkippedImage> FeatureStore::skipped() const {
  std::vector<data::SkippedImage> list;
  for (const auto& entry : skipped_) list.push_back(entry.second);
  return list;
}

std::string FeatureStore::describe() const {
  std::string text = thousands(images_) + " images × " + format_bytes(row_bytes_) + ": " + thousands(memory_rows_) +
                     " in memory (" + format_bytes(memory_rows_ * row_bytes_) + ")";
  if (file_rows_ > 0) {
    text += ", " + thousands(file_rows_) + " in a file under " + file_dir_ + " (" + format_bytes(file_rows_ * row_bytes_) + ")";
  }
  return text;
}

StoredBatches::StoredBatches(FeatureStore& store, std::shared_ptr<const data::Dataset> dataset, data::Pipeline pipeline,
                             data::LoaderOptions options, std::vector<std::int64_t> order, std::int64_t epoch,
                             std::function<void(const data::SkippedImage&)> on_skip)
    : store_(store),
      dataset_(std::move(dataset)),
      pipeline_(std::move(pipeline)),
      options_(options),
      order_(std::move(order)),
      epoch_(epoch),
      on_skip_(std::move(on_skip)) {
  if (options_.drop_last) {
    order_.resize(order_.size() / static_cast<std::size_t>(options_.batch_size) * static_cast<std::size_t>(options_.batch_size));
  }
}

std::optional<data::Batch> StoredBatches::next() {
  while (position_ < static_cast<std::int64_t>(order_.size())) {
    const std::int64_t end = std::min<std::int64_t>(position_ + options_.batch_size, order_.size());
    std::vector<std::int64_t> chunk;
    for (std::int64_t p = position_; p < end; ++p) {
      if (!store_.is_skipped(order_[static_cast<std::size_t>(p)])) chunk.push_back(order_[static_cast<std::size_t>(p)]);
    }
    position_ = end;
    if (chunk.empty()) continue;
    if (store_.holds(chunk)) {
      data::Batch batch;
      batch.labels = torch::empty({static_cast<std::int64_t>(chunk.size())}, torch::kLong);
      auto* labels = batch.labels.data_ptr<std::int64_t>();
      for (std::size_t r = 0; r < chunk.size(); ++r) labels[r] = dataset_->label(chunk[r]);
      batch.indices = std::move(chunk);
      return batch;
    }
    // Decode this chunk as the loader would have (the test transform ignores the epoch's draws).
    data::LoaderOptions o = options_;
    o.workers = 0;
    o.drop_last = false;
    o.batch_size = static_cast<std::int64_t>(chunk.size());
    data::Loader loader(dataset_, std::make_shared<data::ListSampler>(chunk), pipeline_, o);
    loader.set_on_skip([this](const data::SkippedImage& s) {
      store_.mark_skipped(s);
      if (on_skip_) on_skip_(s);
    });
    loader.start_epoch(epoch_);
    if (auto batch = loader.next()) return batch;
  }
  return std::nullopt;
}

TrunkCache::TrunkCache(models::FeatureCut cut, const ModelSetup& setup, std::shared_ptr<CacheBudget> budget,
                       std::int64_t train_images, std::int64_t val_images, std::int64_t batch, Reporter reporter)
    : cut_(std::move(cut)),
      setup_(setup),
      train_(train_images, batch, budget),
      val_(val_images, batch, budget),
      reporter_(std::move(reporter)) {}

torch::Tensor TrunkCache::logits(Set set, const data::Batch& batch) {
  FeatureStore& store = this->store(set);
  std::vector<torch::Tensor> state;
  if (store.holds(batch.indices)) {
    state = store.get(batch.indices);
    for (auto& t : state) t = t.to(setup_.device);
  } else {
    TORCH_CHECK(batch.images.defined(), "trunk cache: a batch without images or stored states");
    {
      torch::NoGradGuard no_grad;
      state = cut_.prefix(setup_.prepare_input(batch.images));
    }
    if (!unstorable_ && !FeatureStore::storable(state)) {
      unstorable_ = true;
      reporter_.message("frozen-trunk cache: off (the output before " + cut_.name +
                        " is not one block per image); every layer runs on every image");
    }
    if (!unstorable_) {
      std::vector<torch::Tensor> on_cpu;
      for (const auto& t : state) on_cpu.push_back(t.device().is_cpu() ? t : t.to(torch::kCPU));
      store.put(batch.indices, on_cpu);
    }
  }
  return setup_.model->forward_head(cut_.suffix(state));
}

std::unique_ptr<TrunkCache> open_trunk_cache(const ModelSetup& setup, const TrainingPlan& plan,
                                             const TrainingOptions& options, const data::PipelineSpec& train_spec,
                                             const Reporter& reporter) {
  if (!plan.frozen_trunk_cache) return nullptr;
  std::string why_not;
  if (!options.cache.enabled) why_not = "--no-cache";
  else if (train_spec.kind != data::PipelineKind::Test) why_not = "the training transform draws a new view every epoch";
  else if (options.mixup.enabled()) why_not = "mixup/CutMix mix the images of every batch anew";
  else if (options.progressive.enabled()) why_not = "--progressive changes the size";
  else if (options.dist.sync_bn) why_not = "--sync-bn";
  std::optional<models::FeatureCut> cut;
  if (why_not.empty()) {
    cut = frozen_cut(*setup.model);
    if (!cut) why_not = "no layer before the first trainable one is frozen";
  }
  if (!why_not.empty()) {
    reporter.message("frozen-trunk cache: off (" + why_not + ")");
    return nullptr;
  }
  if (!options.cache.dir.empty()) io::ensure_writable_directory(options.cache.dir);  // --cache-dir: refused now
  auto budget = std::make_shared<CacheBudget>();
  budget->memory_left = options.cache.memory_bytes > 0 ? options.cache.memory_bytes : default_cache_memory();
  budget->dir = options.cache.dir;
  auto cache = std::make_unique<TrunkCache>(*cut, setup, budget, plan.train_set->size(),
                                            plan.val_set ? plan.val_set->size() : 0, options.batch, reporter);
  reporter.message(cache->describe());
  return cache;
}

std::vector<std::string> TrunkCache::storage_report(Set set) {
  FeatureStore& s = store(set);
  bool& reported = reported_[set == Set::Train ? 0 : 1];
  if (reported || s.row_bytes() == 0) return {};
  reported = true;
  std::vector<std::string> lines = {std::string("frozen-trunk cache, ") + (set == Set::Train ? "training" : "validation") +
                                    " images: " + s.describe()};
  if (!s.warning().empty()) lines.push_back("warning: " + s.warning());
  return lines;
}

std::string TrunkCache::describe() const {
  return "frozen-trunk cache: the layers before " + cut_.name +
         " are frozen and see the same images every epoch, so they run once per image and their output is kept "
         "(--no-cache: off)";
}

}  // namespace fixres::engine
