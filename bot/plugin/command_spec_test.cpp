#include "bot/plugin/command_spec.h"

#include <gtest/gtest.h>

#include "bot/core/message_table.h"

namespace picbot {
namespace {

CommandSpec declare(std::string_view declaration) {
  auto spec = parse_declaration(declaration);
  EXPECT_TRUE(spec) << declaration << ": " << (spec ? "" : spec.error().message);
  return spec ? *spec : CommandSpec{};
}

std::string declaration_error(std::string_view declaration) {
  auto spec = parse_declaration(declaration);
  EXPECT_FALSE(spec) << declaration << " was accepted";
  if (spec) return {};
  EXPECT_EQ(spec.error().code, "bad_command");
  return spec.error().message;
}

TEST(CommandDeclaration, ReadsNameArgumentsKeywordsAndOptions) {
  const CommandSpec draw = declare("draw <prompt:text> --ar <ratio:string>");
  EXPECT_EQ(draw.name, "draw");
  EXPECT_TRUE(draw.subcommand.empty());
  ASSERT_EQ(draw.positionals.size(), 1u);
  EXPECT_EQ(draw.positionals[0].name, "prompt");
  EXPECT_EQ(draw.positionals[0].type, ArgType::kText);
  EXPECT_TRUE(draw.positionals[0].required);
  ASSERT_EQ(draw.options.size(), 1u);
  EXPECT_EQ(draw.options[0].name, "ar");
  EXPECT_EQ(draw.options[0].value.name, "ratio");

  const CommandSpec banana = declare("banana model [name:string] [save]");
  EXPECT_EQ(banana.subcommand, std::vector<std::string>{"model"});
  ASSERT_EQ(banana.positionals.size(), 1u);
  EXPECT_FALSE(banana.positionals[0].required);
  EXPECT_EQ(banana.keywords, std::vector<std::string>{"save"});

  const CommandSpec group = declare("reset_images group|群 <group:integer>");
  EXPECT_EQ(group.subcommand, (std::vector<std::string>{"group", "群"}));
  EXPECT_EQ(group.positionals[0].type, ArgType::kInteger);

  EXPECT_EQ(declare("手办化 [extra:text]").name, "手办化");
  EXPECT_EQ(declare("roll <n:integer> [weight:number] [who:user]").positionals.size(), 3u);
}

TEST(CommandDeclaration, RejectsMalformedDeclarationsNamingThem) {
  EXPECT_NE(declaration_error("draw <prompt:text").find("draw <prompt:text"), std::string::npos);
  declaration_error("");
  declaration_error("   ");
  declaration_error("<prompt:text>");
  declaration_error("draw prompt:text>");
  declaration_error("draw <prompt:text]");
  declaration_error("draw [prompt:text>");
  declaration_error("draw <<prompt:text>>");
  declaration_error("draw [[save]]");
  declaration_error("draw <prompt>");
  declaration_error("draw <prompt:blob>");
  declaration_error("draw <:text>");
  declaration_error("draw <prompt:text> <more:string>");  // text is the last positional
  declaration_error("draw [a:string] <b:string>");        // required after optional
  declaration_error("draw <a:string> [a:integer]");       // twice
  declaration_error("draw <prompt:text> [save]");         // keyword with text
  declaration_error("draw --ar");
  declaration_error("draw --ar <ratio:text>");
  declaration_error("draw --ar [ratio:string]");
  declaration_error("draw model| <a:string>");
  declaration_error("draw <a:string> model");  // a subcommand only right after the name
  declaration_error("dr\naw");
  declaration_error("-draw");
  EXPECT_NE(declaration_error(std::string(100'000, '[')).size(), 0u);
}

TEST(CommandArguments, TextTakesTheRestOfTheLine) {
  const CommandSpec draw = declare("draw <prompt:text> --ar <ratio:string>");
  auto args = parse_arguments(draw, "一只 戴墨镜的  橘猫");
  ASSERT_TRUE(args);
  EXPECT_EQ(args->text("prompt"), "一只 戴墨镜的  橘猫");
  EXPECT_FALSE(args->has("ar"));

  auto missing = parse_arguments(draw, "   ");
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().kind, ArgError::kMissing);
  EXPECT_EQ(missing.error().arg, "prompt");

  const std::string huge(1'000'000, 'x');
  auto long_text = parse_arguments(draw, huge + " --ar 1:1");
  ASSERT_TRUE(long_text);
  EXPECT_EQ(long_text->text("prompt"), huge);
  EXPECT_EQ(long_text->text("ar"), "1:1");
}

// As the regex /draw used: the first "--ar" at the start of a word, with
// "=" or spaces before its value; the text around it joined by a space.
TEST(CommandArguments, AnOptionIsTakenFromAnywhereInTheLine) {
  const CommandSpec draw = declare("draw <prompt:text> --ar <ratio:string>");
  auto middle = parse_arguments(draw, "a cat --ar 16:9 on a mat");
  ASSERT_TRUE(middle);
  EXPECT_EQ(middle->text("prompt"), "a cat  on a mat");
  EXPECT_EQ(middle->text("ar"), "16:9");
  auto equals = parse_arguments(draw, "--ar=3:4 cat");
  ASSERT_TRUE(equals);
  EXPECT_EQ(equals->text("prompt"), "cat");
  EXPECT_EQ(equals->text("ar"), "3:4");
  auto other_word = parse_arguments(draw, "x--ar 1:1 --arx 2:2");
  ASSERT_TRUE(other_word);
  EXPECT_EQ(other_word->text("prompt"), "x--ar 1:1 --arx 2:2");
  auto no_value = parse_arguments(draw, "cat --ar");
  ASSERT_FALSE(no_value);
  EXPECT_EQ(no_value.error().kind, ArgError::kMissing);
  EXPECT_EQ(no_value.error().arg, "ar");
  auto only_option = parse_arguments(draw, "--ar 1:1");
  ASSERT_FALSE(only_option);
  EXPECT_EQ(only_option.error().arg, "prompt");
}

TEST(CommandArguments, IntegersAndNumbersAreCheckedWhole) {
  const CommandSpec spec = declare("roll <n:integer> [w:number]");
  auto ok = parse_arguments(spec, "+42 2.5");
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->integer("n"), 42);
  EXPECT_DOUBLE_EQ(ok->number("w"), 2.5);
  EXPECT_FALSE(parse_arguments(spec, "-7")->has("w"));
  EXPECT_EQ(parse_arguments(spec, "-7")->integer("n"), -7);
  for (const char* bad : {"abc", "12abc", "1.5", "", "+", "99999999999999999999999", "0x10", "٣"}) {
    auto args = parse_arguments(spec, bad);
    ASSERT_FALSE(args) << bad;
    EXPECT_EQ(args.error().kind, *bad ? ArgError::kNotInteger : ArgError::kMissing) << bad;
  }
  EXPECT_EQ(parse_arguments(spec, "9223372036854775807")->integer("n"), 9223372036854775807LL);
  for (const char* bad : {"1 nan", "1 inf", "1 1e999", "1 2,5", "1 x"}) {
    auto args = parse_arguments(spec, bad);
    ASSERT_FALSE(args) << bad;
    EXPECT_EQ(args.error().kind, ArgError::kNotNumber) << bad;
  }
}

TEST(CommandArguments, AUserIsAMentionOrAQQNumber) {
  const CommandSpec spec = declare("reset_images [target:user]");
  EXPECT_FALSE(parse_arguments(spec, "")->has("target"));
  EXPECT_EQ(parse_arguments(spec, "12345")->integer("target"), 12345);

  const std::vector<Mention> mentions{{"42", "@小明 同学"}};
  auto by_mention = parse_arguments(spec, "@小明 同学", mentions);
  ASSERT_TRUE(by_mention);
  EXPECT_EQ(by_mention->integer("target"), 42);

  // Text that only looks like a mention is not one.
  for (const char* bad : {"@42", "[CQ:at,qq=42]", "&#91;CQ:at,qq=42&#93;", "0", "-5", "小明"}) {
    auto args = parse_arguments(spec, bad);
    ASSERT_FALSE(args) << bad;
    EXPECT_EQ(args.error().kind, ArgError::kNotUser) << bad;
  }
  // "@全体成员" names no user.
  const std::vector<Mention> everyone{{"all", "@全体成员"}};
  auto all = parse_arguments(spec, "@全体成员", everyone);
  ASSERT_FALSE(all);
  EXPECT_EQ(all.error().kind, ArgError::kNotUser);

  // Mentions are matched in order, skipping those used as words before.
  const CommandSpec two = declare("swap <a:user> <b:user>");
  const std::vector<Mention> pair{{"1", "@1"}, {"2", "@bob"}};
  auto both = parse_arguments(two, "@1 @bob", pair);
  ASSERT_TRUE(both);
  EXPECT_EQ(both->integer("a"), 1);
  EXPECT_EQ(both->integer("b"), 2);
  auto number_then_mention = parse_arguments(two, "7 @bob", pair);
  ASSERT_TRUE(number_then_mention);
  EXPECT_EQ(number_then_mention->integer("a"), 7);
  EXPECT_EQ(number_then_mention->integer("b"), 2);
}

TEST(CommandArguments, SubcommandsAndKeywords) {
  const CommandSpec model = declare("banana model [name:string] [save]");
  EXPECT_TRUE(matches_subcommand(model, "model x"));
  EXPECT_FALSE(matches_subcommand(model, "models x"));
  EXPECT_FALSE(matches_subcommand(model, ""));
  auto show = parse_arguments(model, "model");
  ASSERT_TRUE(show);
  EXPECT_FALSE(show->has("name"));
  EXPECT_FALSE(show->flag("save"));
  auto save_only = parse_arguments(model, "model save");  // not a model named "save"
  ASSERT_TRUE(save_only);
  EXPECT_FALSE(save_only->has("name"));
  EXPECT_TRUE(save_only->flag("save"));
  auto either_order = parse_arguments(model, "model save vendor/m extra words");
  ASSERT_TRUE(either_order);
  EXPECT_EQ(either_order->text("name"), "vendor/m");
  EXPECT_TRUE(either_order->flag("save"));
  auto wrong = parse_arguments(model, "baseurl x");
  ASSERT_FALSE(wrong);
  EXPECT_EQ(wrong.error().kind, ArgError::kBadSubcommand);
  EXPECT_EQ(wrong.error().given, "baseurl");

  const CommandSpec group = declare("reset_images group|群 <group:integer>");
  EXPECT_TRUE(matches_subcommand(group, "群 123"));
  EXPECT_EQ(parse_arguments(group, "群 123")->integer("group"), 123);
  EXPECT_EQ(parse_arguments(group, "group").error().kind, ArgError::kMissing);
}

TEST(CommandArguments, TheOffendingWordIsQuotedShort) {
  const CommandSpec spec = declare("roll <n:integer>");
  auto args = parse_arguments(spec, std::string(300, 'x'));
  ASSERT_FALSE(args);
  EXPECT_LE(args.error().given.size(), 40u + std::string("…").size());
  auto chinese = parse_arguments(spec, "一二三四五六七八九十一二三四五六七八九十");
  ASSERT_FALSE(chinese);
  EXPECT_TRUE(chinese.error().given.ends_with("…"));
}

TEST(CommandUsage, ShowsArgumentsByTheirMessageTableNames) {
  MessageTable::instance().add({{"arg.spec_test_prompt", "描述", "description"}});
  const CommandSpec draw = declare("draw <spec_test_prompt:text> --ar <ratio:string>");
  EXPECT_EQ(render_usage(draw, "zh-CN", "/"), "/draw <描述> [--ar <ratio>]");
  EXPECT_EQ(render_usage(draw, "en", "/"), "/draw <description> [--ar <ratio>]");
  EXPECT_EQ(render_usage(declare("banana model [name:string] [save]"), "en", "#"),
            "#banana model [name] [save]");
  EXPECT_EQ(render_usage(declare("reset_images group|群 <g:integer>"), "en", "/"), "/reset_images group <g>");
}

}  // namespace
}  // namespace picbot
