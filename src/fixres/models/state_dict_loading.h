#pragma once
/// Between torch-free checkpoint tensors (io::RawTensor) and LibTorch modules: conversion both
/// ways, Python-style strict state-dict loading with a full report, and the module's state dict in
/// PyTorch's order.

#include <torch/torch.h>

#include <string>
#include <vector>

#include "fixres/io/raw_tensor.h"

namespace fixres::models {

/// Copies into a contiguous CPU tensor of the same dtype and shape (the file's strides and
/// offsets applied).
torch::Tensor to_torch(const io::RawTensor& raw);

/// A contiguous CPU copy owned by the RawTensor (the module's tensor may keep changing).
/// Throws for dtypes outside io::DType (complex, quantized, …).
io::RawTensor from_torch(const torch::Tensor& tensor);

/// What load_state_dict found, all at once (Python's _IncompatibleKeys plus shape mismatches).
struct LoadReport {
  std::vector<std::string> missing;     // in the module, not in the weights
  std::vector<std::string> unexpected;  // in the weights, not in the module
  std::vector<std::string> mismatched;  // "name: expected 64x3x7x7, got 64x3x3x3"
  bool ok() const { return missing.empty() && unexpected.empty() && mismatched.empty(); }
  /// Multi-line summary: per kind (shape mismatches first, then missing, then unexpected keys) the
  /// count and the first `shown` names (0: all), then "… N more: --verbose lists all";
  /// "all N tensors loaded" when ok.
  std::string describe(std::size_t shown = 0) const;
  /// What the commands show of each kind unless --verbose.
  static constexpr std::size_t kShownKeys = 10;
  std::size_t loaded = 0;  // tensors copied into the module
};

/// Copies every parameter and buffer (named as in module->named_parameters/named_buffers) from
/// `weights`; dtypes are converted to the module's (e.g. float16 files into float32 models).
/// strict: throws (naming every missing, unexpected and mis-shaped key) unless everything matches,
/// and then leaves the module untouched. Non-strict: loads what matches and reports the rest.
/// A missing BatchNorm 'num_batches_tracked' is not an error (files from before PyTorch 0.4.1 lack
/// it and PyTorch accepts them); the buffer keeps its value.
/// Mapped file pages are released after each copy, so loading a 3 GB file needs about one copy
/// of the weights in memory.
/// `shown`: how many keys of each kind the error names (LoadReport::describe; 0: every one).
LoadReport load_state_dict(torch::nn::Module& module, const io::StateDict& weights, bool strict = true,
                           std::size_t shown = 0);

/// The module's own tensors (not copies) under their state-dict names, in PyTorch's state_dict()
/// order: each module's own parameters, then its own buffers, then its children, depth first.
std::vector<std::pair<std::string, torch::Tensor>> state_dict_tensors(const torch::nn::Module& module);

/// state_dict_tensors as contiguous CPU copies.
io::StateDict module_state_dict(const torch::nn::Module& module);

}  // namespace fixres::models
