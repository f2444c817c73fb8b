#include "bot/agent/tool_arguments.h"

#include <gtest/gtest.h>

namespace picbot::agent {
namespace {
using nlohmann::json;

TEST(ToolArgumentsTest, ValidAndEmpty) {
  EXPECT_EQ(*parse_tool_arguments(R"({"a":1})"), (json{{"a", 1}}));
  EXPECT_EQ(*parse_tool_arguments(""), json::object());
  EXPECT_EQ(*parse_tool_arguments("  "), json::object());
}

TEST(ToolArgumentsTest, OneRepairFixesCommonMistakes) {
  EXPECT_EQ(*parse_tool_arguments("```json\n{\"image_description\": \"a cat\",}\n```"),
            (json{{"image_description", "a cat"}}));
  EXPECT_EQ(*parse_tool_arguments("Here you go: {\"a\": [1, 2,], \"b\": \"x,}\"}"),
            (json{{"a", {1, 2}}, {"b", "x,}"}}));
  EXPECT_EQ(*parse_tool_arguments("```{\"a\":1}```"), (json{{"a", 1}}));
}

TEST(ToolArgumentsTest, UnrepairableIsAnError) {
  auto bad = parse_tool_arguments("{image_description: a cat");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, "bad_arguments");
  EXPECT_NE(bad.error().message.find("not valid JSON"), std::string::npos);
  auto array = parse_tool_arguments("[1,2]");
  ASSERT_FALSE(array);
  EXPECT_NE(array.error().message.find("JSON object"), std::string::npos);
}

}  // namespace
}  // namespace picbot::agent
