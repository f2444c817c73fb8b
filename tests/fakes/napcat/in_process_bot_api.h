// InProcessBotApi: a BotApi answered in-process by the fake NapCat's actions
// (get_msg, send_*_msg, upload_file_stream, ...), for tests that exercise a
// plugin without a WebSocket. Every call is recorded.
#pragma once

#include <vector>

#include "bot/onebot/bot_api.h"
#include "tests/fakes/napcat/napcat_actions.h"

namespace picbot::testing {

class InProcessBotApi : public onebot::BotApi {
 public:
  using BotApi::call;
  boost::asio::awaitable<onebot::ApiResult> call(std::int64_t self_id, std::string action,
                                                 nlohmann::json params, onebot::CallOptions) override {
    ApiCall call{0, std::move(action), std::move(params), nullptr, "", self_id};
    calls.push_back(call);
    ApiReply reply = actions.handle(call);
    if (reply.retcode == kRetcodeOk) co_return std::move(reply.data);
    co_return onebot::ApiError{onebot::ApiError::Kind::kFailed, reply.retcode, reply.message, reply.wording};
  }

  // Every account is connected unless accounts_online is false.
  boost::asio::awaitable<bool> wait_for_account(std::int64_t, std::chrono::milliseconds) override {
    co_return accounts_online;
  }

  NapCatActions actions;
  std::vector<ApiCall> calls;
  bool accounts_online = true;
};

}  // namespace picbot::testing
