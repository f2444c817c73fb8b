#include "bot/core/result.h"

#include <gtest/gtest.h>

namespace picbot {
namespace {

TEST(ErrorTest, NamedCodesKeepTheirWireTextAndAnswerTheirPredicate) {
  const Error not_found = Error::not_found("no image abc");
  EXPECT_EQ(not_found.code, "not_found");
  EXPECT_EQ(not_found.message, "no image abc");
  EXPECT_TRUE(not_found.is_not_found());
  EXPECT_FALSE(not_found.is_bad_request());

  EXPECT_EQ(Error::bad_request("x").code, "bad_request");
  EXPECT_TRUE(Error::bad_request("x").is_bad_request());
  EXPECT_EQ(Error::unavailable("x").code, "unavailable");
  EXPECT_TRUE(Error::unavailable("x").is_unavailable());
  EXPECT_EQ(Error::already_exists("x").code, "exists");
  EXPECT_TRUE(Error::already_exists("x").is_already_exists());
  EXPECT_FALSE(Error::already_exists("x").is_not_found());
}

TEST(ErrorTest, AnErrorMadeFromTheSameTextAnswersThePredicateToo) {
  // Errors that crossed a boundary as text (an HTTP answer, a log) compare the same.
  EXPECT_TRUE(Error::make("not_found", "gone").is_not_found());
  EXPECT_FALSE(Error::make("disk", "full").is_not_found());
}

}  // namespace
}  // namespace picbot
