#pragma once
/// A safe unpickler for the pickles torch.save writes (protocols 2–5, and the protocol-0/1 opcodes
/// Python still emits inside them). It builds a Value tree and never runs anything: every global
/// must be on a short whitelist (collections.OrderedDict, torch._utils rebuild helpers, torch
/// storage classes, torch.Size, builtins.set/frozenset, _codecs.encode, numpy scalars); anything
/// else (os.system, builtins.eval, an unknown class) is refused with an error naming it.

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>

#include "fixres/io/pickle_value.h"

namespace fixres::io {

/// Resolves a persistent id (what torch.save's persistent_id returned for a storage) to a
/// Value::storage. Throws to refuse.
using PersistentLoader = std::function<Value(const Value& pid)>;

/// Decodes the pickle that starts at data[0] and ends at its STOP opcode. `source` names the file
/// (and record) in error messages. `*consumed` (if given) receives the pickle's length in bytes.
/// Throws IoError(source, "byte N: …") on malformed input or a refused global. Never reads past
/// `size`, never allocates more than the input's own length justifies, nests at most 100 deep.
Value unpickle(const std::uint8_t* data, std::size_t size, const std::string& source,
               const PersistentLoader& persistent_load, std::size_t* consumed = nullptr);

/// True when the unpickler accepts the global "module.name".
bool is_allowed_global(const std::string& module, const std::string& name);

}  // namespace fixres::io
