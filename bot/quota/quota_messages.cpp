#include "bot/quota/quota_messages.h"

#include "bot/core/message_table.h"

namespace picbot::quota {

void register_quota_messages() {
  MessageTable::instance().add({
      {"log.quota_store_failed", "额度存储出错：{reason}", "quota store failed: {reason}"},
      {"log.quota_commit_failed", "额度扣除失败：{reason}", "quota commit failed: {reason}"},
      {"log.quota_release_failed", "额度退还失败：{reason}", "quota release failed: {reason}"},
      {"log.quota_ledger_postgres", "额度账本：PostgreSQL {url}（实例 {instance}），与同库的其他实例共用",
       "quota ledger: PostgreSQL {url} (instance {instance}), shared with every instance on it"},
  });
}

}  // namespace picbot::quota
