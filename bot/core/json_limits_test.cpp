#include "bot/core/json_limits.h"

#include <gtest/gtest.h>

#include <string>

namespace picbot {
namespace {

std::string nested_arrays(std::size_t depth, std::string_view inner = "1") {
  return std::string(depth, '[') + std::string(inner) + std::string(depth, ']');
}

std::string nested_objects(std::size_t depth) {
  std::string text;
  for (std::size_t i = 0; i < depth; ++i) text += "{\"a\":";
  text += "null";
  text += std::string(depth, '}');
  return text;
}

TEST(ParseJson, AcceptsNestingUpToTheLimit) {
  auto parsed = parse_json(nested_arrays(kMaxJsonDepth));
  ASSERT_TRUE(parsed) << parsed.error().to_string();
  EXPECT_TRUE(parsed->is_array());
  EXPECT_TRUE(parse_json(nested_objects(kMaxJsonDepth)));
}

TEST(ParseJson, RefusesOneLevelPastTheLimit) {
  auto arrays = parse_json(nested_arrays(kMaxJsonDepth + 1));
  ASSERT_FALSE(arrays);
  EXPECT_TRUE(is_json_too_deep(arrays.error()));
  EXPECT_NE(arrays.error().message.find("64"), std::string::npos);
  auto objects = parse_json(nested_objects(kMaxJsonDepth + 1));
  ASSERT_FALSE(objects);
  EXPECT_TRUE(is_json_too_deep(objects.error()));
}

TEST(ParseJson, RefusesAHundredThousandLevelsWithoutRecursing) {
  // Inside a field, as an attacker would send it; the text is valid JSON.
  const std::string text = "{\"post_type\":\"message\",\"x\":" + nested_arrays(100'000) + "}";
  auto parsed = parse_json(text);
  ASSERT_FALSE(parsed);
  EXPECT_TRUE(is_json_too_deep(parsed.error()));
  auto objects = parse_json(nested_objects(100'000));
  ASSERT_FALSE(objects);
  EXPECT_TRUE(is_json_too_deep(objects.error()));
}

TEST(ParseJson, ADeepButBrokenTextIsRefusedAsTooDeep) {
  // Unclosed: the parser stops at the end of the input, having passed the limit.
  auto parsed = parse_json(std::string(100'000, '['));
  ASSERT_FALSE(parsed);
  EXPECT_TRUE(is_json_too_deep(parsed.error()));
}

TEST(ParseJson, ReportsWhereTheTextWentWrong) {
  auto parsed = parse_json("{\"a\":");
  ASSERT_FALSE(parsed);
  EXPECT_EQ(parsed.error().code, "not_json");
  EXPECT_NE(parsed.error().message.find("syntax error"), std::string::npos) << parsed.error().message;
  EXPECT_EQ(parsed.error().message.find("[json.exception"), std::string::npos);
}

TEST(ParseJson, RefusesANulByteAndTrailingText) {
  EXPECT_FALSE(parse_json(std::string("{\"a\":1}\0garbage", 15)));
  EXPECT_FALSE(parse_json("{\"a\":1} 2"));
}

TEST(ParseJson, ParsesScalarsAndKeepsValues) {
  auto parsed = parse_json(R"({"a":[1,"two",{"b":null}],"c":true})");
  ASSERT_TRUE(parsed);
  EXPECT_EQ((*parsed)["a"][1], "two");
  EXPECT_TRUE((*parsed)["a"][2]["b"].is_null());
  EXPECT_EQ(*parse_json("3"), 3);
}

TEST(BoundedJsonOptions, UseTheSameLimit) { EXPECT_EQ(bounded_json_options().max_depth, kMaxJsonDepth); }

}  // namespace
}  // namespace picbot
