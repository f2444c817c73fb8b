#include "bot/config/did_you_mean.h"

#include <gtest/gtest.h>

namespace picbot::config {
namespace {

TEST(EditDistanceTest, CountsInsertionsDeletionsSubstitutionsAndSwaps) {
  EXPECT_EQ(edit_distance("", ""), 0u);
  EXPECT_EQ(edit_distance("abc", ""), 3u);
  EXPECT_EQ(edit_distance("", "abc"), 3u);
  EXPECT_EQ(edit_distance("acess_token", "access_token"), 1u);  // a letter left out
  EXPECT_EQ(edit_distance("access_tokne", "access_token"), 1u);  // two letters swapped
  EXPECT_EQ(edit_distance("pasword", "password"), 1u);
  EXPECT_EQ(edit_distance("listne", "listen"), 1u);
  EXPECT_EQ(edit_distance("kitten", "sitting"), 3u);
}

TEST(ClosestKeyTest, SuggestsTheNearestSiblingOfATypo) {
  const std::vector<std::string> onebot = {"mode", "url", "listen", "path", "access_token", "api_timeout_seconds"};
  EXPECT_EQ(closest_key("acess_token", onebot), "access_token");
  EXPECT_EQ(closest_key("accesstoken", onebot), "access_token");
  EXPECT_EQ(closest_key("Listen", onebot), "listen");
  EXPECT_EQ(closest_key("moed", onebot), "mode");
}

TEST(ClosestKeyTest, StaysQuietWhenNothingIsClose) {
  const std::vector<std::string> web = {"enabled", "listen", "password", "public_base_url", "metrics_token"};
  EXPECT_EQ(closest_key("colour", web), std::nullopt);
  EXPECT_EQ(closest_key("x", web), std::nullopt);
  EXPECT_EQ(closest_key("listen", web), std::nullopt);  // not a typo
  EXPECT_EQ(closest_key("anything", {}), std::nullopt);
}

}  // namespace
}  // namespace picbot::config
