#include "batch/input_scan.h"

#include <gtest/gtest.h>

#include "batch/batch_messages.h"
#include "tests/fakes/openrouter/fake_images.h"
#include "tests/support/temp_dir.h"

namespace picbot::batch {
namespace {

class InputScanTest : public ::testing::Test {
 protected:
  void SetUp() override { register_batch_messages(); }
  testing::TempDir dir_;
};

TEST_F(InputScanTest, ImagesAreKeptByMagicBytesAndEverythingElseSkippedWithAReason) {
  dir_.write_file("b.png", testing::make_png("b"));
  dir_.write_file("a.jpg", testing::make_jpeg());
  dir_.write_file("c.webp", testing::make_webp());
  dir_.write_file("notes.txt", "hello");
  dir_.write_file("fake.png", "not really a png");
  dir_.write_file("anim.gif", "GIF89a....");
  dir_.write_file("empty.png", "");
  std::filesystem::create_symlink(dir_.path() / "gone.png", dir_.path() / "dangling.png");
  dir_.write_file("sub/d.png", testing::make_png("d"));

  auto scan = scan_input(dir_.path(), false, kMaxInputBytes, "en");
  ASSERT_TRUE(scan.ok());
  std::vector<std::string> names;
  for (const auto& file : scan->images) names.push_back(file.name);
  EXPECT_EQ(names, (std::vector<std::string>{"a.jpg", "b.png", "c.webp"}));
  std::map<std::string, std::string> skipped;
  for (const auto& file : scan->skipped) skipped[file.name] = file.reason;
  EXPECT_EQ(skipped.size(), 5u);
  EXPECT_EQ(skipped["notes.txt"], "not a PNG, JPEG, WEBP or GIF image");
  EXPECT_EQ(skipped["fake.png"], "not a PNG, JPEG, WEBP or GIF image");
  EXPECT_EQ(skipped["anim.gif"], "a GIF: the providers take PNG, JPEG and WEBP");
  EXPECT_EQ(skipped["empty.png"], "empty file");
  EXPECT_NE(skipped["dangling.png"].find("cannot be read"), std::string::npos) << skipped["dangling.png"];
}

TEST_F(InputScanTest, RecursiveScansNameSubfolderStemsUniquely) {
  dir_.write_file("x.png", testing::make_png("1"));
  dir_.write_file("x.jpg", testing::make_jpeg());
  dir_.write_file("sub/y.png", testing::make_png("2"));
  auto scan = scan_input(dir_.path(), true, kMaxInputBytes, "en");
  ASSERT_TRUE(scan.ok());
  std::vector<std::string> stems;
  for (const auto& file : scan->images) stems.push_back(file.stem);
  EXPECT_EQ(stems, (std::vector<std::string>{"sub__y", "x.jpg", "x.png"}));
}

TEST_F(InputScanTest, FilesAboveTheLimitAreSkipped) {
  dir_.write_file("big.png", testing::make_png("big", 4096));
  auto scan = scan_input(dir_.path(), false, 1024, "en");
  ASSERT_TRUE(scan.ok());
  EXPECT_TRUE(scan->images.empty());
  ASSERT_EQ(scan->skipped.size(), 1u);
}

TEST_F(InputScanTest, AMissingFolderIsAnError) {
  auto scan = scan_input(dir_.path() / "nope", false, kMaxInputBytes, "en");
  ASSERT_FALSE(scan.ok());
  EXPECT_EQ(scan.error().code, "bad_input_dir");
}

}  // namespace
}  // namespace picbot::batch
