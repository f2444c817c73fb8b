#include "bot/core/random_bytes.h"

#include <gtest/gtest.h>

#include <array>
#include <set>
#include <string>
#include <vector>

namespace picbot {
namespace {

TEST(RandomBytes, SmallRequestsNeverRepeatAcrossTheBufferRefill) {
  // 16-byte echoes: 600 of them span three 4 KiB refills.
  std::set<std::string> seen;
  for (int i = 0; i < 600; ++i) {
    std::array<unsigned char, 16> bytes{};
    ASSERT_TRUE(random_bytes(bytes));
    EXPECT_TRUE(seen.emplace(bytes.begin(), bytes.end()).second) << "repeated at " << i;
  }
}

TEST(RandomBytes, LargeRequestsAreFilledWhole) {
  std::vector<unsigned char> big(10'000, 0);
  ASSERT_TRUE(random_bytes(big));
  // 10,000 random bytes with no non-zero byte in the last 1,000 would mean the
  // tail was never written.
  std::size_t nonzero = 0;
  for (std::size_t i = big.size() - 1000; i < big.size(); ++i) nonzero += big[i] != 0;
  EXPECT_GT(nonzero, 900u);
}

TEST(RandomBytes, AnEmptyRequestSucceeds) { EXPECT_TRUE(random_bytes({})); }

}  // namespace
}  // namespace picbot
