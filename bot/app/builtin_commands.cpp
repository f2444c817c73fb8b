#include "bot/app/builtin_commands.h"

namespace picbot {
namespace asio = boost::asio;

Status register_builtin_commands(CommandRegistry& registry, std::function<Status()> reload) {
  Status s =
      registry.add_command("core", Command{.name = "ping",
                                           .aliases = {},
                                           .usage = "host.help.ping",
                                           .admin_only = false,
                                           .handler = [](CommandContext& ctx) -> asio::awaitable<void> {
                                             co_await ctx.reply_text(ctx.tr("host.pong"));
                                           }});
  if (!s) return s;

  s = registry.add_command("core",
                           Command{.name = "help",
                                   .aliases = {"帮助"},
                                   .usage = "host.help.help",
                                   .admin_only = false,
                                   .handler = [&registry](CommandContext& ctx) -> asio::awaitable<void> {
                                     const std::string prefix = ctx.settings().display_prefix();
                                     std::string text = ctx.tr("host.help_header");
                                     for (const auto& entry : registry.commands()) {
                                       if (entry.command.admin_only && !ctx.is_admin()) continue;
                                       if (entry.command.listed && !entry.command.listed()) continue;
                                       text += "\n" + ctx.tr(entry.command.usage, fmt::arg("prefix", prefix));
                                     }
                                     co_await ctx.reply_text(std::move(text));
                                   }});
  if (!s) return s;

  return registry.add_command(
      "core", Command{.name = "reload",
                      .aliases = {"重载"},
                      .usage = "host.help.reload",
                      .admin_only = true,
                      .handler = [reload = std::move(reload)](CommandContext& ctx) -> asio::awaitable<void> {
                        const Status result = reload();
                        std::string text = ctx.tr("host.reload_ok");
                        if (!result)
                          text = ctx.tr("host.reload_failed", fmt::arg("errors", result.error().message));
                        co_await ctx.reply_text(std::move(text));
                      }});
}

}  // namespace picbot
