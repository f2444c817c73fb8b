#include "bot/app/builtin_commands.h"

namespace picbot {
namespace asio = boost::asio;

Status register_builtin_commands(CommandRegistry& registry, std::function<Status()> reload) {
  std::vector<Command> commands;
  commands.push_back(Command{.declaration = "ping",
                             .description = "host.help.ping",
                             .handler = [](CommandContext& ctx) -> asio::awaitable<void> {
                               co_await ctx.reply_text(ctx.tr("host.pong"));
                             }});
  commands.push_back(Command{.declaration = "help",
                             .aliases = {"帮助"},
                             .description = "host.help.help",
                             .handler = [&registry](CommandContext& ctx) -> asio::awaitable<void> {
                               const std::string prefix = ctx.settings().display_prefix();
                               std::string text = ctx.tr("host.help_header");
                               for (const auto& entry : registry.commands()) {
                                 if (entry->command.admin_only && !ctx.is_admin()) continue;
                                 if (entry->command.listed && !entry->command.listed()) continue;
                                 text += "\n" + help_line(*entry, ctx.language(), prefix);
                               }
                               co_await ctx.reply_text(std::move(text));
                             }});
  commands.push_back(
      Command{.declaration = "reload",
              .aliases = {"重载"},
              .description = "host.help.reload",
              .admin_only = true,
              .handler = [reload = std::move(reload)](CommandContext& ctx) -> asio::awaitable<void> {
                const Status result = reload();
                std::string text = ctx.tr("host.reload_ok");
                if (!result) text = ctx.tr("host.reload_failed", fmt::arg("errors", result.error().message));
                co_await ctx.reply_text(std::move(text));
              }});
  for (auto& command : commands) {
    if (Status s = registry.add_command("core", std::move(command)); !s) return s;
  }
  return {};
}

}  // namespace picbot
