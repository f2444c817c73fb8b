// The ledger's operator log lines in the message table (zh-CN and en).
// Idempotent; every user of the ledger calls it at start.
#pragma once

namespace picbot::quota {
void register_quota_messages();
}  // namespace picbot::quota
