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

}  // namespace
}  // namespace picbot
