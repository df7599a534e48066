#pragma once
/// How engines talk to the user without printing: the CLI supplies the callbacks (progress on a
/// terminal only, messages on stderr); tests and library users may leave them empty.
/// Torch-free.

#include <cstdint>
#include <functional>
#include <string>

namespace fixres::engine {

/// One progress update of a long phase ("evaluate", "epoch 3/30", …).
struct Progress {
  std::string phase;
  std::int64_t done = 0;   ///< items (images) finished in this phase
  std::int64_t total = 0;  ///< items in this phase, 0 when unknown
  double items_per_second = 0.0;
  std::string detail;      ///< short extra text, e.g. "loss 1.234"
};

struct Reporter {
  std::function<void(const Progress&)> on_progress;  ///< may be empty
  std::function<void(const std::string&)> on_message;  ///< warnings and notes; may be empty

  void progress(const Progress& p) const {
    if (on_progress) on_progress(p);
  }
  void message(const std::string& text) const {
    if (on_message) on_message(text);
  }
};

}  // namespace fixres::engine
