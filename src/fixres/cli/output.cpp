#include "fixres/cli/output.h"

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <iostream>
#include <memory>

#include "fixres/io/atomic_file.h"

namespace fixres::cli {

void print_line(const std::string& line) {
  std::fwrite(line.data(), 1, line.size(), stdout);
  std::fputc('\n', stdout);
  std::fflush(stdout);
}

nlohmann::json percent_or_null(const std::optional<engine::TopkCounts>& counts, bool top5) {
  if (!counts) return nullptr;
  return top5 ? counts->top5_percent() : counts->top1_percent();
}

void write_json(const std::string& path, const nlohmann::json& value) {
  if (path.empty()) return;
  io::write_file_atomically(path, value.dump(2) + "\n");
}

namespace {

std::string format_duration(double seconds) {
  if (!(seconds >= 0) || seconds > 360000) return "--:--";
  auto s = static_cast<long>(seconds + 0.5);
  char text[32];
  if (s >= 3600) {
    std::snprintf(text, sizeof text, "%ld:%02ld:%02ld", s / 3600, (s / 60) % 60, s % 60);
  } else {
    std::snprintf(text, sizeof text, "%02ld:%02ld", s / 60, s % 60);
  }
  return text;
}

/// State of the progress line: redrawn at most 10 times a second, cleared before messages.
struct ProgressLine {
  bool active = false;
  std::chrono::steady_clock::time_point last_draw{};

  void clear() {
    if (!active) return;
    std::fputs("\r\033[K", stderr);
    active = false;
  }
  void draw(const engine::Progress& p) {
    auto now = std::chrono::steady_clock::now();
    bool finished = p.total > 0 && p.done >= p.total;
    if (active && !finished && now - last_draw < std::chrono::milliseconds(100)) return;
    last_draw = now;
    char line[256];
    double eta = (p.items_per_second > 0 && p.total > 0)
                     ? static_cast<double>(p.total - p.done) / p.items_per_second
                     : -1.0;
    if (p.total > 0) {
      std::snprintf(line, sizeof line, "\r\033[K%s: %lld/%lld (%.0f%%)  %.1f img/s  ETA %s  %s", p.phase.c_str(),
                    static_cast<long long>(p.done), static_cast<long long>(p.total),
                    100.0 * static_cast<double>(p.done) / static_cast<double>(p.total), p.items_per_second,
                    format_duration(eta).c_str(), p.detail.c_str());
    } else {
      std::snprintf(line, sizeof line, "\r\033[K%s: %lld  %.1f img/s  %s", p.phase.c_str(),
                    static_cast<long long>(p.done), p.items_per_second, p.detail.c_str());
    }
    std::fputs(line, stderr);
    active = true;
    if (finished) {
      std::fputc('\n', stderr);
      active = false;
    }
    std::fflush(stderr);
  }
};

}  // namespace

engine::Reporter terminal_reporter(bool quiet) {
  engine::Reporter reporter;
  auto line = std::make_shared<ProgressLine>();
  if (!quiet && ::isatty(STDERR_FILENO)) {
    reporter.on_progress = [line](const engine::Progress& p) { line->draw(p); };
  }
  reporter.on_message = [line](const std::string& text) {
    line->clear();
    std::fflush(stdout);
    std::cerr << text << "\n";
  };
  return reporter;
}

}  // namespace fixres::cli
