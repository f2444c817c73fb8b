#include "bot/app/host_messages.h"

#include "bot/core/message_table.h"

namespace picbot {

void register_host_messages() {
  MessageTable::instance().add({
      {"host.pong", "pong", "pong"},
      {"host.unknown_command", "未知命令 {prefix}{command}，发送 {prefix}help 查看可用命令。",
       "Unknown command {prefix}{command}. Send {prefix}help to see what I can do."},
      {"host.admin_only", "抱歉，该命令仅限管理员使用。", "Sorry, only admins can use that command."},
      {"host.command_failed", "命令执行出错了，请稍后再试。",
       "Something went wrong running that command. Please try again later."},
      {"host.help_header", "可用命令：", "Commands you can use:"},
      // /help lines and usage replies, built from the command declarations
      {"host.help.ping", "检查机器人是否在线", "check that the bot is alive"},
      {"host.help.help", "显示本帮助", "show this help"},
      {"host.help.reload", "重新加载配置文件", "reload the config file"},
      {"host.help.separator", " — ", " — "},
      {"host.help.aliases", "（别名 {aliases}）", " (alias {aliases})"},
      {"host.help.alias_separator", "、", ", "},
      {"host.args.usage", "用法：{usage}", "Usage: {usage}"},
      {"host.args.missing", "缺少参数 <{arg}>。", "Missing <{arg}>."},
      {"host.args.not_integer", "<{arg}> 应为整数，而不是「{given}」。",
       "<{arg}> must be a whole number, not \"{given}\"."},
      {"host.args.not_number", "<{arg}> 应为数字，而不是「{given}」。",
       "<{arg}> must be a number, not \"{given}\"."},
      {"host.args.not_user", "<{arg}> 应为 @某人 或 QQ 号，而不是「{given}」。",
       "<{arg}> must be an @mention or a QQ number, not \"{given}\"."},
      {"host.args.bad_subcommand", "没有子命令「{given}」。", "There is no subcommand \"{given}\"."},
      {"host.args.no_subcommand", "请指定子命令。", "Which subcommand?"},
      {"host.reload_ok", "配置已重新加载。", "Config reloaded."},
      {"host.reload_failed", "配置有误，未加载：{errors}",
       "The config has errors and was not loaded: {errors}"},
      {"host.admin_suffix", "（管理员）", " (admin)"},
      {"host.listen_format", "应为 host:port 格式，实际是 “{value}”", "expected host:port, got \"{value}\""},
      {"host.listen_port", "“{value}” 中的端口无效", "bad port in \"{value}\""},
      {"host.listen_not_ip", "“{host}” 不是 IP 地址", "\"{host}\" is not an IP address"},
      {"host.web_open_without_password",
       "web.listen 是 {listen}（不是本机回环地址），但 web.password 为空，管理后台会对所有人开放：请设置 "
       "web.password（或环境变量 PICBOT_WEB_PASSWORD），或改为监听 127.0.0.1，或设置 web.enabled: false",
       "web.listen is {listen} (not a loopback address) but web.password is empty, so the console would be "
       "open to anyone: set web.password (or PICBOT_WEB_PASSWORD), listen on 127.0.0.1, or set "
       "web.enabled: false"},
      {"cli.usage",
       "用法：picbot [选项]\n"
       "  --config PATH            配置文件（默认 config/picbot.yaml）\n"
       "  --check-config           检查配置（与启动时的检查相同）后退出；有错误时退出码为 2\n"
       "  --print-example-config   输出一份带注释、包含所有键及默认值的示例配置\n"
       "  --lang zh-CN|en          命令输出和运维日志所用的语言（默认 zh-CN；优先于 log_language）\n"
       "  --version                输出版本号后退出\n"
       "  -h, --help               显示本帮助\n"
       "子命令：\n"
       "  batch                    用一个提示词处理整个文件夹的图片（picbot batch --help 查看其选项）\n"
       "示例：picbot --print-example-config > config/picbot.yaml\n",
       "usage: picbot [options]\n"
       "  --config PATH            config file (default config/picbot.yaml)\n"
       "  --check-config           run the checks start runs on the config, then exit (2 on errors)\n"
       "  --print-example-config   print a documented config with every key and its default\n"
       "  --lang zh-CN|en          language of this command's output and of the operator log (default "
       "zh-CN;\n"
       "                           overrides log_language)\n"
       "  --version                print the version and exit\n"
       "  -h, --help               show this help\n"
       "subcommands:\n"
       "  batch                    run one prompt over a folder of images (picbot batch --help lists its "
       "options)\n"
       "example: picbot --print-example-config > config/picbot.yaml\n"},
      {"cli.unknown_argument", "picbot：未知参数 “{argument}”", "picbot: unknown argument '{argument}'"},
      {"cli.missing_value", "picbot：{option} 需要一个值", "picbot: {option} needs a value"},
      {"cli.bad_language", "picbot：--lang 只能是 zh-CN 或 en，实际是 “{value}”",
       "picbot: --lang takes zh-CN or en, got '{value}'"},
      {"cli.bad_value", "picbot：参数有误：{detail}", "picbot: bad argument: {detail}"},
      {"cli.excludes", "picbot：{first} 与 {second} 不能同时使用",
       "picbot: {first} and {second} cannot be used together"},
      {"cli.config_error", "配置错误：{issue}", "config error: {issue}"},
      {"cli.config_warning", "配置警告：{issue}", "config warning: {issue}"},
      {"cli.config_ok", "配置正确：{path}", "config OK: {path}"},
  });
}

}  // namespace picbot
