#pragma once
/// Locating and extracting the weights (a name -> tensor mapping) inside a checkpoint, as the
/// FixRes scripts do: under 'model' (the seed's training checkpoints and released weights),
/// under 'state_dict', or at the top level; with or without DataParallel's 'module.' prefix.

#include <string>

#include "fixres/io/checkpoint.h"
#include "fixres/io/pickle_value.h"
#include "fixres/io/raw_tensor.h"

namespace fixres::io {

/// Reads weights from a legacy/zip .pth or .safetensors file: under 'model', 'state_dict' or top
/// level; strips a leading 'module.' from every key. Throws with file + reason.
StateDict read_state_dict(const std::string& path);

/// The weights under root[`key`] only (e.g. "model_ema", the EMA a `--model-ema` run saves beside
/// 'model'); throws naming the file and the key when there is none.
StateDict read_state_dict(const std::string& path, const std::string& key);

/// The dict holding the weights: root['model'] or root['state_dict'] when that is a dict, else
/// root. `*where` (if given) receives "'model'", "'state_dict'" or "top level". Throws
/// std::runtime_error when no dict is found.
const Value& find_state_dict(const Value& root, std::string* where = nullptr);

/// find_state_dict in a checkpoint read from `path`; the error (io::IoError) names the file.
const Value& find_state_dict(const Checkpoint& checkpoint, const std::string& path, std::string* where);

/// The tensors of a state-dict Value, in order; non-tensor entries are an error naming the key.
/// With `strip_module`, a leading "module." is removed from every key.
StateDict to_state_dict(const Value& dict, bool strip_module, const std::string& source);

/// An OrderedDict Value of the tensors (for writing).
Value state_dict_value(const StateDict& weights);

/// `key` without one leading "module.".
std::string strip_module_prefix(const std::string& key);

}  // namespace fixres::io
