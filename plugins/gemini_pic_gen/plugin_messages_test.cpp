#include "plugins/gemini_pic_gen/plugin_messages.h"

#include <gtest/gtest.h>

#include "bot/core/log_language.h"
#include "plugins/gemini_pic_gen/quota/quota_admin.h"

namespace picbot::gemini {
namespace {

// The quota reset line used to read "admin 1 重置了额度：all quotas": who and
// what were English inside the Chinese line.
TEST(PluginLogLines, AQuotaResetLineIsInOneLanguage) {
  register_plugin_messages();
  auto reset_line = [] {
    return log::text("log.quota_reset", fmt::arg("by", log::text("log.quota_by_admin", fmt::arg("user", 1))),
                     fmt::arg("scope", QuotaScope::all().log_text()));
  };
  log::set_language("zh-CN");
  EXPECT_EQ(reset_line(), "管理员 1 重置了额度：全部额度");
  EXPECT_EQ(QuotaScope::user(42).log_text(), "用户 42");
  EXPECT_EQ(QuotaScope::group(777).log_text(), "群 777");
  EXPECT_EQ(log::text("log.quota_by_console"), "管理后台");
  log::set_language("en");
  EXPECT_EQ(reset_line(), "admin 1 reset all quotas");
  EXPECT_EQ(QuotaScope::group(777).log_text(), "group 777");
  EXPECT_EQ(QuotaScope::group(777).describe(), "group 777") << "the console's answer is unchanged";
  log::set_language("zh-CN");
}

TEST(PluginLogLines, SettingsReloadedSaysOnOrOffInTheLogLanguage) {
  register_plugin_messages();
  auto reloaded = [](bool quotas) {
    return log::text(
        "log.gemini_settings_reloaded", fmt::arg("model", "m"), fmt::arg("keys", 2),
        fmt::arg("quotas", log::text(quotas ? "log.gemini_quotas_on" : "log.gemini_quotas_off")));
  };
  log::set_language("zh-CN");
  EXPECT_EQ(reloaded(true), "设置已重新加载（模型 m，2 个密钥，额度限制开启）");
  log::set_language("en");
  EXPECT_EQ(reloaded(false), "settings reloaded (model m, 2 key(s), quotas off)");
  log::set_language("zh-CN");
}

}  // namespace
}  // namespace picbot::gemini
