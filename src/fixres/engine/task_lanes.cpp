#include "fixres/engine/task_lanes.h"

#include <torch/torch.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <exception>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>

#include "fixres/core/format.h"

namespace fixres::engine {
namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) { return std::chrono::duration<double>(Clock::now() - start).count(); }

/// Prints "k of n runs done after … s, about … s left": the time per cost unit of the runs
/// done so far, applied to the cost left, less what the other lanes have already spent on their
/// current runs.
class TaskProgress {
 public:
  TaskProgress(const std::vector<LaneTask>& tasks, int lanes)
      : start_(Clock::now()), count_(tasks.size()), lanes_(std::max(1, lanes)) {
    for (const auto& t : tasks) total_cost_ += t.cost;
  }
  void finished(const LaneTask& task, double task_seconds, const Reporter& r) {
    const std::size_t k = ++done_;
    done_cost_ += task.cost;
    done_seconds_ += task_seconds;
    const double elapsed = seconds_since(start_);
    const double in_progress = std::max(0.0, elapsed * std::min<double>(lanes_, count_ - k + 1) - done_seconds_);
    const double rate = done_cost_ > 0.0 ? done_seconds_ / done_cost_ : 0.0;
    const double left = std::max(0.0, rate * (total_cost_ - done_cost_) - in_progress) /
                        std::min<double>(lanes_, std::max<std::size_t>(1, count_ - k));
    r.message(std::to_string(k) + " of " + std::to_string(count_) + " runs done after " + format_number("%.0f", elapsed) +
              " s" + (k < count_ ? ", about " + format_number("%.0f", left) + " s left" : ""));
  }

 private:
  Clock::time_point start_;
  std::size_t count_;
  int lanes_;
  std::size_t done_ = 0;
  double total_cost_ = 0.0;
  double done_cost_ = 0.0;
  double done_seconds_ = 0.0;  ///< summed over the runs done
};

/// The threaded case of run_lane_tasks (lanes >= 2).
void run_on_lanes(const std::vector<LaneTask>& tasks, int lanes, TaskProgress& progress, const Reporter& reporter) {
  // Concurrent lanes: messages one at a time, no progress bars (they would interleave).
  std::mutex mutex;  // guards the state below and the messages
  std::condition_variable changed;
  std::vector<char> started(tasks.size(), 0), done(tasks.size(), 0);
  bool failed = false;
  Reporter shared;
  if (reporter.on_message) {
    shared.on_message = [&mutex, reporter](const std::string& text) {
      const std::lock_guard<std::mutex> lock(mutex);
      reporter.message(text);
    };
  }
  // The next task a lane may start (-1: none left); waits while only blocked tasks remain.
  const auto take = [&]() -> int {
    std::unique_lock<std::mutex> lock(mutex);
    for (;;) {
      if (failed) return -1;
      bool pending = false;
      for (std::size_t i = 0; i < tasks.size(); ++i) {
        if (started[i]) continue;
        pending = true;
        if (tasks[i].after < 0 || done[static_cast<std::size_t>(tasks[i].after)]) {
          started[i] = 1;
          return static_cast<int>(i);
        }
      }
      if (!pending) return -1;
      changed.wait(lock);
    }
  };
  std::vector<std::exception_ptr> errors(static_cast<std::size_t>(lanes));
  std::vector<std::thread> threads;
  for (int lane = 0; lane < lanes; ++lane) {
    threads.emplace_back([&, lane] {
      torch::set_num_threads(1);
      try {
        for (int i = take(); i >= 0; i = take()) {
          const LaneTask& task = tasks[static_cast<std::size_t>(i)];
          const auto start = Clock::now();
          task.run(shared);
          const std::lock_guard<std::mutex> lock(mutex);
          progress.finished(task, seconds_since(start), reporter);
          done[static_cast<std::size_t>(i)] = 1;
          changed.notify_all();
        }
      } catch (...) {
        errors[static_cast<std::size_t>(lane)] = std::current_exception();
        const std::lock_guard<std::mutex> lock(mutex);
        failed = true;  // the other lanes stop after their current task
        changed.notify_all();
      }
    });
  }
  for (auto& t : threads) t.join();
  for (const auto& e : errors) {
    if (e) std::rethrow_exception(e);
  }
}

}  // namespace

void run_lane_tasks(const std::vector<LaneTask>& tasks, int lanes, const Reporter& reporter) {
  for (std::size_t i = 0; i < tasks.size(); ++i) {
    if (tasks[i].after >= static_cast<int>(i)) {
      throw std::invalid_argument("run_lane_tasks: task " + std::to_string(i) + " waits for task " +
                                  std::to_string(tasks[i].after) + ", which is not an earlier one");
    }
  }
  TaskProgress progress(tasks, lanes);
  if (lanes >= 2) return run_on_lanes(tasks, lanes, progress, reporter);
  for (const auto& task : tasks) {
    const auto start = Clock::now();
    task.run(reporter);
    progress.finished(task, seconds_since(start), reporter);
  }
}

}  // namespace fixres::engine
