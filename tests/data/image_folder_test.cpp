// ImageFolder with torchvision's semantics, and Fashion-MNIST from Debian's package.

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "data/image_fixtures.h"
#include "fixres/data/fashion_mnist.h"
#include "fixres/data/image_folder.h"

namespace fixres::data {
namespace {

namespace fs = std::filesystem;
using fixres::testing::image_fixture;
using fixres::testing::images_manifest;
using fixres::testing::scratch_dir;

void touch(const fs::path& p, const std::string& content = "x") {
  fs::create_directories(p.parent_path());
  std::ofstream(p) << content;
}

TEST(ImageFolderTest, FixtureFolderMatchesTorchvisionImageFolder) {
  const auto& expected = images_manifest().at("folder");
  const ImageFolder folder(image_fixture("folder"));
  EXPECT_EQ(folder.classes(), expected.at("classes").get<std::vector<std::string>>());
  ASSERT_EQ(folder.size(), static_cast<std::int64_t>(expected.at("samples").size()));
  for (std::int64_t i = 0; i < folder.size(); ++i) {
    const auto& s = expected.at("samples")[static_cast<std::size_t>(i)];
    EXPECT_EQ("folder/" + folder.relative_path(i), s.at("file").get<std::string>());
    EXPECT_EQ(folder.label(i), s.at("label").get<std::int64_t>());
    const Image img = folder.load(i);
    EXPECT_GT(img.height, 0);
  }
  EXPECT_NE(folder.describe().find("3 classes"), std::string::npos);
}

TEST(ImageFolderTest, OrdersAndFiltersLikeTorchvision) {
  const fs::path root = scratch_dir("image_folder_order");
  touch(root / "b" / "Z.JPG");
  touch(root / "b" / "a.jpeg");
  touch(root / "b" / "notes.txt");      // not an image extension
  touch(root / "b" / "sub" / "c.png");  // nested: os.walk includes it
  touch(root / "b" / "sub b" / "d.webp");
  touch(root / "a" / "x.Tiff");
  touch(root / "a" / ".jpg");           // the name is only the extension: still accepted
  touch(root / "README.md");            // files at the top level are not classes
  const ImageFolder folder(root.string());
  EXPECT_EQ(folder.classes(), (std::vector<std::string>{"a", "b"}));
  std::vector<std::string> rel;
  for (std::int64_t i = 0; i < folder.size(); ++i) rel.push_back(folder.relative_path(i));
  // sorted(os.walk()): "b" < "b/sub" < "b/sub b"; files by byte order ("Z" < "a").
  EXPECT_EQ(rel, (std::vector<std::string>{"a/.jpg", "a/x.Tiff", "b/Z.JPG", "b/a.jpeg", "b/sub/c.png", "b/sub b/d.webp"}));
  EXPECT_EQ(folder.label(0), 0);
  EXPECT_EQ(folder.label(5), 1);
  EXPECT_THROW(folder.label(6), std::out_of_range);
  EXPECT_THROW(folder.load(0), ImageError);  // a 1-byte file
}

TEST(ImageFolderTest, EmptyClassesMissingRootAndNoClassesAreClearErrors) {
  const fs::path root = scratch_dir("image_folder_errors");
  touch(root / "cat" / "a.jpg");
  touch(root / "dog" / "readme.txt");
  fs::create_directories(root / "emu");
  try {
    ImageFolder f(root.string());
    ADD_FAILURE() << "no error for empty classes";
  } catch (const DatasetError& e) {
    EXPECT_NE(std::string(e.what()).find("dog, emu"), std::string::npos) << e.what();
  }
  const fs::path flat = scratch_dir("image_folder_flat");
  touch(flat / "a.jpg");
  EXPECT_THROW(ImageFolder(flat.string()), DatasetError);
  EXPECT_THROW(ImageFolder((flat / "missing").string()), DatasetError);
}

TEST(FashionMnistTest, ReadsDebianPackageSplits) {
  const FashionMnist test(false);
  ASSERT_EQ(test.size(), 10000);
  EXPECT_EQ(test.num_classes(), 10);
  EXPECT_EQ(test.classes()[9], "Ankle boot");
  std::vector<int> per_class(10, 0);
  for (std::int64_t i = 0; i < test.size(); ++i) ++per_class[static_cast<std::size_t>(test.label(i))];
  for (int c : per_class) EXPECT_EQ(c, 1000);  // the test split is balanced
  const Image img = test.load(0);
  ASSERT_EQ(img.height, 28);
  ASSERT_EQ(img.width, 28);
  bool nonzero = false;
  for (std::size_t i = 0; i < img.pixels.size(); i += 3) {
    EXPECT_EQ(img.pixels[i], img.pixels[i + 1]);
    EXPECT_EQ(img.pixels[i], img.pixels[i + 2]);
    nonzero |= img.pixels[i] != 0;
  }
  EXPECT_TRUE(nonzero);
  EXPECT_EQ(test.label(0), 9);  // the first test item of Fashion-MNIST is an ankle boot
}

TEST(FashionMnistTest, MissingPackageNamesTheInstallCommand) {
  try {
    FashionMnist missing(true, scratch_dir("no_fashion_mnist").string());
    ADD_FAILURE() << "no error";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("apt-get install dataset-fashion-mnist"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace fixres::data
