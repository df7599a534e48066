// Folders of ImageNet-1k WordNet ids (ImageNet-A and -R's 200 classes) get their ImageNet-1k
// labels from the shipped data/imagenet1k_wnids.txt, checked against timm's own tables
// (timm/data/_info/imagenet_{a,r}_{synsets,indices}.txt, copied by tools/fixtures/labels.py).
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <string>
#include <vector>

#include "common/paths.h"
#include "fixres/data/class_mapping.h"
#include "fixres/data/image_folder.h"
#include "fixres/data/imagenet_classes.h"

namespace fixres::data {
namespace {

std::vector<std::string> lines(const std::string& relative) {
  std::ifstream in(testing::fixture(relative));
  std::vector<std::string> out;
  for (std::string line; std::getline(in, line);) {
    if (!line.empty()) out.push_back(line);
  }
  return out;
}

LabelOptions evaluation() {
  LabelOptions options;
  options.imagenet_subsets = true;
  return options;
}

void expect_timm_labels(const std::string& set) {
  const auto synsets = lines("labels/timm_imagenet_" + set + "_synsets.txt");
  const auto indices = lines("labels/timm_imagenet_" + set + "_indices.txt");
  ASSERT_EQ(synsets.size(), 200u);
  ASSERT_EQ(indices.size(), 200u);
  std::vector<std::string> folders = synsets;
  std::sort(folders.begin(), folders.end());  // ImageFolder's order
  const ClassMapping m = map_classes("/data/imagenet-" + set, folders, evaluation());
  ASSERT_EQ(m.classes.size(), 1000u);
  ASSERT_EQ(m.folder_labels.size(), 200u);
  for (std::size_t i = 0; i < synsets.size(); ++i) {
    const auto at = std::find(folders.begin(), folders.end(), synsets[i]) - folders.begin();
    EXPECT_EQ(m.folder_labels[static_cast<std::size_t>(at)], std::stoll(indices[i])) << synsets[i];
  }
  std::vector<std::int64_t> expected_subset;
  for (const auto& i : indices) expected_subset.push_back(std::stoll(i));
  std::sort(expected_subset.begin(), expected_subset.end());
  EXPECT_EQ(m.subset, expected_subset);
  EXPECT_NE(m.convention.find("ImageNet-1k WordNet ids (200 of 1000 classes"), std::string::npos) << m.convention;
}

TEST(ImagenetSubsetsTest, ImagenetAFoldersGetTimmsImagenet1kIndices) { expect_timm_labels("a"); }

TEST(ImagenetSubsetsTest, ImagenetRFoldersGetTimmsImagenet1kIndices) { expect_timm_labels("r"); }

TEST(ImagenetSubsetsTest, ShippedTableIsImagenet1kOrder) {
  const auto& wnids = imagenet1k_wnids();
  ASSERT_EQ(wnids.size(), 1000u);
  EXPECT_EQ(wnids.front(), "n01440764");  // tench, class 0
  EXPECT_EQ(imagenet1k_index("n01443537"), 1);  // goldfish
  EXPECT_EQ(imagenet1k_index("n15075141"), 999);  // toilet tissue
  EXPECT_EQ(imagenet1k_index("n00000000"), -1);
}

TEST(ImagenetSubsetsTest, OnlyInEvaluationAndNotWhenSortedIsAsked) {
  const std::vector<std::string> folders = {"n01440764", "n15075141"};
  EXPECT_EQ(map_classes("/d", folders, LabelOptions{}).folder_labels, (std::vector<std::int64_t>{0, 1}));  // training
  LabelOptions sorted = evaluation();
  sorted.order = ClassOrder::Sorted;
  EXPECT_EQ(map_classes("/d", folders, sorted).folder_labels, (std::vector<std::int64_t>{0, 1}));
  EXPECT_EQ(map_classes("/d", folders, evaluation()).folder_labels, (std::vector<std::int64_t>{0, 999}));
  // Not all WordNet ids: folders sorted by name, as torchvision does.
  EXPECT_EQ(map_classes("/d", {"cat", "n01440764"}, evaluation()).folder_labels, (std::vector<std::int64_t>{0, 1}));
}

TEST(ImagenetSubsetsTest, WordNetIdOutsideImagenet1kIsAClearError) {
  try {
    map_classes("/data/subset", {"n01440764", "n09999999"}, evaluation());
    FAIL() << "no error";
  } catch (const DatasetError& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("/data/subset: class folder 'n09999999' is a WordNet id outside ImageNet-1k"), std::string::npos)
        << what;
    EXPECT_NE(what.find("--class-order sorted"), std::string::npos) << what;
  }
}

}  // namespace
}  // namespace fixres::data
