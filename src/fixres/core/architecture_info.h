#pragma once
/// What `fixres inspect --architecture X [--manifest]` reports about a network, torch-free so
/// that it crosses the CLI ↔ libfixres.so boundary (fixres/core/api.h).

#include <array>
#include <cstdint>
#include <string>
#include <vector>

namespace fixres::models {

/// One state-dict entry of a freshly built network.
struct ManifestEntry {
  std::string name;     ///< state-dict key, no prefix ("layer1.0.conv1.weight")
  std::string shape;    ///< "64x3x7x7"; empty for a 0-dim tensor
  std::string dtype;    ///< "float32", "int64" (num_batches_tracked)
  bool buffer = false;  ///< running statistics and counters
};

struct ArchitectureInfo {
  std::string architecture;  ///< the registry row ("ResNet50", "tf_efficientnet_b0_ap", …)
  std::string description;
  std::int64_t parameters = 0;         ///< elements over all parameters
  std::int64_t parameter_tensors = 0;
  std::int64_t buffer_elements = 0;    ///< elements over all buffers
  std::int64_t buffer_tensors = 0;
  std::int64_t embedding_dim = 0;
  std::int64_t num_classes = 0;
  int train_size = 0;  ///< resolution of the base weights
  int test_size = 0;   ///< FixRes's test resolution
  std::array<float, 3> mean{};
  std::array<float, 3> std{};
  std::string interpolation;
  /// The default test transform of its weights (data::TestProtocol::describe()).
  std::string test_transform;
  std::vector<ManifestEntry> manifest;  ///< state-dict order
};

/// The manifest as text: "name<TAB>shape\n" per entry (DESIGN.md's `inspect --manifest`).
inline std::string format_manifest(const std::vector<ManifestEntry>& manifest) {
  std::string text;
  for (const auto& entry : manifest) text += entry.name + "\t" + entry.shape + "\n";
  return text;
}

}  // namespace fixres::models
