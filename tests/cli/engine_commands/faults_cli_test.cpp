// Faults that lose nothing (issue 20, item 3):
//   - kill -9 at random moments of `train` and `finetune`, and inside the checkpoint write: the
//     save folder then holds only complete, loadable checkpoints, and resuming reaches a final
//     checkpoint bit-identical to an uninterrupted run's;
//   - a full disk under the checkpoint and .npy writers (a small tmpfs; skipped, saying why,
//     where the test cannot mount one): exit 1 naming the file, the previous checkpoint intact,
//     no partial file left;
//   - a dataset where 1% of the files are truncated, empty, of another format or unreadable: the
//     run completes and its JSON lists each skipped file with its reason.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <sys/mount.h>
#include <unistd.h>

#include <cerrno>
#include <algorithm>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "common/paths.h"
#include "common/run_command.h"
#include "dist/process.h"
#include "fixres/io/npy.h"

namespace fixres::engine {
namespace {

namespace fs = std::filesystem;
using testing::fixture;
using testing::scratch_dir;

std::string bytes_of(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

std::string quoted(const std::vector<std::string>& args) {
  std::string line;
  for (const auto& a : args) line += " '" + a + "'";
  return line;
}

std::vector<fs::path> files_containing(const fs::path& dir, const std::string& part) {
  std::vector<fs::path> found;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir, ec)) {
    if (e.path().filename().string().find(part) != std::string::npos) found.push_back(e.path());
  }
  return found;
}

/// Every checkpoint in `dir` reads back whole (`fixres inspect` parses the archive and every
/// tensor record).
void expect_loadable_checkpoints(const fs::path& dir, const std::string& trial) {
  for (const auto& file : files_containing(dir, ".pth")) {
    if (file.filename().string().find(".tmp.") != std::string::npos) continue;
    const auto out = testing::run_fixres("inspect '" + file.string() + "'");
    EXPECT_EQ(out.exit_code, 0) << trial << ": " << file << " does not load:\n" << out.output;
  }
}

struct Command {
  std::vector<std::string> args;  ///< without --save-folder / --job-id
  std::vector<std::string> in(const fs::path& save) const {
    std::vector<std::string> a = args;
    a.insert(a.end(), {"--save-folder", save.string(), "--job-id", "job"});
    return a;
  }
};

std::vector<std::string> small_run(const std::string& command, int epochs, int batch = 4) {
  const std::string folder = fixture("images/folder").string();
  return {command, "--architecture", "resnet26_w16", "--train-path", folder, "--val-path", folder, "--input-size",
          "32", "--epochs", std::to_string(epochs), "--batch", std::to_string(batch), "--workers", "2", "--seed", "5"};
}

/// Kills the run when the `skip`+1-th temporary file appears in `job_dir` (inside a write), or
/// at `seconds` when `skip` < 0. Returns whether it was killed; the child is reaped either way.
bool kill_during(const testing::Child& child, const fs::path& job_dir, int skip, double seconds) {
  const auto start = std::chrono::steady_clock::now();
  std::set<std::string> seen;
  while (!child.wait(0).has_value()) {
    bool now = false;
    if (skip < 0) {
      now = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count() >= seconds;
    } else {
      for (const auto& f : files_containing(job_dir, ".tmp.")) seen.insert(f.filename().string());
      now = static_cast<int>(seen.size()) > skip;
    }
    if (now) {
      child.kill();
      child.wait(60);
      return true;
    }
    std::this_thread::sleep_for(std::chrono::microseconds(300));
  }
  return false;
}

/// `trials` runs of `command` killed with SIGKILL (even trials at a random moment, odd ones
/// inside a checkpoint write), each checked and then resumed to the end.
void kill_and_resume(const std::string& name, const Command& command, int trials) {
  const fs::path ref_dir = scratch_dir(name + "_reference");
  const auto t0 = std::chrono::steady_clock::now();
  const auto ref = testing::run_fixres(quoted(command.in(ref_dir)));
  const double duration = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  ASSERT_EQ(ref.exit_code, 0) << ref.output;
  const std::string expected = bytes_of(ref_dir / "job" / "checkpoint.pth");
  ASSERT_FALSE(expected.empty());

  std::mt19937 rng(2026);
  int killed = 0, inside_write = 0;
  for (int trial = 0; trial < trials; ++trial) {
    const std::string label = name + " trial " + std::to_string(trial);
    const bool in_write = trial % 2 == 1;
    double moment = std::uniform_real_distribution<double>(0.3, duration)(rng);
    fs::path dir, job_dir;
    // A run that ends before its moment (runs vary in speed under load) is not a trial: it is
    // started again from scratch, killed earlier (twice at most).
    for (int attempt = 0; attempt < 3; ++attempt, moment /= 2) {
      dir = scratch_dir(name + "_trial" + std::to_string(trial));
      job_dir = dir / "job";
      const testing::Child child = testing::spawn(FIXRES_BINARY, command.in(dir), {},
                                                  (dir.parent_path() / (dir.filename().string() + ".log")).string());
      if (kill_during(child, job_dir, in_write ? (trial / 2) % 3 : -1, moment)) {
        ++killed;
        inside_write += in_write && !files_containing(job_dir, ".tmp.").empty();
        break;
      }
    }
    expect_loadable_checkpoints(job_dir, label);
    const auto resumed = testing::run_fixres(quoted(command.in(dir)));
    ASSERT_EQ(resumed.exit_code, 0) << label << ":\n" << resumed.output;
    EXPECT_TRUE(files_containing(job_dir, ".tmp.").empty()) << label << ": a partial file was left behind";
    EXPECT_TRUE(bytes_of(job_dir / "checkpoint.pth") == expected)
        << label << ": the resumed run's final checkpoint differs from the uninterrupted run's\n" << resumed.output;
  }
  EXPECT_GE(killed, trials - 2) << "most trials must be killed mid-run";
  EXPECT_GE(inside_write, trials / 4) << "some kills must land inside a checkpoint write";
}

std::vector<std::string> small_training(int epochs) {
  std::vector<std::string> args = small_run("train", epochs);
  args.insert(args.end(), {"--learning-rate", "0.02"});
  return args;
}

TEST(KillTrialsTest, TrainKilledAnywhereResumesBitForBit) {
  kill_and_resume("kill_train", Command{small_training(3)}, 12);
}

TEST(KillTrialsTest, FinetuneKilledAnywhereResumesBitForBit) {
  const fs::path weights_dir = scratch_dir("kill_finetune_weights");
  const auto trained = testing::run_fixres(quoted(Command{small_training(1)}.in(weights_dir)));
  ASSERT_EQ(trained.exit_code, 0) << trained.output;
  // Batches of 3: batches of 4 would leave a last one of 1 image, refused in training mode.
  std::vector<std::string> args = small_run("finetune", 3, 3);
  args.insert(args.end(), {"--weight-path", (weights_dir / "job" / "checkpoint.pth").string(), "--learning-rate", "0.001"});
  kill_and_resume("kill_finetune", Command{args}, 12);
}

// torch.nn.functional.batch_norm refuses a training batch with one value per channel; without
// the same check the unbiased variance would put NaN into running_var, found only at evaluation.
TEST(KillTrialsTest, BatchOfOneImageInTrainingModeIsRefusedClearly) {
  const fs::path weights_dir = scratch_dir("batch_of_one_weights");
  const auto trained = testing::run_fixres(quoted(Command{small_training(1)}.in(weights_dir)));
  ASSERT_EQ(trained.exit_code, 0) << trained.output;
  std::vector<std::string> args = small_run("finetune", 1, 4);  // 9 images: a last batch of 1
  args.insert(args.end(), {"--weight-path", (weights_dir / "job" / "checkpoint.pth").string(), "--no-cache"});
  const auto out = testing::run_fixres(quoted(args));
  EXPECT_EQ(out.exit_code, 1) << out.output;
  EXPECT_NE(out.output.find("one value per channel (a batch of 1 image at 1x1)"), std::string::npos) << out.output;
  EXPECT_EQ(out.output.find("frame #"), std::string::npos) << out.output;
  EXPECT_EQ(out.output.find("Exception raised from"), std::string::npos) << out.output;
}

/// A tmpfs of `bytes` mounted on a fresh scratch folder for the test's lifetime; mounted() is
/// false (with the reason) where this process may not mount.
class SmallDisk {
 public:
  SmallDisk(const std::string& name, std::size_t bytes) : dir_(scratch_dir(name) / "disk") {
    fs::create_directories(dir_);
    const std::string options = "size=" + std::to_string(bytes);
    if (::mount("tmpfs", dir_.c_str(), "tmpfs", 0, options.c_str()) == 0) {
      mounted_ = true;
    } else {
      reason_ = std::string("cannot mount a tmpfs (needs root or CAP_SYS_ADMIN): ") + std::strerror(errno);
    }
  }
  ~SmallDisk() {
    if (mounted_) ::umount2(dir_.c_str(), MNT_DETACH);
  }
  bool mounted() const { return mounted_; }
  const std::string& reason() const { return reason_; }
  const fs::path& dir() const { return dir_; }

 private:
  fs::path dir_;
  bool mounted_ = false;
  std::string reason_;
};

TEST(DiskFullTest, CheckpointWriteFailsCleanlyAndKeepsThePreviousOne) {
  // One epoch writes checkpoint_N.pth and checkpoint.pth: room for three files, so epoch 2's
  // checkpoint.pth cannot be written beside epoch 1's.
  const fs::path probe = scratch_dir("disk_full_probe");
  const auto one = testing::run_fixres(quoted(Command{small_training(1)}.in(probe)));
  ASSERT_EQ(one.exit_code, 0) << one.output;
  const std::size_t size = fs::file_size(probe / "job" / "checkpoint.pth");
  SmallDisk disk("disk_full_checkpoint", size * 3 + size / 2);
  if (!disk.mounted()) GTEST_SKIP() << disk.reason();
  const auto out = testing::run_fixres(quoted(Command{small_training(3)}.in(disk.dir())));
  EXPECT_EQ(out.exit_code, 1) << out.output;
  const fs::path job_dir = disk.dir() / "job";
  EXPECT_NE(out.output.find((job_dir / "checkpoint").string()), std::string::npos) << out.output;
  EXPECT_NE(out.output.find("No space left on device"), std::string::npos) << out.output;
  EXPECT_EQ(out.output.find("frame #"), std::string::npos) << out.output;
  EXPECT_TRUE(files_containing(job_dir, ".tmp.").empty()) << "a partial file was left behind";
  ASSERT_TRUE(fs::exists(job_dir / "checkpoint.pth"));
  expect_loadable_checkpoints(job_dir, "disk full");
  EXPECT_TRUE(bytes_of(job_dir / "checkpoint.pth") == bytes_of(job_dir / "checkpoint_0.pth"))
      << "checkpoint.pth must still be epoch 1's";
}

TEST(DiskFullTest, NpyWriteFailsCleanly) {
  const fs::path weights_dir = scratch_dir("disk_full_npy_weights");
  const auto trained = testing::run_fixres(quoted(Command{small_training(1)}.in(weights_dir)));
  ASSERT_EQ(trained.exit_code, 0) << trained.output;
  SmallDisk disk("disk_full_npy", 8192);
  if (!disk.mounted()) GTEST_SKIP() << disk.reason();
  const auto out = testing::run_fixres(
      "extract --architecture resnet26_w16 --input-size 32 --weight-path '" +
      (weights_dir / "job" / "checkpoint.pth").string() + "' --dataset-path '" + fixture("images/folder").string() +
      "' --save-path '" + disk.dir().string() + "'");
  EXPECT_EQ(out.exit_code, 1) << out.output;
  EXPECT_NE(out.output.find(disk.dir().string()), std::string::npos) << out.output;
  EXPECT_NE(out.output.find("No space left on device"), std::string::npos) << out.output;
  EXPECT_TRUE(files_containing(disk.dir(), ".tmp.").empty()) << "a partial file was left behind";
  for (const auto& f : files_containing(disk.dir(), ".npy")) {  // whatever is there is whole
    EXPECT_NO_THROW(io::read_npy(f.string())) << f;
  }
}

/// A folder of `per_class` copies of each class's photos, and four damaged files (1%).
fs::path damaged_folder(const std::string& name, int per_class, std::vector<std::string>* bad) {
  const fs::path root = scratch_dir(name);
  const fs::path source = fixture("images/folder");
  for (const auto& cls : fs::directory_iterator(source)) {
    fs::create_directories(root / cls.path().filename());
    std::vector<fs::path> photos;
    for (const auto& p : fs::directory_iterator(cls.path())) photos.push_back(p.path());
    for (int i = 0; i < per_class; ++i) {
      const fs::path& from = photos[static_cast<std::size_t>(i) % photos.size()];
      fs::copy_file(from, root / cls.path().filename() / ("img_" + std::to_string(i) + ".jpg"));
    }
  }
  const std::string truncated = bytes_of(source / "cat" / "cat_0.jpg");
  std::ofstream(root / "cat" / "x_truncated.jpg", std::ios::binary) << truncated.substr(0, truncated.size() / 2);
  std::ofstream(root / "cup" / "x_empty.jpg");
  std::ofstream(root / "vehicle" / "x_text.png") << "not an image at all\n";
  // Unreadable: a permission-less file where permissions bind, a link to nothing for root.
  const fs::path unreadable = root / "vehicle" / "x_unreadable.jpg";
  if (::geteuid() == 0) {
    fs::create_symlink(root / "missing.jpg", unreadable);
  } else {
    fs::copy_file(source / "cup" / "cup_0.jpg", unreadable);
    fs::permissions(unreadable, fs::perms::none);
  }
  *bad = {"cat/x_truncated.jpg", "cup/x_empty.jpg", "vehicle/x_text.png", "vehicle/x_unreadable.jpg"};
  return root;
}

void expect_listed(const nlohmann::json& skipped, const std::vector<std::string>& bad, const std::string& what) {
  ASSERT_EQ(skipped.size(), bad.size()) << what << ": " << skipped.dump(1);
  for (std::size_t i = 0; i < bad.size(); ++i) {
    const std::string path = skipped.at(i).at("path");
    EXPECT_NE(path.find(bad[i]), std::string::npos) << what << ": " << path;
    EXPECT_FALSE(skipped.at(i).at("reason").get<std::string>().empty()) << what;
  }
}

TEST(DamagedDatasetTest, OnePercentDamagedFilesAreSkippedAndListed) {
  std::vector<std::string> bad;
  const fs::path folder = damaged_folder("damaged_dataset", 132, &bad);  // 396 photos + 4 damaged
  const fs::path dir = scratch_dir("damaged_dataset_runs");
  const std::string train_json = (dir / "train.json").string();
  auto train = testing::run_fixres("train --architecture resnet26_w16 --epochs 1 --input-size 32 --batch 20 --learning-rate 0.02 "
                                   "--workers 2 --train-path '" + folder.string() + "' --val-path '" +
                                   folder.string() + "' --save-folder '" + dir.string() +
                                   "' --job-id t --json '" + train_json + "'");
  ASSERT_EQ(train.exit_code, 0) << train.output;
  const nlohmann::json log = nlohmann::json::parse(bytes_of(train_json));
  EXPECT_EQ(log.at("train_images"), 400);
  EXPECT_EQ(log.at("after").at("images"), 396);
  // The training epoch visits the images its repeated-augmentation sampler draws (not all of
  // them): each damaged file it met is listed, with its reason, and nothing else is.
  const auto& train_skipped = log.at("skipped").at("train");
  EXPECT_FALSE(train_skipped.empty());
  for (const auto& s : train_skipped) {
    const std::string path = s.at("path");
    EXPECT_TRUE(std::any_of(bad.begin(), bad.end(), [&](const std::string& b) { return path.find(b) != std::string::npos; }))
        << path;
    EXPECT_FALSE(s.at("reason").get<std::string>().empty());
  }
  EXPECT_EQ(log.at("skipped_images").at("train"), train_skipped.size());
  expect_listed(log.at("skipped").at("val"), bad, "val");

  const std::string eval_json = (dir / "evaluate.json").string();
  auto eval = testing::run_fixres("evaluate --architecture resnet26_w16 --input-size 32 --weight-path '" +
                                  (dir / "t" / "checkpoint.pth").string() + "' --dataset-path '" + folder.string() +
                                  "' --json '" + eval_json + "'");
  ASSERT_EQ(eval.exit_code, 0) << eval.output;
  const nlohmann::json report = nlohmann::json::parse(bytes_of(eval_json));
  EXPECT_EQ(report.at("skipped_images"), 4);
  expect_listed(report.at("skipped"), bad, "evaluate");
}

}  // namespace
}  // namespace fixres::engine
