#pragma once
/// Checkpoints of fine-tuning and training runs, in the seed's layout (imnet_finetune/train.py
/// TrainerState.save), one folder per run: SAVE_FOLDER/JOB_ID/
///   checkpoint.pth            the latest completed epoch
///   checkpoint_<E>.pth        after epoch E (0-based, as the seed names them)
///   .fixres.lock              held (flock) by the run writing here: a second run on the same
///                             folder refuses, naming the first's process (io/folder_lock.h)
///   fixres_run.json           our own record: command, architecture, settings, accuracy before
///                             fine-tuning and the per-epoch log (the checkpoint itself carries no
///                             extra keys, so that the seed's TrainerState.load(**data) accepts it)
/// Each .pth is {'epoch', 'accuracy', 'model' ('module.'-prefixed keys, as DistributedDataParallel
/// saves them), 'optimizer' (SGD.state_dict()), 'lr_scheduler' (StepLR.state_dict())}, a zip file
/// torch.load reads, written atomically (temp file + rename: a crash or a full disk leaves the
/// previous file intact).
///
/// 'epoch' holds the number of completed epochs, i.e. the epoch a resumed run starts with, so that
/// the seed's own resume (`for epoch in range(state.epoch, epochs)`) continues where fixres stopped;
/// 'accuracy' is the last validation top-1 as a fraction (the seed's `correct / total`), 0 before
/// any evaluation.

#include <torch/torch.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "fixres/engine/lr_schedule.h"
#include "fixres/engine/model_ema.h"
#include "fixres/engine/optimizer.h"
#include "fixres/core/training_config.h"
#include "fixres/models/classifier.h"

namespace fixres::engine {

class CheckpointFolder {
 public:
  /// save_folder/job_id; disabled when `save_folder` is empty.
  CheckpointFolder(const std::string& save_folder, const std::string& job_id);

  bool enabled() const { return !dir_.empty(); }
  const std::string& dir() const { return dir_; }
  std::string latest() const;                          ///< dir/checkpoint.pth
  std::string for_epoch(std::int64_t epoch) const;     ///< dir/checkpoint_<epoch>.pth
  std::string record() const;                          ///< dir/fixres_run.json
  /// Whether a run can resume from here (checkpoint.pth exists).
  bool has_checkpoint() const;

 private:
  std::string dir_;
};

/// fixres_run.json holds a RunRecord (core/training_config.h), its epochs under "history".
nlohmann::json run_record_json(const RunRecord& record);
/// Throws std::runtime_error naming `source` when a field is missing or mistyped.
RunRecord run_record_from_json(const nlohmann::json& j, const std::string& source);

/// The training state a checkpoint saves and restores.
struct TrainingState {
  models::Classifier& model;
  Optimizer& optimizer;
  const StepLr& scheduler;
  ModelEma* ema = nullptr;  ///< --model-ema's average, saved as `model_ema` and resumed
};

/// After epoch `epoch` (0-based): writes the record, checkpoint_<epoch>.pth, then checkpoint.pth,
/// each atomically. Returns the path of checkpoint.pth.
std::string save_checkpoint(const CheckpointFolder& folder, std::int64_t epoch, double accuracy,
                            const TrainingState& state, const RunRecord& record);

struct Resumed {
  std::string path;             ///< the checkpoint read
  std::int64_t next_epoch = 0;  ///< first epoch to train
  double accuracy = 0.0;
  std::optional<RunRecord> record;  ///< absent for a folder the seed wrote
};

/// When folder.latest() exists: checks that it belongs to this run (the record's command and
/// architecture; the model's tensor names and shapes; the optimiser's parameter count; the
/// schedule's base LR) and restores model, momentum buffers and schedule position. Throws
/// std::runtime_error explaining why it refuses to resume (naming the folder and what differs).
std::optional<Resumed> resume_from_checkpoint(const CheckpointFolder& folder, const RunRecord& expected,
                                              const TrainingState& state);

}  // namespace fixres::engine
