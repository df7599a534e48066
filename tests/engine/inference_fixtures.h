#pragma once
// Shared by the evaluate/extract/sweep/inference tests: the reference outputs of
// tools/fixtures/inference.py (tests/fixtures/inference/), the checkpoints they were computed
// with, and small helpers.
//
// Why Python runs at test time: the reference checkpoints (ResNet-50 100 MB, PNASNet 340 MB) are
// not committed. They are a pure function of the state-dict names and shapes (the synthetic
// weights of tools/fixtures/models.py, the classifier rescaled as tools/fixtures/inference.py
// says), so each test program writes them once, with `/usr/bin/python3 tools/fixtures/inference.py
// checkpoint ROW OUT` (python3-torch + numpy only: no model code, no network), in PyTorch's
// *legacy* format shaped like FixRes's released weights ({'model': {'module.' + name: tensor}}).
// The committed expected outputs were produced by the real torchvision ImageFolder + PIL +
// FixRes-transform + DataLoader pipeline on the same weights.

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <torch/torch.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <map>
#include <mutex>
#include <string>

#include "common/paths.h"
#include "common/run_command.h"
#include "common/seeded_test.h"
#include "fixres/io/npy.h"
#include "fixres/io/safetensors.h"
#include "fixres/models/registry.h"
#include "fixres/models/state_dict_loading.h"

namespace fixres::testing {

namespace fs = std::filesystem;

inline nlohmann::json read_json_file(const fs::path& path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot open " + path.string());
  return nlohmann::json::parse(in);
}

/// The whole file as text.
inline std::string read_text(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot open " + path.string());
  std::ostringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

/// tests/fixtures/inference/cases.json
inline const nlohmann::json& inference_cases() {
  static const nlohmann::json cases = read_json_file(fixture("inference/cases.json"));
  return cases;
}

/// An .npy file as a CPU tensor (float32, float64, int64 or int32).
inline torch::Tensor read_npy_tensor(const fs::path& path) {
  io::NpyArray a = io::read_npy(path.string());
  std::vector<std::int64_t> shape(a.shape.begin(), a.shape.end());
  torch::ScalarType type;
  switch (a.dtype) {
    case io::DType::Float32: type = torch::kFloat32; break;
    case io::DType::Float64: type = torch::kFloat64; break;
    case io::DType::Int64: type = torch::kInt64; break;
    case io::DType::Int32: type = torch::kInt32; break;
    default: throw std::runtime_error(path.string() + ": unexpected dtype");
  }
  return torch::from_blob(const_cast<std::uint8_t*>(a.data), shape, type).clone();
}

/// The reference checkpoint of registry row `row` (legacy .pth), written once per test program.
inline fs::path reference_checkpoint(const std::string& row) {
  static std::mutex mutex;
  static std::map<std::string, fs::path> made;
  std::lock_guard<std::mutex> lock(mutex);
  auto it = made.find(row);
  if (it != made.end()) return it->second;
  // One folder per test process: CTest runs tests as parallel processes, and a checkpoint that
  // another process rewrites while this one has it mapped ends in SIGBUS.
  static const fs::path dir = scratch_dir("inference_checkpoints");
  const fs::path path = dir / (row + ".pth");
  const std::string command = python() + " " + FIXRES_SOURCE_DIR + "/tools/fixtures/inference.py checkpoint " + row +
                              " " + path.string();
  CommandResult r = run_command(command);
  if (r.exit_code != 0) throw std::runtime_error("writing the reference checkpoint failed: " + command + "\n" + r.output);
  made[row] = path;
  return path;
}

/// The folder a case ran on: the fixture ImageFolder, or a copy of its subset (cases.json).
inline fs::path case_folder(const nlohmann::json& c) {
  if (c["images"] == "all") return fixture("images/folder");
  // Copied once per test process (parallel CTest processes never share a half-written folder).
  static const fs::path root = [] {
    const fs::path dir = scratch_dir("inference_subset");
    for (const auto& rel : inference_cases()["subset"]) {
      const fs::path target = dir / rel.get<std::string>();
      fs::create_directories(target.parent_path());
      fs::copy_file(fixture("images/folder") / rel.get<std::string>(), target);
    }
    return dir;
  }();
  return root;
}

/// Small real weights for fast command-line tests: the demo's narrow ResNet-26 (`resnet26_w16`),
/// PyTorch-initialised from SeededTest's seed, as safetensors; written once per test process.
inline fs::path small_weights() {
  static std::once_flag once;
  static fs::path path;
  std::call_once(once, [] {
    path = scratch_dir("inference_small") / "resnet26_w16.safetensors";  // per test process
    SeededTest::reseed(SeededTest::kSeed);
    auto model = models::create_model("resnet26_w16");
    io::write_safetensors(path.string(), models::module_state_dict(*model));
  });
  return path;
}

/// Largest relative L2 distance between corresponding rows.
inline double max_relative_l2(const torch::Tensor& got, const torch::Tensor& want) {
  auto g = got.to(torch::kFloat64), w = want.to(torch::kFloat64);
  auto num = (g - w).norm(2, {1});
  auto den = w.norm(2, {1}).clamp_min(1e-30);
  return (num / den).max().item<double>();
}

inline double max_abs_difference(const torch::Tensor& got, const torch::Tensor& want) {
  return (got.to(torch::kFloat64) - want.to(torch::kFloat64)).abs().max().item<double>();
}

/// "--flag 'value'" with single quotes escaped for the shell.
inline std::string quoted(const std::string& text) {
  std::string out = "'";
  for (char c : text) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

}  // namespace fixres::testing
