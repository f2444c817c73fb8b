// The shared quota ledger (bot/quota/), under the names this plugin uses.
#pragma once

#include "bot/quota/quota_hold.h"
#include "bot/quota/quota_store.h"
#include "plugins/gemini_pic_gen/quota/quota_policy.h"

namespace picbot::gemini {
using quota::AsyncQuotaStore;
using quota::BucketUsage;
using quota::ImageTaskRecord;
using quota::QuotaHold;
using quota::QuotaStore;
using quota::QuotaStoreOptions;
using quota::RecoveredReservations;
using quota::reservation_ttl_for;
using quota::ReserveOutcome;
using quota::SendingImage;
using quota::UnconfirmedDelivery;
using quota::Usage;
}  // namespace picbot::gemini
