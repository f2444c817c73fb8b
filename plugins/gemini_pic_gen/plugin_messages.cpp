#include "plugins/gemini_pic_gen/plugin_messages.h"

#include <nlohmann/json.hpp>

#include "bot/core/message_table.h"

namespace picbot::gemini {
namespace {

// The Quotas and Gallery pages of the web console (console/gemini_console.js).
constexpr MessageEntry kConsoleLabels[] = {
    {"gemini.console.page_quotas", "绘图额度", "Quotas"},
    {"gemini.console.page_gallery", "图库", "Gallery"},
    {"gemini.console.quotas", "绘图额度", "Drawing quotas"},
    {"gemini.console.quota_on", "额度限制已启用", "Quotas are on"},
    {"gemini.console.quota_off", "额度限制未启用（仍显示已有记录）",
     "Quotas are off (existing counts are still shown)"},
    {"gemini.console.quota_rules", "默认每人 {limit} 次，每 {minutes} 分钟重置",
     "{limit} per user by default, resetting every {minutes} minutes"},
    {"gemini.console.no_buckets", "还没有任何额度记录。", "No quota buckets yet."},
    {"gemini.console.col_bucket", "对象", "Bucket"},
    {"gemini.console.col_used", "已用 / 上限", "Used / limit"},
    {"gemini.console.col_remaining", "剩余", "Left"},
    {"gemini.console.col_window_start", "窗口开始", "Window start"},
    {"gemini.console.col_resets_at", "重置时间", "Resets at"},
    {"gemini.console.tier_user", "用户单独限额", "User limit"},
    {"gemini.console.tier_group", "群共享额度", "Group pool"},
    {"gemini.console.tier_default", "默认限额", "Default limit"},
    {"gemini.console.tier_unconfigured", "已移除的群配置", "Group no longer configured"},
    {"gemini.console.reset_title", "重置额度", "Reset quotas"},
    {"gemini.console.reset_hint", "与 /reset_images 命令相同：重置后从下一次绘图重新计数。",
     "The same as the /reset_images command: counting starts again with the next drawing."},
    {"gemini.console.scope", "范围", "Scope"},
    {"gemini.console.scope_user", "用户", "User"},
    {"gemini.console.scope_group", "群", "Group"},
    {"gemini.console.id", "QQ 号 / 群号", "User or group id"},
    {"gemini.console.reset", "重置", "Reset"},
    {"gemini.console.reset_all", "全部重置", "Reset all"},
    {"gemini.console.confirm_reset", "确定重置 {scope} 的绘图次数吗？",
     "Reset the drawing count of {scope}?"},
    {"gemini.console.confirm_reset_all", "确定重置所有用户和群的绘图次数吗？",
     "Reset the drawing counts of every user and group?"},
    {"gemini.console.reset_done", "已重置：{scope}", "Reset: {scope}"},
    {"gemini.console.gallery", "最近生成的图片", "Recent images"},
    {"gemini.console.gallery_hint", "图片保存 {minutes} 分钟后自动删除。",
     "Images are deleted {minutes} minutes after they were made."},
    {"gemini.console.no_images", "暂无图片。", "No images."},
    {"gemini.console.by_user", "用户 {user}", "user {user}"},
    {"gemini.console.in_group", "群 {group}", "group {group}"},
    {"gemini.console.private", "私聊", "private chat"},
    {"gemini.console.delete", "删除", "Delete"},
    {"gemini.console.confirm_delete", "确定删除这张图片吗？", "Delete this image?"},
};

}  // namespace

void register_plugin_messages() {
  MessageTable::instance().add({
      // Operator log lines about quotas (in the log language, see log_language.h)
      {"log.quota_store_failed", "额度存储出错：{reason}", "quota store failed: {reason}"},
      {"log.quota_commit_failed", "额度扣除失败：{reason}", "quota commit failed: {reason}"},
      {"log.quota_release_failed", "额度退还失败：{reason}", "quota release failed: {reason}"},
      {"log.quota_reset", "{by} 重置了额度：{scope}", "{by} reset {scope}"},
      {"log.quota_reset_failed", "{by} 未能重置额度 {scope}：{reason}",
       "{by} could not reset {scope}: {reason}"},
      {"log.quota_database_unavailable", "无法打开额度数据库：{reason}；额度限制不生效",
       "cannot open the quota database: {reason}; quotas are NOT enforced"},
      {"log.quota_unit_returned", "上次运行发往 {chat} 的图片没有送达：已退还其额度",
       "the image a previous run was sending to {chat} never arrived: its quota unit is given back"},
      {"log.quota_unit_charged", "上次运行发往 {chat} 的图片已送达：已扣除其额度",
       "the image a previous run was sending to {chat} arrived: its quota unit is charged"},
      {"log.quota_unit_charged_unsure_history",
       "无法判断上次运行发往 {chat} 的图片是否送达（聊天记录不确定）：已扣除其额度",
       "cannot tell whether the image a previous run was sending to {chat} arrived (history inconclusive): "
       "its "
       "quota unit is charged"},
      {"log.quota_unit_charged_unsure_offline",
       "无法判断上次运行发往 {chat} 的图片是否送达（账号未连接）：已扣除其额度",
       "cannot tell whether the image a previous run was sending to {chat} arrived (account not connected): "
       "its "
       "quota unit is charged"},
      // Progress
      {"gemini.generating", "正在生成图片，请稍候…", "Generating your image, please wait…"},
      {"gemini.queued", "前面还有人在画，你排在第 {position} 位，请稍候…",
       "Others are drawing; you are number {position} in the queue…"},
      {"gemini.busy", "你已经有一张图片在生成中了，请等它完成后再试。",
       "You already have an image in progress; please wait for it to finish."},
      {"gemini.remaining", "剩余 {remaining} 次", "{remaining} left"},
      {"gemini.group_remaining", "本群剩余 {remaining} 次", "{remaining} left for this group"},
      // Usage and help
      // /help descriptions and argument names (the usage lines come from the declarations)
      {"gemini.help.draw", "生成图片（--ar 16:9 指定比例；可附带或引用一条带图片的消息作为参考）",
       "generate an image (--ar 16:9 sets the ratio; attach an image, or quote a message with one, as a "
       "reference)"},
      {"gemini.help.quota", "查看剩余绘图次数", "show how many drawings you have left"},
      {"gemini.help.reset_images", "重置某个用户（或所有人）的绘图次数",
       "reset a user's (or everyone's) drawing quota"},
      {"gemini.help.reset_group", "重置一个群的绘图次数", "reset a group's drawing quota"},
      {"gemini.help.banana_model", "查看或切换模型（加 save 写入配置）",
       "show or switch the model (save writes it to the config)"},
      {"gemini.help.banana_provider", "查看或切换绘图服务（排到首位，加 save 写入配置）",
       "show or switch the image provider (moved first; save writes it to the config)"},
      {"gemini.help.banana_baseurl", "查看或切换 API 地址（加 save 写入配置）",
       "show or switch the API base (save writes it to the config)"},
      {"gemini.help.preset", "预设效果（需附带或引用一张图片）",
       "preset (needs an attached or quoted image)"},
      {"arg.prompt", "描述", "description"},
      {"arg.ratio", "比例", "ratio"},
      {"arg.extra", "补充描述", "extra text"},
      {"arg.target", "@用户", "@user"},
      {"arg.group", "群号", "group id"},
      {"arg.name", "模型名", "model"},
      {"arg.url", "地址", "url"},
      {"arg.provider", "服务名", "provider"},
      {"gemini.need_reference", "「{name}」需要一张参考图：请附带图片，或引用一条带图片的消息。",
       "\"{name}\" needs a reference image: attach one, or quote a message that has one."},
      {"gemini.bad_ratio",
       "不支持的画面比例 {ratio}。可选：1:1、2:3、3:2、3:4、4:3、4:5、5:4、9:16、16:9、21:9。",
       "Unsupported aspect ratio {ratio}. Use one of 1:1, 2:3, 3:2, 3:4, 4:3, 4:5, 5:4, 9:16, 16:9, 21:9."},
      // Quotas
      {"gemini.quota.denied", "你的绘图次数已用完（{used}/{limit}），将于 {time} 重置。",
       "You have used all your drawings ({used}/{limit}); they reset at {time}."},
      {"gemini.quota.group_denied", "本群的绘图次数已用完（{used}/{limit}），将于 {time} 重置。",
       "This group has used all its drawings ({used}/{limit}); they reset at {time}."},
      {"gemini.quota.disabled", "这里已关闭绘图功能。", "Drawing is disabled here."},
      {"gemini.quota.unlimited", "你的绘图次数不受限制。", "Your drawings are not limited."},
      {"gemini.quota.off", "当前未启用绘图次数限制。", "Drawing quotas are not enabled."},
      {"gemini.quota.status", "你的剩余绘图次数：{remaining}/{limit}，将于 {time} 重置。",
       "You have {remaining}/{limit} drawings left; they reset at {time}."},
      {"gemini.quota.status_fresh",
       "你的剩余绘图次数：{remaining}/{limit}（从下一次绘图开始计时，{window}后重置）。",
       "You have {remaining}/{limit} drawings left (the window of {window} starts with your next drawing)."},
      {"gemini.quota.group_status", "本群共享的剩余绘图次数：{remaining}/{limit}{reset}。",
       "This group's shared drawings left: {remaining}/{limit}{reset}."},
      {"gemini.quota.reset_suffix", "，将于 {time} 重置", ", resetting at {time}"},
      {"gemini.quota.reset_all", "所有用户和群组的绘图次数已成功重置。",
       "All users' and groups' drawing counts were reset."},
      {"gemini.quota.reset_user", "已重置用户 {user} 的绘图次数。",
       "Drawing count of user {user} was reset."},
      {"gemini.quota.reset_group", "已重置群 {group} 的绘图次数。",
       "Drawing count of group {group} was reset."},
      {"gemini.quota.store_error", "绘图次数记录暂时不可用，请稍后再试。",
       "The drawing quota store is unavailable right now; please try again later."},
      // Failures, one sentence per class
      {"gemini.error.invalid_key", "图片服务的 API 密钥无效或已停用，请联系管理员检查配置。",
       "The image service rejected the API keys; please ask an admin to check them."},
      {"gemini.error.no_keys", "绘图服务 {provider} 还没有配置 API 密钥，请联系管理员。",
       "The image provider {provider} has no API key configured; please ask an admin."},
      {"gemini.error.no_credits", "图片服务的额度已用完，请联系管理员充值。",
       "The image service is out of credits; please ask an admin to top up."},
      {"gemini.error.rate_limited", "图片服务正忙（请求过于频繁），请稍后再试。",
       "The image service is rate-limiting us; please try again in a while."},
      {"gemini.error.bad_request", "图片服务拒绝了这次请求：{detail}",
       "The image service refused the request: {detail}"},
      {"gemini.error.model_not_found", "模型 {model} 不存在或已下线，请管理员用 /banana model 更换。",
       "Model {model} does not exist or was withdrawn; an admin can switch it with /banana model."},
      {"gemini.error.no_endpoint", "模型 {model} 不支持生成图片，请管理员更换模型。",
       "Model {model} cannot generate images; please ask an admin to switch models."},
      {"gemini.error.transient", "图片服务暂时不可用，请稍后再试。",
       "The image service is unavailable right now; please try again later."},
      {"gemini.error.content_filtered", "模型没有生成图片，它说：「{text}」",
       "The model made no image. It said: \"{text}\""},
      {"gemini.error.content_filtered_silent", "模型拒绝生成这张图片，换个描述试试吧。",
       "The model declined to draw that; try describing it differently."},
      {"gemini.error.bad_response", "图片服务返回了无法识别的结果，请稍后再试。",
       "The image service sent back something that is not a usable image; please try again."},
      {"gemini.error.deadline", "生成超时了，请稍后再试。",
       "The image took too long; please try again later."},
      {"gemini.error.cancelled", "生成已取消。", "The generation was cancelled."},
      {"gemini.error.disk", "图片无法保存（磁盘错误），本次不计次数，请联系管理员。",
       "The image could not be saved (disk error); it was not counted. Please tell an admin."},
      {"gemini.error.send_failed", "图片已生成，但发送到群聊失败：{detail}。本次不计次数。",
       "The image was made but could not be sent: {detail}. It was not counted."},
      // /banana
      {"gemini.banana.model", "当前模型：{value}", "Current model: {value}"},
      {"gemini.banana.baseurl", "当前 API 地址：{value}", "Current API base: {value}"},
      {"gemini.banana.switched", "已切换为 {value}（仅本次运行有效，加 save 可写入配置）。",
       "Switched to {value} (until restart; add save to write it to the config)."},
      {"gemini.banana.saved", "已切换为 {value} 并写入配置文件。",
       "Switched to {value} and saved to the config file."},
      {"gemini.banana.save_failed", "切换成功，但写入配置文件失败：{detail}",
       "Switched, but saving the config failed: {detail}"},
      {"gemini.banana.providers", "绘图服务（当前顺序：{chain}）：\n{list}",
       "Image providers (chain in use: {chain}):\n{list}"},
      {"gemini.banana.provider_line", "{mark} {name}（{type}，模型 {model}）{note}",
       "{mark} {name} ({type}, model {model}){note}"},
      {"gemini.banana.provider_first", "首选", "first"},
      {"gemini.banana.provider_backup", "第 {position} 位", "#{position}"},
      {"gemini.banana.provider_unused", "未使用", "not in use"},
      {"gemini.banana.provider_problem", "：不可用，{problem}", ": unavailable, {problem}"},
      {"gemini.banana.provider_switched", "已切换为 {chain}（到下次重新加载配置为止，加 save 可写入配置）。",
       "Now drawing with {chain} (until the next reload; add save to write it to the config)."},
      {"gemini.banana.provider_saved", "已切换为 {chain} 并写入配置文件。",
       "Now drawing with {chain}; saved to the config file."},
      {"gemini.banana.provider_unknown", "没有名为 {name} 的绘图服务。可选：{names}",
       "There is no image provider named {name}. Configured: {names}"},
      {"gemini.banana.provider_unavailable", "绘图服务 {name} 无法使用：{detail}",
       "The image provider {name} cannot be used: {detail}"},
  });
  for (const MessageEntry& label : kConsoleLabels) MessageTable::instance().add({label});
}

nlohmann::json console_labels() {
  nlohmann::json labels{{"zh-CN", nlohmann::json::object()}, {"en", nlohmann::json::object()}};
  for (const MessageEntry& label : kConsoleLabels) {
    const std::string key(label.key);
    labels["zh-CN"][key] = MessageTable::instance().lookup("zh-CN", key);
    labels["en"][key] = MessageTable::instance().lookup("en", key);
  }
  return labels;
}

}  // namespace picbot::gemini
