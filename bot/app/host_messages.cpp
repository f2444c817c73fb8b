#include "bot/app/host_messages.h"

#include "bot/core/message_table.h"

namespace picbot {

void register_host_messages() {
  MessageTable::instance().add({
      {"host.pong", "pong", "pong"},
      {"host.unknown_command", "未知命令 {prefix}{command}，发送 {prefix}help 查看可用命令。",
       "Unknown command {prefix}{command}. Send {prefix}help to see what I can do."},
      {"host.admin_only", "抱歉，该命令仅限管理员使用。", "Sorry, only admins can use that command."},
      {"host.command_failed", "命令执行出错了，请稍后再试。", "Something went wrong running that command. Please try again later."},
      {"host.help_header", "可用命令：", "Commands you can use:"},
      {"host.help.ping", "{prefix}ping — 检查机器人是否在线", "{prefix}ping — check that the bot is alive"},
      {"host.help.help", "{prefix}help — 显示本帮助", "{prefix}help — show this help"},
      {"host.help.reload", "{prefix}reload — 重新加载配置文件（管理员）", "{prefix}reload — reload the config file (admin)"},
      {"host.reload_ok", "配置已重新加载。", "Config reloaded."},
      {"host.reload_failed", "配置有误，未加载：{errors}", "The config has errors and was not loaded: {errors}"},
      {"host.admin_suffix", "（管理员）", " (admin)"},
  });
}

}  // namespace picbot
