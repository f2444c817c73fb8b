#include "bot/plugin/command_registry.h"

#include <gtest/gtest.h>

namespace picbot {
namespace {

namespace asio = boost::asio;

Command command(std::string declaration, std::vector<std::string> aliases = {}) {
  return Command{.declaration = std::move(declaration),
                 .aliases = std::move(aliases),
                 .description = {},
                 .handler = [](CommandContext&) -> asio::awaitable<void> { co_return; },
                 .listed = {}};
}

TEST(CommandRegistry, ABadDeclarationIsARegistrationErrorNamingIt) {
  CommandRegistry registry;
  Status s = registry.add_command("p", command("draw <prompt:text"));
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code, "bad_command");
  EXPECT_NE(s.error().message.find("draw <prompt:text"), std::string::npos) << s.error().message;
  EXPECT_TRUE(registry.commands().empty());
}

TEST(CommandRegistry, NamesAliasesAndSubcommandsAreUnique) {
  CommandRegistry registry;
  ASSERT_TRUE(registry.add_command("p", command("draw <prompt:text>", {"画图"})));
  EXPECT_FALSE(registry.add_command("q", command("draw")));
  EXPECT_FALSE(registry.add_command("q", command("paint", {"画图"})));
  EXPECT_FALSE(registry.add_command("q", command("画图")));
  ASSERT_TRUE(registry.add_command("p", command("banana model [name:string]")));
  ASSERT_TRUE(registry.add_command("p", command("banana baseurl [url:string]")));
  EXPECT_FALSE(registry.add_command("p", command("banana model")));
  EXPECT_FALSE(registry.add_command("q", command("banana key")));
  EXPECT_EQ(registry.find_variants("banana").size(), 2u);
  EXPECT_EQ(registry.find_variants("画图").size(), 1u);
  EXPECT_TRUE(registry.find_variants("nothing").empty());
}

TEST(CommandRegistry, AnOwnerTakesBackWhatItRegistered) {
  CommandRegistry registry;
  ASSERT_TRUE(registry.add_command("p", command("a", {"alias-a"})));
  ASSERT_TRUE(registry.add_command("p", command("b x")));
  ASSERT_TRUE(registry.add_command("p", command("b y")));
  ASSERT_TRUE(registry.add_command("q", command("c")));
  // A running handler keeps its entry.
  const CommandRegistry::EntryPtr running = registry.find_variants("a").front();

  EXPECT_EQ(registry.remove_command("q", "a"), 0u) << "not q's";
  EXPECT_EQ(registry.remove_command("p", "alias-a"), 0u) << "a name, not an alias";
  EXPECT_EQ(registry.remove_command("p", "a"), 1u);
  EXPECT_TRUE(registry.find_variants("a").empty());
  EXPECT_TRUE(registry.find_variants("alias-a").empty());
  EXPECT_EQ(running->spec.name, "a");
  ASSERT_TRUE(registry.add_command("q", command("a"))) << "the name is free again";

  EXPECT_EQ(registry.remove_commands_of("p"), 2u);
  EXPECT_TRUE(registry.find_variants("b").empty());
  EXPECT_EQ(registry.commands().size(), 2u);
}

TEST(CommandRegistry, RemoveAllOfTakesToolsAndHooksTooAndARunningOneKeepsItsEntry) {
  CommandRegistry registry;
  ASSERT_TRUE(registry.add_command("p", command("a")));
  ASSERT_TRUE(
      registry.add_tool("p", Tool{.name = "p-tool", .description = "d", .parameters = {}, .handler = {}}));
  ASSERT_TRUE(
      registry.add_tool("q", Tool{.name = "q-tool", .description = "d", .parameters = {}, .handler = {}}));
  EXPECT_FALSE(
      registry.add_tool("q", Tool{.name = "p-tool", .description = "", .parameters = {}, .handler = {}}));
  registry.add_hook("p", MessageHook{.name = "h", .handler = {}});
  registry.add_hook("q", MessageHook{.name = "h", .handler = {}});

  // What a message or a tool call in flight holds.
  const auto walking = registry.hooks();
  const auto running_tool = registry.find_tool("p-tool");

  EXPECT_EQ(registry.remove_all_of("p"), 3u);
  EXPECT_EQ(registry.find_tool("p-tool"), nullptr);
  ASSERT_EQ(registry.tools().size(), 1u);
  EXPECT_EQ(registry.tools().front()->name, "q-tool");
  ASSERT_EQ(registry.hooks()->size(), 1u);
  EXPECT_EQ(registry.hooks()->front()->name, "q/h");
  EXPECT_TRUE(registry.commands().empty());

  ASSERT_EQ(walking->size(), 2u) << "a snapshot taken before the removal is unchanged";
  EXPECT_EQ((*walking)[0]->name, "p/h");
  EXPECT_EQ(running_tool->name, "p-tool");
  EXPECT_TRUE(
      registry.add_tool("r", Tool{.name = "p-tool", .description = "", .parameters = {}, .handler = {}}))
      << "the name is free again";
}

}  // namespace
}  // namespace picbot
