#pragma once
/// Everything the CLI prints: result lines on stdout, progress on stderr only when it is a
/// terminal, messages on stderr, JSON files written atomically.

#include <nlohmann/json.hpp>

#include <optional>
#include <string>

#include "fixres/core/metrics.h"
#include "fixres/core/reporter.h"

namespace fixres::cli {

/// A result line on stdout.
void print_line(const std::string& line);

/// Writes `value` (pretty-printed) to `path` atomically; no-op when `path` is empty.
void write_json(const std::string& path, const nlohmann::json& value);

/// A JSON accuracy in percent (top-5 or top-1), or null where it was not computed.
nlohmann::json percent_or_null(const std::optional<engine::TopkCounts>& counts, bool top5);

/// A Reporter that draws a progress line (rate, ETA) on stderr when stderr is a terminal and
/// prints messages on stderr. `quiet` silences progress (e.g. non-zero ranks).
engine::Reporter terminal_reporter(bool quiet = false);

}  // namespace fixres::cli
