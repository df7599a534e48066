#pragma once
/// Independent runs on a few lanes side by side (`fixres demo`'s trainings, sweeps and
/// fine-tunings): each lane is a thread with one intra-op thread, and takes the first task in list
/// order whose predecessor is done. After each task it says how many are done and about how long
/// the rest takes.

#include <functional>
#include <vector>

#include "fixres/core/reporter.h"

namespace fixres::engine {

/// A run: it starts once the task `after` (an index into the list, or -1) is done; `cost`, in
/// any unit proportional to its time (pixels trained on), weighs the time estimate.
struct LaneTask {
  std::function<void(const Reporter&)> run;
  int after = -1;
  double cost = 1.0;
};

/// Runs `tasks` on `lanes` threads (one intra-op thread each; messages through `reporter`, one at
/// a time), or in this thread in list order when lanes <= 1. After each task: "k of n runs done
/// after S s, about L s left". A task that throws stops the lanes after their current tasks, and
/// its exception is rethrown here. Throws std::invalid_argument for an `after` that is not an
/// earlier task's index.
void run_lane_tasks(const std::vector<LaneTask>& tasks, int lanes, const Reporter& reporter);

}  // namespace fixres::engine
