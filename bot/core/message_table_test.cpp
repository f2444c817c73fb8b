#include "bot/core/message_table.h"

#include <gtest/gtest.h>

namespace picbot {
namespace {

TEST(MessageTable, FormatsNamedArgumentsPerLanguage) {
  MessageTable::instance().add({{"test.quota", "剩余 {remaining} 次", "{remaining} left"}});
  EXPECT_EQ(tr("zh-CN", "test.quota", fmt::arg("remaining", 7)), "剩余 7 次");
  EXPECT_EQ(tr("en", "test.quota", fmt::arg("remaining", 7)), "7 left");
}

TEST(MessageTable, FallsBackToChineseThenKey) {
  MessageTable::instance().add({{"test.zh_only", "仅中文", ""}});
  EXPECT_EQ(tr("en", "test.zh_only"), "仅中文");
  EXPECT_EQ(tr("en", "test.missing"), "test.missing");
}

TEST(MessageTable, MismatchedArgumentsReturnPattern) {
  MessageTable::instance().add({{"test.bad", "{missing}", "{missing}"}});
  EXPECT_EQ(tr("zh-CN", "test.bad", fmt::arg("other", 1)), "{missing}");
}

}  // namespace
}  // namespace picbot
