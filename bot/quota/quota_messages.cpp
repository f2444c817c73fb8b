#include "bot/quota/quota_messages.h"

#include "bot/core/message_table.h"

namespace picbot::quota {

void register_quota_messages() {
  MessageTable::instance().add({
      {"log.quota_store_failed", "额度存储出错：{reason}", "quota store failed: {reason}"},
      {"log.quota_commit_failed", "额度扣除失败：{reason}", "quota commit failed: {reason}"},
      {"log.quota_release_failed", "额度退还失败：{reason}", "quota release failed: {reason}"},
  });
}

}  // namespace picbot::quota
