#include "bot/dispatch/dispatcher.h"

#include <gtest/gtest.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace picbot {
namespace {
namespace asio = boost::asio;
using nlohmann::json;

struct SentCall {
  std::int64_t self_id;
  std::string action;
  json params;
};

class RecordingApi final : public onebot::BotApi {
 public:
  using BotApi::call;
  asio::awaitable<onebot::ApiResult> call(std::int64_t self_id, std::string action, json params,
                                          onebot::CallOptions) override {
    calls.push_back({self_id, action, params});
    co_return json{{"message_id", static_cast<int>(calls.size())}};
  }
  std::string last_text() const {
    if (calls.empty()) return "<none>";
    return onebot::plain_text(onebot::parse_message(calls.back().params["message"]).value());
  }
  std::vector<SentCall> calls;
};

class DispatcherTest : public ::testing::Test {
 protected:
  DispatcherTest() {
    MessageTable::instance().add({{"host.admin_only", "admin only", "admin only"},
                                  {"host.unknown_command", "unknown {command}", "unknown {command}"}});
    settings.command_prefixes = {"/"};
    settings.admins = {1};
    EXPECT_TRUE(registry.add_command(
        "test", Command{"echo", {"回声"}, "", false, [](CommandContext& ctx) -> asio::awaitable<void> {
                          co_await ctx.reply_text("echo:" + ctx.line());
                        }}));
    EXPECT_TRUE(registry.add_command(
        "test", Command{"secret", {}, "", true, [](CommandContext& ctx) -> asio::awaitable<void> {
                          co_await ctx.reply_text("done");
                        }}));
  }

  void send(std::int64_t user, std::int64_t group, onebot::Message message) {
    onebot::MessageEvent e;
    e.self_id = 10001;
    e.user_id = user;
    e.group_id = group;
    e.message_type = group ? "group" : "private";
    e.message = std::move(message);
    dispatcher().on_event(std::move(e));
    io.run_for(std::chrono::seconds(1));
    io.restart();
  }

  Dispatcher& dispatcher() {
    if (!dispatcher_) {
      dispatcher_ = std::make_unique<Dispatcher>(io.get_executor(), api, registry,
                                                 std::make_shared<const BotSettings>(settings));
    }
    return *dispatcher_;
  }

  asio::io_context io;
  RecordingApi api;
  CommandRegistry registry;
  BotSettings settings;
  std::unique_ptr<Dispatcher> dispatcher_;
};

TEST_F(DispatcherTest, RoutesCommandWithArgumentsToTheRightChat) {
  send(5, 777, {onebot::Text{"/echo hello world"}});
  ASSERT_EQ(api.calls.size(), 1u);
  EXPECT_EQ(api.calls[0].action, "send_group_msg");
  EXPECT_EQ(api.calls[0].params["group_id"], 777);
  EXPECT_EQ(api.last_text(), "echo:hello world");
  send(5, 0, {onebot::Text{"/回声 hi"}});
  EXPECT_EQ(api.calls.back().action, "send_private_msg");
  EXPECT_EQ(api.calls.back().params["user_id"], 5);
  EXPECT_EQ(api.last_text(), "echo:hi");
}

TEST_F(DispatcherTest, AdminOnlyCommandRefusesOthers) {
  send(5, 777, {onebot::Text{"/secret"}});
  EXPECT_EQ(api.last_text(), " admin only");  // @sender, then the refusal
  EXPECT_EQ(dispatcher().counters().commands_denied, 1u);
  send(1, 777, {onebot::Text{"/secret"}});
  EXPECT_EQ(api.last_text(), "done");
}

// The host parses a declared command's arguments: the handler gets typed
// values, and a line that does not fit gets the usage built from the
// declaration without the handler running.
TEST_F(DispatcherTest, DeclaredArgumentsAreParsedOrAnsweredWithTheUsage) {
  MessageTable::instance().add({{"host.args.usage", "usage: {usage}", "usage: {usage}"},
                                {"host.args.not_integer", "<{arg}> not an integer: {given}", ""},
                                {"host.args.not_user", "<{arg}> not a user: {given}", ""},
                                {"host.args.missing", "missing <{arg}>", ""},
                                {"host.args.bad_subcommand", "no subcommand {given}", ""},
                                {"host.help.separator", " - ", " - "},
                                {"dispatcher_test.add", "adds", "adds"}});
  int runs = 0;
  ASSERT_TRUE(registry.add_command(
      "test", Command{.declaration = "add <a:integer> [b:integer]",
                      .description = "dispatcher_test.add",
                      .handler = [&](CommandContext& ctx) -> asio::awaitable<void> {
                        ++runs;
                        co_await ctx.reply_text(
                            std::to_string(ctx.args().integer("a") + ctx.args().integer("b", 1)));
                      }}));
  ASSERT_TRUE(registry.add_command(
      "test",
      Command{.declaration = "kick <who:user>", .handler = [&](CommandContext& ctx) -> asio::awaitable<void> {
                co_await ctx.reply_text("kick " + std::to_string(ctx.args().integer("who")));
              }}));
  send(5, 0, {onebot::Text{"/add 2 40"}});
  EXPECT_EQ(api.last_text(), "42");
  send(5, 0, {onebot::Text{"/add 2"}});
  EXPECT_EQ(api.last_text(), "3");
  send(5, 0, {onebot::Text{"/add two"}});
  EXPECT_EQ(api.last_text(), "<a> not an integer: two\nusage: /add <a> [b] - adds");
  send(5, 0, {onebot::Text{"/add 99999999999999999999"}});
  EXPECT_EQ(api.last_text(), "<a> not an integer: 99999999999999999999\nusage: /add <a> [b] - adds");
  send(5, 0, {onebot::Text{"/add"}});
  EXPECT_EQ(api.last_text(), "missing <a>\nusage: /add <a> [b] - adds");
  EXPECT_EQ(runs, 2);

  // A user is an @ segment (not the bot's own) or a QQ number; CQ code typed
  // as text is neither.
  send(5, 777, {onebot::At{"10001", ""}, onebot::Text{" /kick "}, onebot::At{"42", "小明"}});
  EXPECT_EQ(api.last_text(), "kick 42");
  send(5, 0, {onebot::Text{"/kick 43"}});
  EXPECT_EQ(api.last_text(), "kick 43");
  send(5, 0, {onebot::Text{"/kick [CQ:at,qq=42]"}});
  EXPECT_EQ(api.last_text(), "<who> not a user: [CQ:at,qq=42]\nusage: /kick <who>");
}

TEST_F(DispatcherTest, SubcommandsPickTheirVariant) {
  MessageTable::instance().add({{"host.args.usage", "usage: {usage}", "usage: {usage}"},
                                {"host.args.bad_subcommand", "no subcommand {given}", ""},
                                {"host.admin_suffix", " (admin)", " (admin)"},
                                {"host.help.separator", " - ", " - "}});
  for (const char* declaration : {"cfg get <key:string>", "cfg set <key:string> <value:text>"}) {
    ASSERT_TRUE(
        registry.add_command("test", Command{.declaration = declaration,
                                             .admin_only = true,
                                             .handler = [](CommandContext& ctx) -> asio::awaitable<void> {
                                               co_await ctx.reply_text(ctx.args().text("key") + "=" +
                                                                       ctx.args().text("value", "?"));
                                             }}));
  }
  send(1, 0, {onebot::Text{"/cfg get a"}});
  EXPECT_EQ(api.last_text(), "a=?");
  send(1, 0, {onebot::Text{"/cfg set a b c"}});
  EXPECT_EQ(api.last_text(), "a=b c");
  send(1, 0, {onebot::Text{"/cfg drop a"}});
  EXPECT_EQ(api.last_text(),
            "no subcommand drop\nusage: /cfg get <key> (admin)\n/cfg set <key> <value> (admin)");
  send(5, 0, {onebot::Text{"/cfg drop a"}});
  EXPECT_EQ(api.last_text(), "admin only") << "every variant is admin-only";
}

TEST_F(DispatcherTest, DenyAndAllowListsSilenceGroups) {
  settings.group_denylist = {777};
  send(5, 777, {onebot::Text{"/echo x"}});
  EXPECT_TRUE(api.calls.empty());
  settings.group_denylist.clear();
  settings.group_allowlist = {888};
  dispatcher().set_settings(std::make_shared<const BotSettings>(settings));
  send(5, 777, {onebot::Text{"/echo x"}});
  EXPECT_TRUE(api.calls.empty());
  send(5, 888, {onebot::Text{"/echo x"}});
  EXPECT_EQ(api.calls.size(), 1u);
}

// NapCat's handleTempGroupMessage (packages/napcat-onebot/api/msg.ts) sends a
// temp chat as a private message that carries the group it started in.
TEST_F(DispatcherTest, ATempChatIsAnsweredPrivatelyWhateverItsGroupsRules) {
  settings.group_denylist = {777};
  std::vector<std::string> chats;
  dispatcher().set_chat_handler([&](MessageContext& ctx, const Wake& wake) -> asio::awaitable<void> {
    EXPECT_FALSE(ctx.is_group());
    chats.push_back(wake.text);
    co_return;
  });
  auto temp_chat = [&](std::string text) {
    auto event = onebot::parse_event(json{{"post_type", "message"},
                                          {"message_type", "private"},
                                          {"sub_type", "group"},
                                          {"self_id", 10001},
                                          {"user_id", 5},
                                          {"group_id", 777},
                                          {"temp_source", 0},
                                          {"message", text}});
    ASSERT_TRUE(event.ok()) << event.error().message;
    dispatcher().on_event(std::move(*event));
    io.run_for(std::chrono::seconds(1));
    io.restart();
  };
  temp_chat("/echo hi");
  ASSERT_EQ(api.calls.size(), 1u);
  EXPECT_EQ(api.calls[0].action, "send_private_msg");
  EXPECT_EQ(api.calls[0].params["user_id"], 5);
  EXPECT_EQ(api.calls[0].params["group_id"], 777);  // the temp chat's route, not the target
  EXPECT_EQ(api.last_text(), "echo:hi");
  temp_chat("no mention needed");
  EXPECT_EQ(chats, std::vector<std::string>{"no mention needed"});
}

TEST_F(DispatcherTest, UnknownCommandIsQuietUnlessAddressed) {
  send(5, 777, {onebot::Text{"/nosuch"}});
  EXPECT_TRUE(api.calls.empty());
  send(5, 777, {onebot::At{"10001", {}}, onebot::Text{" /nosuch"}});
  ASSERT_EQ(api.calls.size(), 1u);
  EXPECT_NE(api.last_text().find("unknown nosuch"), std::string::npos);
}

TEST_F(DispatcherTest, NonCommandWakeUpGoesToChatHandler) {
  std::vector<std::string> chats;
  dispatcher().set_chat_handler([&](MessageContext&, const Wake& wake) -> asio::awaitable<void> {
    chats.push_back(wake.text);
    co_return;
  });
  send(5, 777, {onebot::Text{"chatter"}});
  send(5, 777, {onebot::At{"10001", {}}, onebot::Text{" 画一只猫"}});
  send(5, 0, {onebot::Text{"私聊"}});
  EXPECT_EQ(chats, (std::vector<std::string>{"画一只猫", "私聊"}));
}

TEST_F(DispatcherTest, DisabledReplyWhenNoChatHandler) {
  settings.disabled_reply = "agent off";
  send(5, 777, {onebot::At{"10001", {}}, onebot::Text{" hi"}});
  EXPECT_EQ(api.last_text(), " agent off");
}

TEST_F(DispatcherTest, SlowHandlerDoesNotDelayOthers) {
  asio::steady_timer gate(io);
  gate.expires_at(asio::steady_timer::time_point::max());
  std::vector<std::string> order;
  ASSERT_TRUE(registry.add_command(
      "test", Command{"slow", {}, "", false, [&](CommandContext&) -> asio::awaitable<void> {
                        co_await gate.async_wait(asio::as_tuple(asio::use_awaitable));
                        order.push_back("slow");
                      }}));
  ASSERT_TRUE(registry.add_command(
      "test", Command{"fast", {}, "", false, [&](CommandContext&) -> asio::awaitable<void> {
                        order.push_back("fast");
                        gate.cancel();
                        co_return;
                      }}));
  onebot::MessageEvent slow;
  slow.self_id = 10001;
  slow.user_id = 5;
  slow.message = {onebot::Text{"/slow"}};
  onebot::MessageEvent fast = slow;
  fast.message = {onebot::Text{"/fast"}};
  dispatcher().on_event(slow);
  dispatcher().on_event(fast);
  io.run_for(std::chrono::seconds(1));
  EXPECT_EQ(order, (std::vector<std::string>{"fast", "slow"}));
}

// Issue 15, defect 7: handlers of an account whose link never answers used to
// hold every slot, so other accounts' commands waited for minutes.
class DispatcherBudgetTest : public DispatcherTest {
 protected:
  DispatcherBudgetTest() {
    gate.expires_at(asio::steady_timer::time_point::max());
    EXPECT_TRUE(registry.add_command(
        "test", Command{"stuck", {}, "", false, [this](CommandContext&) -> asio::awaitable<void> {
                          co_await gate.async_wait(asio::as_tuple(asio::use_awaitable));
                        }}));
    EXPECT_TRUE(registry.add_command(
        "test", Command{"mark", {}, "", false, [this](CommandContext& ctx) -> asio::awaitable<void> {
                          order.push_back(ctx.event().self_id);
                          co_return;
                        }}));
  }

  void start(Dispatcher::Options options) {
    dispatcher_ = std::make_unique<Dispatcher>(io.get_executor(), api, registry,
                                               std::make_shared<const BotSettings>(settings), options);
  }

  void from(std::int64_t self_id, std::string text) {
    onebot::MessageEvent e;
    e.self_id = self_id;
    e.user_id = 5;
    e.message_type = "private";
    e.message = {onebot::Text{std::move(text)}};
    dispatcher().on_event(std::move(e));
  }

  void run_until_idle() {
    io.run_for(std::chrono::milliseconds(200));
    io.restart();
  }

  asio::steady_timer gate{io};
  std::vector<std::int64_t> order;
};

TEST_F(DispatcherBudgetTest, AStuckAccountSlowsOnlyItself) {
  start({.max_in_flight = 8, .max_in_flight_per_account = 4});
  for (int i = 0; i < 50; ++i) from(111, "/stuck");
  from(222, "/mark");
  run_until_idle();
  EXPECT_EQ(order, std::vector<std::int64_t>{222});
  EXPECT_EQ(dispatcher().in_flight(), 4u);
  EXPECT_EQ(dispatcher().backlog(), 46u);
}

TEST_F(DispatcherBudgetTest, AnAccountsBacklogIsCappedWithoutDroppingOthers) {
  start({.max_in_flight = 8,
         .max_in_flight_per_account = 2,
         .max_backlog = 100,
         .max_backlog_per_account = 10});
  for (int i = 0; i < 50; ++i) from(111, "/stuck");
  EXPECT_EQ(dispatcher().backlog(), 10u);
  EXPECT_EQ(dispatcher().counters().events_dropped, 38u);
  from(222, "/mark");
  run_until_idle();
  EXPECT_EQ(order, std::vector<std::int64_t>{222});
}

TEST_F(DispatcherBudgetTest, FreedSlotsGoToWaitingAccountsInTurn) {
  start({.max_in_flight = 2, .max_in_flight_per_account = 2});
  from(111, "/stuck");
  from(111, "/stuck");
  from(111, "/mark");
  from(111, "/mark");
  from(222, "/mark");
  run_until_idle();
  EXPECT_TRUE(order.empty());
  gate.cancel();
  run_until_idle();
  EXPECT_EQ(order, (std::vector<std::int64_t>{111, 222, 111}));
  EXPECT_EQ(dispatcher().in_flight(), 0u);
  EXPECT_EQ(dispatcher().backlog(), 0u);
}

}  // namespace
}  // namespace picbot
