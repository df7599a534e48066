// engine/task_lanes.h: every task runs once, none before its predecessor is done, lanes really
// run side by side, a failure stops the lanes and reaches the caller, and the progress lines.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "fixres/engine/task_lanes.h"

namespace fixres::engine {
namespace {

/// What the tasks did, in order: "start i" / "end i".
struct Log {
  std::mutex mutex;
  std::vector<std::string> events;
  void add(const std::string& e) {
    const std::lock_guard<std::mutex> lock(mutex);
    events.push_back(e);
  }
  std::size_t index(const std::string& e) {
    for (std::size_t i = 0; i < events.size(); ++i) {
      if (events[i] == e) return i;
    }
    return events.size();
  }
};

LaneTask logged(Log& log, int i, int after, int millis) {
  return {[&log, i, millis](const Reporter&) {
            log.add("start " + std::to_string(i));
            std::this_thread::sleep_for(std::chrono::milliseconds(millis));
            log.add("end " + std::to_string(i));
          },
          after, static_cast<double>(millis)};
}

Reporter collecting(std::vector<std::string>& lines) {
  Reporter r;
  r.on_message = [&lines](const std::string& text) { lines.push_back(text); };
  return r;
}

TEST(LaneTasks, EveryTaskRunsOnceAfterItsPredecessor) {
  for (int lanes : {1, 2, 3}) {
    SCOPED_TRACE("lanes " + std::to_string(lanes));
    Log log;
    // Tasks 3 and 4 wait for the slow tasks 1 and 0; task 5 for task 4.
    const std::vector<LaneTask> tasks = {logged(log, 0, -1, 60), logged(log, 1, -1, 80), logged(log, 2, -1, 5),
                                         logged(log, 3, 1, 5),   logged(log, 4, 0, 5),   logged(log, 5, 4, 5)};
    std::vector<std::string> lines;
    run_lane_tasks(tasks, lanes, collecting(lines));
    ASSERT_EQ(log.events.size(), 12u);
    for (int i = 0; i < 6; ++i) {
      const std::size_t start = log.index("start " + std::to_string(i));
      ASSERT_LT(start, log.events.size()) << i;
      EXPECT_LT(start, log.index("end " + std::to_string(i)));
      if (tasks[static_cast<std::size_t>(i)].after >= 0) {
        EXPECT_GT(start, log.index("end " + std::to_string(tasks[static_cast<std::size_t>(i)].after))) << i;
      }
    }
    if (lanes == 1) {  // in list order, one after another
      for (int i = 0; i < 6; ++i) EXPECT_EQ(log.events[static_cast<std::size_t>(2 * i)], "start " + std::to_string(i));
    } else {  // the two slow tasks overlap
      EXPECT_LT(log.index("start 1"), log.index("end 0"));
    }
    ASSERT_EQ(lines.size(), 6u);
    EXPECT_EQ(lines[0].rfind("1 of 6 runs done after ", 0), 0u) << lines[0];
    EXPECT_NE(lines[0].find(" s left"), std::string::npos) << lines[0];
    EXPECT_EQ(lines[5].rfind("6 of 6 runs done after ", 0), 0u) << lines[5];
    EXPECT_EQ(lines[5].find("left"), std::string::npos) << lines[5];
  }
}

TEST(LaneTasks, TheEstimateCountsTheCostLeft) {
  // One lane, two tasks of equal cost and time: after the first, about its time is left.
  const std::vector<LaneTask> tasks = {
      {[](const Reporter&) { std::this_thread::sleep_for(std::chrono::milliseconds(2000)); }, -1, 1.0},
      {[](const Reporter&) { std::this_thread::sleep_for(std::chrono::milliseconds(2000)); }, -1, 1.0}};
  std::vector<std::string> lines;
  run_lane_tasks(tasks, 1, collecting(lines));
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_NE(lines[0].find("about 2 s left"), std::string::npos) << lines[0];
}

TEST(LaneTasks, AFailureStopsTheLanesAndReachesTheCaller) {
  std::atomic<int> ran{0};
  std::vector<LaneTask> tasks;
  tasks.push_back({[](const Reporter&) { throw std::runtime_error("task 0 failed"); }, -1, 1.0});
  for (int i = 1; i < 6; ++i) tasks.push_back({[&ran](const Reporter&) { ++ran; }, 0, 1.0});  // all wait for task 0
  for (int lanes : {1, 2}) {
    ran = 0;
    try {
      run_lane_tasks(tasks, lanes, {});
      ADD_FAILURE() << "no exception with " << lanes << " lanes";
    } catch (const std::runtime_error& e) {
      EXPECT_EQ(std::string(e.what()), "task 0 failed");
    }
    EXPECT_EQ(ran.load(), 0) << "a task ran after the one it waits for failed (" << lanes << " lanes)";
  }
}

TEST(LaneTasks, APredecessorThatIsNotEarlierIsRefused) {
  const std::vector<LaneTask> tasks = {{[](const Reporter&) {}, 1, 1.0}, {[](const Reporter&) {}, -1, 1.0}};
  EXPECT_THROW(run_lane_tasks(tasks, 2, {}), std::invalid_argument);
}

}  // namespace
}  // namespace fixres::engine
