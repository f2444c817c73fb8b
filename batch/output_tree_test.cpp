#include "batch/output_tree.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "tests/support/temp_dir.h"

namespace picbot::batch {
namespace {

std::string read(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

TEST(OutputTree, ResultsErrorLogsAndMetadataLandWhereTheBatchProcessorPutsThem) {
  testing::TempDir dir;
  const OutputTree tree(dir.path() / "output");
  ASSERT_TRUE(tree.prepare().ok());
  ASSERT_TRUE(tree.write_error_log("a", "try 1 · network").ok());
  EXPECT_EQ(tree.finished_stems().size(), 0u);
  image::GeneratedImage image{"PNGBYTES", "image/png", "png", ""};
  ASSERT_TRUE(tree.write_result("a", image, "prompt: anime\n").ok());
  EXPECT_EQ(read(dir.path() / "output/successful/a_result.png"), "PNGBYTES");
  EXPECT_EQ(read(dir.path() / "output/successful/a_result.txt"), "prompt: anime\n");
  EXPECT_FALSE(std::filesystem::exists(dir.path() / "output/failed/a_error.log"));
  EXPECT_EQ(tree.finished_stems(), (std::set<std::string>{"a"}));

  ASSERT_TRUE(tree.write_metadata("processing_stats.json", {{"successful", 1}}).ok());
  EXPECT_EQ(nlohmann::json::parse(read(dir.path() / "output/metadata/processing_stats.json"))["successful"],
            1);
  for (const auto& entry : std::filesystem::directory_iterator(dir.path() / "output/metadata")) {
    EXPECT_FALSE(entry.path().filename().string().starts_with(".")) << entry.path();
  }
}

TEST(OutputTree, AnImageWithoutItsTextIsNotFinished) {
  testing::TempDir dir;
  const OutputTree tree(dir.path());
  ASSERT_TRUE(tree.prepare().ok());
  dir.write_file("successful/b_result.png", "half");
  EXPECT_TRUE(tree.finished_stems().empty());
}

}  // namespace
}  // namespace picbot::batch
