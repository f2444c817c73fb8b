#include "bot/llm/provider_error.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <set>

namespace picbot::llm {
namespace {

using std::chrono::seconds;

Clock::time_point at(int year, unsigned month, unsigned day, int hour, int minute, int second) {
  using namespace std::chrono;
  return sys_days(year_month_day{std::chrono::year(year), std::chrono::month(month), std::chrono::day(day)}) +
         hours(hour) + minutes(minute) + seconds(second);
}

std::string error_body(int code, std::string message, nlohmann::json metadata = nullptr) {
  nlohmann::json error = {{"code", code}, {"message", std::move(message)}};
  if (!metadata.is_null()) error["metadata"] = std::move(metadata);
  return nlohmann::json{{"error", error}}.dump();
}

TEST(ProviderErrorTest, StatusTable) {
  EXPECT_EQ(classify_status(400), FailureClass::kBadRequest);
  EXPECT_EQ(classify_status(401), FailureClass::kInvalidKey);
  EXPECT_EQ(classify_status(402), FailureClass::kNoCredits);
  EXPECT_EQ(classify_status(403), FailureClass::kInvalidKey);
  EXPECT_EQ(classify_status(404), FailureClass::kModelNotFound);
  EXPECT_EQ(classify_status(408), FailureClass::kTransient);
  EXPECT_EQ(classify_status(413), FailureClass::kBadRequest);
  EXPECT_EQ(classify_status(429), FailureClass::kRateLimited);
  EXPECT_EQ(classify_status(500), FailureClass::kTransient);
  EXPECT_EQ(classify_status(502), FailureClass::kTransient);
  EXPECT_EQ(classify_status(503), FailureClass::kTransient);
  EXPECT_EQ(classify_status(302), FailureClass::kBadResponse);
}

TEST(ProviderErrorTest, NotFoundIsSplitByMessage) {
  const auto now = Clock::system().now();
  auto modalities = classify_http_answer(
      404, error_body(404, "No endpoints found that support the requested output modalities: image, text"),
      "", now);
  EXPECT_EQ(modalities.cls, FailureClass::kNoEndpointForModalities);
  auto model =
      classify_http_answer(404, error_body(404, "No endpoints found for google/gone-model."), "", now);
  EXPECT_EQ(model.cls, FailureClass::kModelNotFound);
  EXPECT_EQ(model.http_status, 404);
  EXPECT_NE(model.message.find("google/gone-model"), std::string::npos);
}

TEST(ProviderErrorTest, ModerationIsContentFilteredNotInvalidKey) {
  const auto now = Clock::system().now();
  auto moderated = classify_http_answer(
      403, error_body(403, "Input was flagged", {{"reasons", {"violence"}}, {"flagged_input", "..."}}), "",
      now);
  EXPECT_EQ(moderated.cls, FailureClass::kContentFiltered);
  auto forbidden = classify_http_answer(403, error_body(403, "Key disabled"), "", now);
  EXPECT_EQ(forbidden.cls, FailureClass::kInvalidKey);
}

TEST(ProviderErrorTest, RetryAfterSecondsAndHttpDate) {
  const auto now = at(2015, 10, 21, 7, 27, 30);
  auto seconds_form = classify_http_answer(429, error_body(429, "slow down"), "12", now);
  EXPECT_EQ(seconds_form.cls, FailureClass::kRateLimited);
  EXPECT_EQ(seconds_form.retry_after, seconds(12));
  auto date_form =
      classify_http_answer(429, error_body(429, "slow down"), "Wed, 21 Oct 2015 07:28:00 GMT", now);
  EXPECT_EQ(date_form.retry_after, seconds(30));
  auto missing = classify_http_answer(429, "", "", now);
  EXPECT_FALSE(missing.retry_after);
  EXPECT_EQ(parse_retry_after("Wed, 21 Oct 2015 07:00:00 GMT", now), seconds(0));
  EXPECT_FALSE(parse_retry_after("soon", now));
  EXPECT_FALSE(parse_retry_after("-5", now));
}

TEST(ProviderErrorTest, MessageComesFromBodyAndIsSanitized) {
  const auto now = Clock::system().now();
  auto error = classify_http_answer(
      401, error_body(401, "Invalid key sk-or-v1-0123456789abcdef0123456789abcdef given"), "", now);
  EXPECT_EQ(error.cls, FailureClass::kInvalidKey);
  EXPECT_EQ(error.message.find("0123456789abcdef0123"), std::string::npos);
  EXPECT_NE(error.message.find("Invalid key sk-"), std::string::npos);

  auto plain = classify_http_answer(502, "<html>Bad gateway</html>", "", now);
  EXPECT_EQ(plain.cls, FailureClass::kTransient);
  EXPECT_NE(plain.message.find("Bad gateway"), std::string::npos);

  auto raw =
      classify_http_answer(400, error_body(400, "Provider returned error", {{"raw", "bad image"}}), "", now);
  EXPECT_NE(raw.message.find("bad image"), std::string::npos);
}

TEST(ProviderErrorTest, ErrorInsideSuccessfulBody) {
  auto body = nlohmann::json::parse(error_body(502, "upstream died"));
  auto error = error_in_body(body, 200);
  ASSERT_TRUE(error);
  EXPECT_EQ(error->cls, FailureClass::kTransient);
  EXPECT_EQ(error->http_status, 200);
  EXPECT_EQ(error->message, "upstream died");

  auto credits = error_in_body(nlohmann::json::parse(error_body(402, "no credits")), 200);
  EXPECT_EQ(credits->cls, FailureClass::kNoCredits);
  auto string_code =
      error_in_body(nlohmann::json{{"error", {{"code", "server_error"}, {"message", "x"}}}}, 200);
  EXPECT_EQ(string_code->cls, FailureClass::kTransient);
  EXPECT_FALSE(error_in_body(nlohmann::json{{"choices", nlohmann::json::array()}}, 200));
  EXPECT_FALSE(error_in_body(nlohmann::json{{"error", nullptr}}, 200));
}

TEST(ProviderErrorTest, TransportErrors) {
  using Kind = net::HttpError::Kind;
  EXPECT_EQ(classify_transport_error({Kind::kTimeout, "t"}).cls, FailureClass::kTransient);
  EXPECT_EQ(classify_transport_error({Kind::kConnectFailed, "c"}).cls, FailureClass::kTransient);
  EXPECT_EQ(classify_transport_error({Kind::kConnectionReset, "r"}).cls, FailureClass::kTransient);
  EXPECT_EQ(classify_transport_error({Kind::kResolveFailed, "d"}).cls, FailureClass::kTransient);
  EXPECT_EQ(classify_transport_error({Kind::kTooLarge, "l"}).cls, FailureClass::kBadResponse);
  EXPECT_EQ(classify_transport_error({Kind::kBadUrl, "u"}).cls, FailureClass::kBadRequest);
  EXPECT_EQ(classify_transport_error({Kind::kCancelled, ""}).cls, FailureClass::kCancelled);
}

TEST(ProviderErrorTest, SanitizeCutsOnCharacterBoundaries) {
  const std::string chinese = "图片生成失败图片生成失败";  // 12 characters, 3 bytes each
  EXPECT_EQ(sanitize_message(chinese, 4), "图片生成…");
  EXPECT_EQ(sanitize_message("  a \n\n b  ", 10), "a b");
  EXPECT_EQ(sanitize_message("short", 10), "short");
}

TEST(ProviderErrorTest, ClassNamesAreDistinct) {
  std::set<std::string_view> names;
  for (int i = 0; i <= static_cast<int>(FailureClass::kDeadline); ++i) {
    names.insert(failure_class_name(static_cast<FailureClass>(i)));
  }
  EXPECT_EQ(names.size(), static_cast<std::size_t>(FailureClass::kDeadline) + 1);
  EXPECT_EQ(failure_class_name(FailureClass::kRateLimited), "rate_limited");
}

}  // namespace
}  // namespace picbot::llm
