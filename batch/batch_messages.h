// The batch runner's text (zh-CN first, en): its usage, option errors,
// progress lines, the dry run's listing and skip reasons.
#pragma once

namespace picbot::batch {

// Adds the "batch.*" keys to the message table. Idempotent.
void register_batch_messages();

}  // namespace picbot::batch
