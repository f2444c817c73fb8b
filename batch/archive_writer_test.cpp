#include "batch/archive_writer.h"

#include <archive.h>
#include <archive_entry.h>
#include <gtest/gtest.h>

#include "tests/support/temp_dir.h"

namespace picbot::batch {
namespace {

// The entry names of an archive, read back with libarchive.
std::vector<std::string> entries(const std::filesystem::path& path) {
  std::vector<std::string> names;
  archive* a = archive_read_new();
  archive_read_support_format_all(a);
  if (archive_read_open_filename(a, path.c_str(), 10240) == ARCHIVE_OK) {
    archive_entry* entry = nullptr;
    while (archive_read_next_header(a, &entry) == ARCHIVE_OK)
      names.emplace_back(archive_entry_pathname(entry));
  }
  archive_read_free(a);
  return names;
}

TEST(ArchiveWriter, ZipAndTarHoldTheThreeFoldersAndNothingElse) {
  testing::TempDir dir;
  dir.write_file("successful/a_result.png", "png");
  dir.write_file("successful/a_result.txt", "text");
  dir.write_file("failed/b_error.log", "log");
  dir.write_file("metadata/processing_stats.json", "{}");
  dir.write_file("metadata/.processing_stats.json.tmp-abc123", "half");
  dir.write_file("unrelated.txt", "no");
  const std::vector<std::string> expected{"failed/b_error.log", "metadata/processing_stats.json",
                                          "successful/a_result.png", "successful/a_result.txt"};
  for (ArchiveFormat format : {ArchiveFormat::kZip, ArchiveFormat::kTar}) {
    ASSERT_TRUE(write_archive(dir.path(), format).ok());
    EXPECT_EQ(entries(archive_path(dir.path(), format)), expected) << archive_format_name(format);
  }
  EXPECT_FALSE(std::filesystem::exists(dir.path() / ".archive.zip.tmp"));
}

}  // namespace
}  // namespace picbot::batch
