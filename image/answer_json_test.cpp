#include "image/answer_json.h"

#include <gtest/gtest.h>

#include <string>

#include "bot/core/json_limits.h"

namespace picbot::image {
namespace {

TEST(ParseAnswerJson, GivesTheValueParseJsonGives) {
  const std::string body =
      R"({"created":1713833628,"data":[{"b64_json":"iVBORw0KGgo=","revised_prompt":"a \"cat\" \u00e9"}],)"
      R"("n":-3,"ratio":0.5,"big":18446744073709551615,"ok":true,"none":null,"dup":1,"dup":2})";
  auto fast = parse_answer_json(body);
  auto reference = parse_json(body);
  ASSERT_TRUE(fast.ok()) << fast.error().to_string();
  ASSERT_TRUE(reference.ok());
  EXPECT_EQ(*fast, *reference);
  EXPECT_EQ((*fast)["created"].type(), nlohmann::json::value_t::number_unsigned);
}

TEST(ParseAnswerJson, RefusesWhatParseJsonRefuses) {
  for (const std::string& body : {std::string("{\"a\":"), std::string("{} trailing"),
                                  std::string("{\"a\":1}\0x", 9), std::string("\"\x01\"")}) {
    auto parsed = parse_answer_json(body);
    ASSERT_FALSE(parsed.ok()) << body;
    EXPECT_EQ(parsed.error().code, "not_json") << body;
    EXPECT_FALSE(parse_json(body).ok()) << body;
  }
}

TEST(ParseAnswerJson, RefusesNestingDeeperThanTheLimit) {
  const std::string deep = std::string(kMaxJsonDepth + 1, '[') + std::string(kMaxJsonDepth + 1, ']');
  auto parsed = parse_answer_json(deep);
  ASSERT_FALSE(parsed.ok());
  EXPECT_TRUE(is_json_too_deep(parsed.error()));
  const std::string fits = std::string(kMaxJsonDepth, '[') + std::string(kMaxJsonDepth, ']');
  EXPECT_TRUE(parse_answer_json(fits).ok());
}

}  // namespace
}  // namespace picbot::image
