#include "fixres/engine/checkpointing.h"

#include "fixres/models/error_text.h"

#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "fixres/io/atomic_file.h"
#include "fixres/io/training_checkpoint.h"
#include "fixres/models/state_dict_loading.h"

namespace fixres::engine {

namespace fs = std::filesystem;

CheckpointFolder::CheckpointFolder(const std::string& save_folder, const std::string& job_id) {
  if (!save_folder.empty()) dir_ = (fs::path(save_folder) / job_id).string();
}

std::string CheckpointFolder::latest() const { return (fs::path(dir_) / "checkpoint.pth").string(); }

std::string CheckpointFolder::for_epoch(std::int64_t epoch) const {
  return (fs::path(dir_) / ("checkpoint_" + std::to_string(epoch) + ".pth")).string();
}

std::string CheckpointFolder::record() const { return (fs::path(dir_) / "fixres_run.json").string(); }

bool CheckpointFolder::has_checkpoint() const { return enabled() && fs::is_regular_file(latest()); }

nlohmann::json run_record_json(const RunRecord& r) {
  nlohmann::json j = {{"command", r.command},       {"architecture", r.architecture}, {"num_classes", r.num_classes},
                      {"input_size", r.input_size}, {"scaled_lr", r.scaled_lr},       {"world_size", r.world_size},
                      {"seed", r.seed},             {"history", r.epochs}};
  if (r.before) j["before"] = *r.before;
  return j;
}

RunRecord run_record_from_json(const nlohmann::json& j, const std::string& source) {
  try {
    RunRecord r;
    r.command = j.at("command").get<std::string>();
    r.architecture = j.at("architecture").get<std::string>();
    r.num_classes = j.at("num_classes").get<std::int64_t>();
    r.input_size = j.at("input_size").get<int>();
    r.scaled_lr = j.at("scaled_lr").get<double>();
    r.world_size = j.at("world_size").get<int>();
    r.seed = j.at("seed").get<std::uint64_t>();
    r.epochs = j.at("history").get<std::vector<EpochRecord>>();
    if (j.contains("before")) r.before = j.at("before").get<TopkCounts>();
    return r;
  } catch (const nlohmann::json::exception& e) {
    throw std::runtime_error(source + ": not a fixres run record: " + e.what());
  }
}

std::string save_checkpoint(const CheckpointFolder& folder, std::int64_t epoch, double accuracy,
                            const TrainingState& state, const RunRecord& record) {
  TORCH_CHECK(folder.enabled(), "save_checkpoint: no checkpoint folder");
  io::ensure_writable_directory(folder.dir());
  io::TrainingCheckpoint checkpoint;
  checkpoint.epoch = epoch + 1;
  checkpoint.accuracy = accuracy;
  checkpoint.model = models::module_state_dict(state.model);
  if (state.ema) checkpoint.model_ema = state.ema->state_dict();
  state.optimizer.save(checkpoint, state.scheduler.base_lr());
  checkpoint.lr_scheduler = state.scheduler.state(epoch);

  io::write_file_atomically(folder.record(), run_record_json(record).dump(1) + "\n");
  io::write_training_checkpoint(folder.for_epoch(epoch), checkpoint);
  io::write_training_checkpoint(folder.latest(), checkpoint);
  return folder.latest();
}

namespace {

std::optional<RunRecord> read_record(const CheckpointFolder& folder) {
  if (!fs::is_regular_file(folder.record())) return std::nullopt;
  std::ifstream in(folder.record());
  nlohmann::json j;
  try {
    in >> j;
  } catch (const nlohmann::json::exception& e) {
    throw std::runtime_error(folder.record() + ": unreadable run record: " + e.what());
  }
  return run_record_from_json(j, folder.record());
}

[[noreturn]] void refuse(const CheckpointFolder& folder, const std::string& why) {
  throw std::runtime_error("refusing to resume from " + folder.latest() + ": " + why +
                           ". Use another --job-id or --save-folder to start a new run.");
}

}  // namespace

std::optional<Resumed> resume_from_checkpoint(const CheckpointFolder& folder, const RunRecord& expected,
                                              const TrainingState& state) {
  if (!folder.has_checkpoint()) return std::nullopt;
  Resumed resumed;
  resumed.path = folder.latest();
  resumed.record = read_record(folder);
  if (resumed.record) {
    const RunRecord& found = *resumed.record;
    if (found.architecture != expected.architecture) {
      refuse(folder, "it holds a " + found.architecture + " run, this run is " + expected.architecture);
    }
    if (found.command != expected.command) {
      refuse(folder, "it was written by `fixres " + found.command + "`, this is `fixres " + expected.command + "`");
    }
    if (found.num_classes != expected.num_classes) {
      refuse(folder, "its classifier has " + std::to_string(found.num_classes) + " outputs, this run's has " +
                         std::to_string(expected.num_classes));
    }
  }

  io::TrainingCheckpoint checkpoint = io::read_training_checkpoint(resumed.path);
  try {
    models::load_state_dict(state.model, checkpoint.model, /*strict=*/true);
  } catch (const std::exception& e) {
    refuse(folder, "its 'model' does not fit " + expected.architecture + " (a checkpoint of another architecture?): " +
                       models::error_text(e));
  }
  try {
    state.optimizer.load(checkpoint, resumed.path);
    if (state.ema) {
      if (!checkpoint.model_ema) throw std::runtime_error(resumed.path + ": no 'model_ema' to resume --model-ema from");
      state.ema->load(*checkpoint.model_ema, resumed.path);
    }
    state.scheduler.check_state(checkpoint.lr_scheduler, resumed.path);
  } catch (const std::exception& e) {
    refuse(folder, models::error_text(e));
  }
  // The learning rate in the file is that of the last epoch; the loop sets each epoch's own.
  resumed.next_epoch = checkpoint.epoch;
  resumed.accuracy = checkpoint.accuracy;
  if (resumed.next_epoch < 0) refuse(folder, "its 'epoch' is negative (" + std::to_string(checkpoint.epoch) + ")");
  return resumed;
}

}  // namespace fixres::engine
