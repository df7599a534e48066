// Writing checkpoints: zip .pth files that our reader and Python's torch.load read back exactly,
// the seed's training-checkpoint layout, safetensors, atomic replacement.

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "common/paths.h"
#include "common/run_command.h"
#include "fixres/io/checkpoint.h"
#include "fixres/io/io_error.h"
#include "fixres/io/safetensors.h"
#include "fixres/io/training_checkpoint.h"
#include "fixres/io/zip_reader.h"
#include "io/checkpoint_expectations.h"

namespace fixres::io {
namespace {

using testing::fixture;

class CheckpointWriterTest : public ::testing::Test {
 protected:
  std::filesystem::path dir_ = testing::scratch_dir("checkpoint_writer");
  std::string out(const std::string& name) const { return (dir_ / name).string(); }
  static std::string python_check(const std::string& args) {
    const auto result = testing::run_command(testing::python() + " " + FIXRES_SOURCE_DIR +
                                             "/tests/io/checkpoint_python_check.py " + args);
    return result.exit_code == 0 ? "OK" : result.output;
  }
};

TEST_F(CheckpointWriterTest, RoundTripsEveryFixtureThroughOurReader) {
  for (const auto& name : testing::expected_files()) {
    if (name.find(".pkl") != std::string::npos) continue;
    const Value original = read_checkpoint(fixture("checkpoints/" + name)).root;
    write_checkpoint(out("copy.pth"), original);
    const Checkpoint copy = read_checkpoint(out("copy.pth"));
    EXPECT_EQ(copy.format, CheckpointFormat::ZipPth);
    const auto diffs = testing::differences(testing::expected_values(name), testing::flatten(copy.root));
    EXPECT_TRUE(diffs.empty()) << name << ": " << diffs.size() << " differences, first: " << diffs.front();
  }
  const Value views = read_checkpoint(out("copy.pth")).root;  // last written: views_zip.pth
  EXPECT_EQ(views.as_dict().find("base")->as_tensor().storage.get(), views.as_dict().find("slice")->as_tensor().storage.get());
}

TEST_F(CheckpointWriterTest, PythonTorchLoadReadsWhatWeWrite) {
  std::string checks;
  for (const char* name : {"seed_legacy.pth", "views_legacy.pth", "dtypes_legacy.pth", "values_zip.pth",
                           "legacy_storage_view.pth", "dtypes.safetensors"}) {
    const std::string reference = fixture(std::string("checkpoints/") + name).string();
    write_checkpoint(out(name), read_checkpoint(reference).root);
    if (std::string(name).find("safetensors") == std::string::npos) checks += " compare:" + out(name) + ":" + reference;
  }
  EXPECT_EQ(python_check(checks), "OK");
}

TEST_F(CheckpointWriterTest, TrainingCheckpointMatchesTheSeedLayout) {
  const TrainingCheckpoint c = read_training_checkpoint(fixture("checkpoints/seed_legacy.pth"));
  EXPECT_EQ(c.epoch, 2);
  EXPECT_DOUBLE_EQ(c.accuracy, 0.4375);
  ASSERT_EQ(c.model.size(), 8u);
  EXPECT_EQ(c.model[0].first, "conv1.weight");
  ASSERT_EQ(c.optimizer.momentum_buffers.size(), 4u);  // conv1 is frozen: no buffer for parameter 0
  EXPECT_EQ(c.optimizer.momentum_buffers.front().first, 1);
  EXPECT_EQ(c.optimizer.momentum_buffers.back().second.shape, (std::vector<std::int64_t>{5}));
  ASSERT_EQ(c.optimizer.param_groups.size(), 1u);
  EXPECT_EQ(c.optimizer.param_groups[0].params, (std::vector<std::int64_t>{0, 1, 2, 3, 4}));
  EXPECT_DOUBLE_EQ(c.optimizer.param_groups[0].hyper.momentum(), 0.9);
  EXPECT_DOUBLE_EQ(*c.optimizer.param_groups[0].initial_lr, 0.1);
  EXPECT_EQ(c.lr_scheduler.step_size, 30);
  EXPECT_EQ(c.lr_scheduler.last_epoch, 2);
  EXPECT_EQ(c.lr_scheduler.step_count, 3);

  write_training_checkpoint(out("resume.pth"), c);
  EXPECT_EQ(python_check("resume:" + out("resume.pth") + " weights:" + out("resume.pth") + ":" +
                         fixture("checkpoints/seed_zip.pth").string()),
            "OK");
  const TrainingCheckpoint again = read_training_checkpoint(out("resume.pth"));
  EXPECT_EQ(again.model.size(), 8u);
  EXPECT_TRUE(same_values(again.optimizer.momentum_buffers[2].second, c.optimizer.momentum_buffers[2].second));
}

TEST_F(CheckpointWriterTest, TrainingCheckpointNamesMissingFields) {
  try {
    read_training_checkpoint(fixture("checkpoints/bare_state_dict_zip.pth"));
    FAIL() << "expected an error";
  } catch (const IoError& e) {
    EXPECT_NE(std::string(e.what()).find("missing checkpoint['epoch']"), std::string::npos) << e.what();
  }
}

TEST_F(CheckpointWriterTest, WritesAtomically) {
  const std::string target = out("keep.pth");
  write_checkpoint(target, Value(std::int64_t{7}));
  Value bad = Value::list({Value(1), Value::global("os.system")});
  EXPECT_THROW(write_checkpoint(target, bad), std::invalid_argument);
  EXPECT_EQ(read_checkpoint(target).root.as_int(), 7);  // old content intact
  std::size_t files = 0;
  for ([[maybe_unused]] const auto& entry : std::filesystem::directory_iterator(dir_)) ++files;
  EXPECT_EQ(files, 1u);  // no temporary left behind
  EXPECT_THROW(write_checkpoint(out("no/such/dir/x.pth"), Value(1)), IoError);
}

TEST_F(CheckpointWriterTest, ManyEntriesUseZip64Records) {
  Value list = Value::list();
  for (int i = 0; i < 70000; ++i) list.append(Value(make_tensor(DType::Int32, {}, {1, 2, 3, 4})));
  write_checkpoint(out("many.pth"), list);
  const Value back = read_checkpoint(out("many.pth")).root;
  ASSERT_EQ(back.items().size(), 70000u);
  EXPECT_EQ(*reinterpret_cast<const std::int32_t*>(back.items()[69999].as_tensor().first_element()), 0x04030201);
  const auto result = testing::run_command(testing::python() + " -c \"import zipfile,sys; z=zipfile.ZipFile('" +
                                           out("many.pth") + "'); sys.exit(0 if len(z.infolist())==70002 else 1)\"");
  EXPECT_EQ(result.exit_code, 0) << result.output;
}

TEST_F(CheckpointWriterTest, SafetensorsRoundTripWithViewsAndMetadata) {
  const Value views = read_checkpoint(fixture("checkpoints/views_zip.pth")).root;
  StateDict tensors;
  for (const auto& [k, v] : views.as_dict().items) tensors.emplace_back(k.as_string(), v.as_tensor());
  write_safetensors(out("views.safetensors"), tensors, {{"format", "pt"}});
  const SafetensorsFile back = read_safetensors(out("views.safetensors"));
  ASSERT_EQ(back.tensors.size(), tensors.size());
  for (std::size_t i = 0; i < tensors.size(); ++i) {
    EXPECT_EQ(back.tensors[i].first, tensors[i].first);
    EXPECT_TRUE(same_values(back.tensors[i].second, tensors[i].second)) << tensors[i].first;
    EXPECT_TRUE(back.tensors[i].second.is_contiguous());
  }
  EXPECT_EQ(back.metadata, (std::vector<std::pair<std::string, std::string>>{{"format", "pt"}}));
  EXPECT_THROW(write_safetensors(out("dup.safetensors"), {tensors[0], tensors[0]}), std::invalid_argument);
  // Our writer's output also parses as the fixture's own (Python-written) layout.
  const auto file = read_checkpoint(out("views.safetensors"));
  EXPECT_EQ(file.format, CheckpointFormat::Safetensors);
}

}  // namespace
}  // namespace fixres::io
