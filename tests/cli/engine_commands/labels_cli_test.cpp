// Label conventions of evaluate/extract against their Python definitions (tools/fixtures/labels.py):
// ImageNet-V2's numeric folders by value, a subset folder scored on its classes through a class
// map (ImageNet-A/-R), ImageNet-ReaL's real.json; and their bad inputs, refused before any image
// is decoded.
#include <gtest/gtest.h>

#include <map>

#include "engine/inference_fixtures.h"
#include "fixres/data/imagenet_classes.h"

namespace fixres::engine {
namespace {

using namespace fixres::testing;

const nlohmann::json& label_cases() {
  static const nlohmann::json cases = read_json_file(fixture("labels/cases.json"));
  return cases;
}

/// A folder holding `files` (image fixture folder paths) under `layout` (new relative paths).
fs::path make_folder(const std::string& name, const std::vector<std::pair<std::string, std::string>>& files) {
  const fs::path dir = scratch_dir(name) / "data";
  for (const auto& [from, to] : files) {
    fs::create_directories((dir / to).parent_path());
    fs::copy_file(fixture("images/folder/" + from), dir / to);
  }
  return dir;
}

std::string reference_model() {
  return "--architecture ResNet50 --weight-path " + quoted(reference_checkpoint("ResNet50").string()) +
         " --input-size 224 --batch 4 --workers 2";
}

std::string small_model() {
  return "--architecture resnet26_w16 --weight-path " + quoted(small_weights().string()) + " --input-size 64 --batch 4";
}

std::vector<std::int64_t> npy_labels(const fs::path& path) {
  const torch::Tensor t = read_npy_tensor(path);
  return std::vector<std::int64_t>(t.data_ptr<std::int64_t>(), t.data_ptr<std::int64_t>() + t.numel());
}

fs::path numeric_folder(const std::string& name) {
  std::vector<std::pair<std::string, std::string>> files;
  for (const auto& [folder, list] : label_cases()["numeric"]["folders"].items()) {
    for (const auto& f : list) files.emplace_back(f, folder + "/" + fs::path(f.get<std::string>()).filename().string());
  }
  return make_folder(name, files);
}

TEST(LabelsTest, NumericFoldersAreLabelsByValueAsImageNetV2) {
  const fs::path data = numeric_folder("labels_numeric");
  const fs::path out = data.parent_path() / "out";
  auto r = run_fixres("extract " + small_model() + " --dataset-path " + quoted(data.string()) + " --save-path " +
                      quoted(out.string()) + " --json " + quoted((out / "r.json").string()));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(npy_labels(out / "labels.npy"), label_cases()["numeric"]["labels"].get<std::vector<std::int64_t>>());
  EXPECT_NE(read_json_file(out / "r.json")["labels"].get<std::string>().find("numeric"), std::string::npos);
  // --class-order sorted: torchvision's ImageFolder (0, 1, 10, 2 -> 0, 1, 2, 3).
  auto sorted = run_fixres("extract " + small_model() + " --class-order sorted --dataset-path " + quoted(data.string()) +
                           " --save-path " + quoted(out.string()));
  ASSERT_EQ(sorted.exit_code, 0) << sorted.output;
  EXPECT_EQ(npy_labels(out / "labels.npy"), (std::vector<std::int64_t>{0, 1, 1, 2, 3}));
}

TEST(LabelsTest, SubsetFolderThroughAClassMapIsScoredOnItsClasses) {
  const auto& c = label_cases()["subset"];
  const fs::path dir = scratch_dir("labels_subset");
  const std::string map = quoted(fixture("labels/class_map.txt").string());
  auto r = run_fixres("evaluate " + reference_model() + " --dataset-path " + quoted(fixture("images/folder").string()) +
                      " --class-map " + map + " --json " + quoted((dir / "r.json").string()));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const auto j = read_json_file(dir / "r.json");
  EXPECT_EQ(j["images"], c["images"]);
  EXPECT_NEAR(j["top1"].get<double>(), 100.0 * c["top1"].get<double>() / 9.0, 1e-9);
  EXPECT_NEAR(j["top5"].get<double>(), 100.0 * c["top5"].get<double>() / 9.0, 1e-9);
  EXPECT_NE(j["labels"].get<std::string>().find("3 of 1000 classes"), std::string::npos) << j["labels"];
  // extract writes the map's labels and keeps every column.
  auto e = run_fixres("extract " + reference_model() + " --dataset-path " + quoted(fixture("images/folder").string()) +
                      " --class-map " + map + " --save-path " + quoted(dir.string()));
  ASSERT_EQ(e.exit_code, 0) << e.output;
  EXPECT_EQ(npy_labels(dir / "labels.npy"), c["labels"].get<std::vector<std::int64_t>>());
  EXPECT_EQ(read_npy_tensor(dir / "ResNet50_softmax.npy").size(1), 1000);
}

// The same subset as ImageNet-A/-R lay it out: folders named by WordNet id, no class map. The
// photos of cat, cup and vehicle go to the folders of ImageNet-1k classes 281, 968 and 817.
TEST(LabelsTest, WordNetIdFoldersAreAnImagenetSubsetWithoutAClassMap) {
  const auto& c = label_cases()["subset"];
  std::vector<std::pair<std::string, std::string>> files;
  const std::map<std::string, int> label_of = {{"cat", 281}, {"cup", 968}, {"vehicle", 817}};
  for (const auto& [cls, label] : label_of) {
    for (int i = 0; i < 3; ++i) {
      const std::string photo = cls + "/" + cls + "_" + std::to_string(i) + ".jpg";
      files.emplace_back(photo, data::imagenet1k_wnids().at(label) + "/" + cls + "_" + std::to_string(i) + ".jpg");
    }
  }
  const fs::path data = make_folder("labels_wnids", files);
  const fs::path json = data.parent_path() / "r.json";
  auto r = run_fixres("evaluate " + reference_model() + " --dataset-path " + quoted(data.string()) + " --json " +
                      quoted(json.string()));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("labels: ImageNet-1k WordNet ids (3 of 1000 classes: top-k ranks only those)"),
            std::string::npos) << r.output;
  const auto j = read_json_file(json);
  EXPECT_EQ(j["images"], c["images"]);
  EXPECT_NEAR(j["top1"].get<double>(), 100.0 * c["top1"].get<double>() / 9.0, 1e-9);
  EXPECT_NEAR(j["top5"].get<double>(), 100.0 * c["top5"].get<double>() / 9.0, 1e-9);
  auto e = run_fixres("extract " + reference_model() + " --dataset-path " + quoted(data.string()) + " --save-path " +
                      quoted((data.parent_path() / "out").string()));
  ASSERT_EQ(e.exit_code, 0) << e.output;
  EXPECT_EQ(npy_labels(data.parent_path() / "out" / "labels.npy"),
            (std::vector<std::int64_t>{281, 281, 281, 817, 817, 817, 968, 968, 968}));  // folders in id order
}

TEST(LabelsTest, RealLabelsAsTimm) {
  const auto& c = label_cases()["real"];
  std::vector<std::pair<std::string, std::string>> files;
  for (std::size_t i = 0; i < c["files"].size(); ++i) files.emplace_back(c["files"][i], c["renamed"][i]);
  const fs::path data = make_folder("labels_real", files);
  const fs::path json = data.parent_path() / "r.json";
  auto r = run_fixres("evaluate " + reference_model() + " --dataset-path " + quoted(data.string()) + " --real-labels " +
                      quoted(fixture("labels/real.json").string()) + " --json " + quoted(json.string()));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("ReaL:  Top-1"), std::string::npos) << r.output;
  const auto j = read_json_file(json);
  EXPECT_EQ(j["real"]["images"], c["images"]);
  EXPECT_EQ(j["real"]["top1_count"], c["top1"]);
  EXPECT_EQ(j["real"]["top5_count"], c["top5"]);
  EXPECT_EQ(j["images"], 9);
  // extract and sweep count ReaL the same way.
  const fs::path out = data.parent_path() / "extract";
  auto e = run_fixres("extract " + reference_model() + " --dataset-path " + quoted(data.string()) + " --real-labels " +
                      quoted(fixture("labels/real.json").string()) + " --save-path " + quoted(out.string()) +
                      " --json " + quoted((out / "r.json").string()));
  ASSERT_EQ(e.exit_code, 0) << e.output;
  EXPECT_EQ(read_json_file(out / "r.json")["real"]["top1_count"], c["top1"]);
  auto s = run_fixres("sweep --architecture ResNet50 --weight-path " + quoted(reference_checkpoint("ResNet50").string()) +
                      " --sizes 224 --batch 4 --workers 2 --dataset-path " + quoted(data.string()) + " --real-labels " +
                      quoted(fixture("labels/real.json").string()) + " --json " + quoted((out / "s.json").string()));
  ASSERT_EQ(s.exit_code, 0) << s.output;
  const auto cell = read_json_file(out / "s.json")["sizes"][0]["real"];
  EXPECT_EQ(cell["top1_count"], c["top1"]);
  EXPECT_EQ(cell["top5_count"], c["top5"]);
}

TEST(LabelsTest, BadLabelInputsAreRefusedBeforeDecoding) {
  struct Case {
    fs::path folder;
    std::string flags;
    std::string says;
  };
  const fs::path numbered = make_folder("labels_bad_real", {{"cat/cat_0.jpg", "cat/ILSVRC2012_val_00000011.jpg"}});
  const fs::path unnamed = make_folder("labels_bad_name", {{"cat/cat_0.jpg", "cat/photo.jpg"}});
  const fs::path collide = make_folder("labels_collide", {{"cat/cat_0.jpg", "7/a.jpg"}, {"cup/cup_0.jpg", "007/b.jpg"}});
  const fs::path map_dir = scratch_dir("labels_bad_map");
  { std::ofstream(map_dir / "short.txt") << "cat\ncup\n"; }
  { std::ofstream(map_dir / "twice.txt") << "cat\ncup\nvehicle\ncat\n"; }
  const std::string real = " --real-labels " + quoted(fixture("labels/real.json").string());
  for (const Case& c : {Case{numbered, real, "holds 10 images"}, Case{unnamed, real, "photo.jpg"},
                        Case{collide, "", "'007' and '7'"},
                        Case{fixture("images/folder"), " --class-map " + quoted((map_dir / "short.txt").string()),
                             "'vehicle' is not in --class-map"},
                        Case{fixture("images/folder"), " --class-map " + quoted((map_dir / "twice.txt").string()),
                             "names two classes"}}) {
    auto r = run_fixres("evaluate " + small_model() + " --dataset-path " + quoted(c.folder.string()) + c.flags);
    EXPECT_EQ(r.exit_code, 1) << c.flags << ": " << r.output;
    EXPECT_NE(r.output.find(c.says), std::string::npos) << c.flags << ": " << r.output;
    EXPECT_EQ(r.output.find("Top-1"), std::string::npos) << r.output;
  }
}

}  // namespace
}  // namespace fixres::engine
