#include "bot/core/text_diff.h"

#include <gtest/gtest.h>

namespace picbot {
namespace {

TEST(UnifiedDiff, EqualTextsGiveNothing) { EXPECT_EQ(unified_diff("a\nb\n", "a\nb\n", "x.yaml"), ""); }

TEST(UnifiedDiff, OneChangedLineComesWithThreeLinesOfContext) {
  const std::string before = "1\n2\n3\n4\n5\n6\n7\n8\n9\n";
  const std::string after = "1\n2\n3\n4\nfive\n6\n7\n8\n9\n";
  EXPECT_EQ(unified_diff(before, after, "picbot.yaml"),
            "--- a/picbot.yaml\n+++ b/picbot.yaml\n@@ -2,7 +2,7 @@\n 2\n 3\n 4\n-5\n+five\n 6\n 7\n 8\n");
}

TEST(UnifiedDiff, DistantChangesMakeSeparateHunksAndInsertionsCountRight) {
  std::string before;
  for (int i = 1; i <= 20; ++i) before += std::to_string(i) + "\n";
  std::string after = before;
  after.replace(0, 2, "one\n");
  after += "21\n";
  EXPECT_EQ(
      unified_diff(before, after, "f"),
      "--- a/f\n+++ b/f\n@@ -1,4 +1,4 @@\n-1\n+one\n 2\n 3\n 4\n@@ -18,3 +18,4 @@\n 18\n 19\n 20\n+21\n");
}

TEST(UnifiedDiff, AnEmptySideStartsAtZero) {
  EXPECT_EQ(unified_diff("", "a\n", "f"), "--- a/f\n+++ b/f\n@@ -0,0 +1,1 @@\n+a\n");
}

}  // namespace
}  // namespace picbot
