// MeteredApi: a BotApi that forwards everything to another one (the hub) and
// counts it in Metrics: picbot_onebot_api_calls_total{action,result},
// picbot_onebot_api_seconds{action} and, for send_*_msg that succeeded,
// picbot_messages_out_total. The series of each action's successful calls are
// resolved once (handles), so a call builds no label vectors.
// Thread-safety: as the wrapped api (the hub: the io_context thread).
#pragma once

#include <atomic>
#include <string>
#include <unordered_map>

#include "bot/core/metrics.h"
#include "bot/onebot/bot_api.h"

namespace picbot {

class MeteredApi final : public onebot::BotApi {
 public:
  MeteredApi(onebot::BotApi& inner, Metrics& metrics) : inner_(inner), metrics_(metrics) {}

  using BotApi::call;
  boost::asio::awaitable<onebot::ApiResult> call(std::int64_t self_id, std::string action,
                                                 nlohmann::json params, onebot::CallOptions options) override;
  boost::asio::awaitable<onebot::ApiResult> call_encoded(std::int64_t self_id, std::string action,
                                                         std::string params_json,
                                                         onebot::CallOptions options) override;
  boost::asio::awaitable<bool> wait_for_account(std::int64_t self_id,
                                                std::chrono::milliseconds timeout) override {
    return inner_.wait_for_account(self_id, timeout);
  }

  // Messages sent successfully (send_msg, send_group_msg, send_private_msg).
  std::uint64_t messages_out() const { return messages_out_; }

 private:
  struct ActionSeries {
    Metrics::Counter ok;
    Metrics::Histogram seconds;
  };
  struct StringHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view text) const { return std::hash<std::string_view>{}(text); }
  };

  void record(const std::string& action, const onebot::ApiResult& result, double seconds);
  ActionSeries& series_of(const std::string& action);

  onebot::BotApi& inner_;
  Metrics& metrics_;
  std::unordered_map<std::string, ActionSeries, StringHash, std::equal_to<>> series_;
  Metrics::Counter messages_out_total_ =
      metrics_.counter("picbot_messages_out_total", "Messages the bot sent");
  std::atomic<std::uint64_t> messages_out_{0};
};

}  // namespace picbot
