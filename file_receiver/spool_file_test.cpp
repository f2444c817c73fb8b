#include "file_receiver/spool_file.h"

#include <gtest/gtest.h>

#include "file_receiver/test_support.h"

namespace picbot::filesend {
namespace {

using test::list_dir;

TEST(SpoolFileTest, CommitRenamesAtomicallyWithoutReplacing) {
  test::ScopedTempDir dir;
  auto spool = SpoolFile::create(dir.path(), 1);
  ASSERT_TRUE(spool.ok()) << spool.error().message;
  ASSERT_TRUE(spool->write("hello ").ok());
  ASSERT_TRUE(spool->write("world").ok());
  auto committed = spool->commit("final.txt");
  ASSERT_TRUE(committed.ok()) << committed.error().message;
  EXPECT_EQ(*committed, dir.path() / "final.txt");
  EXPECT_EQ(test::read_file(*committed), "hello world");
  EXPECT_EQ(list_dir(dir.path()), std::vector<std::string>{"final.txt"});

  auto second = SpoolFile::create(dir.path(), 2);
  ASSERT_TRUE(second.ok());
  auto clash = second->commit("final.txt");
  ASSERT_FALSE(clash.ok());
  EXPECT_EQ(clash.error().code, "exists");
  EXPECT_EQ(test::read_file(dir.path() / "final.txt"), "hello world");
  EXPECT_TRUE(second->commit("other.txt").ok());
}

TEST(SpoolFileTest, DestructorDiscardsUncommittedFile) {
  test::ScopedTempDir dir;
  {
    auto spool = SpoolFile::create(dir.path(), 3);
    ASSERT_TRUE(spool.ok());
    ASSERT_TRUE(spool->write("partial").ok());
    EXPECT_EQ(list_dir(dir.path()).size(), 1u);
  }
  EXPECT_TRUE(list_dir(dir.path()).empty());
}

TEST(SpoolFileTest, CreateFailsOnMissingDirectory) {
  test::ScopedTempDir dir;
  auto spool = SpoolFile::create(dir.path() / "missing", 4);
  ASSERT_FALSE(spool.ok());
  EXPECT_EQ(spool.error().code, "disk");
}

}  // namespace
}  // namespace picbot::filesend
