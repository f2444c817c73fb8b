// BotApi: OneBot actions, whatever carries them. The hub sends them over the
// WebSocket links; the web console's sandbox answers them in-process. Plugins
// and the dispatcher see only this interface.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>

#include "bot/core/result.h"
#include "bot/onebot/api_error.h"

namespace picbot::onebot {

using ApiResult = Result<nlohmann::json, ApiError>;

struct CallOptions {
  // How long to wait for the answer; zero means the carrier's default (the
  // hub's onebot.api_timeout_seconds).
  std::chrono::milliseconds timeout{0};
  // Unset: the call is answered by one frame, the first with its echo,
  // whatever it is marked (NapCat answers every upload_file_stream call with
  // one "stream-action" frame, of data.type "stream" for a chunk).
  // Set: the call is a download stream (download_file_stream and friends):
  // every frame with its echo and data.type other than "response" or "error"
  // is passed here, in order, and the "response" or "error" frame ends it.
  std::function<void(const nlohmann::json&)> on_stream_frame;
};

class BotApi {
 public:
  virtual ~BotApi() = default;

  // Calls `action` on the account self_id (0: any connected account) and
  // returns the response's data, or an ApiError (retcode != 0, timeout,
  // link dropped, no link).
  virtual boost::asio::awaitable<ApiResult> call(std::int64_t self_id, std::string action,
                                                 nlohmann::json params, CallOptions options) = 0;

  boost::asio::awaitable<ApiResult> call(std::int64_t self_id, std::string action, nlohmann::json params) {
    return call(self_id, std::move(action), std::move(params), CallOptions{});
  }

  // Like call(), with params already encoded as the text of a JSON object (the
  // hot path: replies skip building a JSON DOM). The hub writes the text into
  // the request frame as is. REQUIRES: params_json is valid JSON. The default
  // parses it and calls call().
  virtual boost::asio::awaitable<ApiResult> call_encoded(std::int64_t self_id, std::string action,
                                                         std::string params_json, CallOptions options) {
    return call(self_id, std::move(action), nlohmann::json::parse(params_json), std::move(options));
  }

  // Waits until account self_id has a connection (true at once when it has
  // one), or until timeout passes (false). For resending after a reconnect.
  // The default, for carriers without links, answers false at once.
  virtual boost::asio::awaitable<bool> wait_for_account(std::int64_t self_id,
                                                        std::chrono::milliseconds timeout) {
    (void)self_id;
    (void)timeout;
    co_return false;
  }
};

}  // namespace picbot::onebot
