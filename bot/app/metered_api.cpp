#include "bot/app/metered_api.h"

#include <chrono>

namespace picbot {
namespace asio = boost::asio;

namespace {
bool is_send(const std::string& action) {
  return action == "send_msg" || action == "send_group_msg" || action == "send_private_msg";
}

const char* result_label(const onebot::ApiResult& result) {
  return result ? "ok" : onebot::to_string(result.error().kind);
}
constexpr std::string_view kCallsName = "picbot_onebot_api_calls_total",
                           kCallsHelp = "OneBot API calls by action and result",
                           kSecondsName = "picbot_onebot_api_seconds",
                           kSecondsHelp = "OneBot API call latency in seconds";
}  // namespace

MeteredApi::ActionSeries& MeteredApi::series_of(const std::string& action) {
  if (const auto it = series_.find(action); it != series_.end()) return it->second;
  ActionSeries series{metrics_.counter(kCallsName, kCallsHelp, {{"action", action}, {"result", "ok"}}),
                      metrics_.histogram(kSecondsName, kSecondsHelp, {{"action", action}})};
  return series_.emplace(action, series).first->second;
}

void MeteredApi::record(const std::string& action, const onebot::ApiResult& result, double seconds) {
  ActionSeries& series = series_of(action);
  if (result) {
    series.ok.increment();
  } else {  // failures are rare: their series are looked up by label
    metrics_.increment(kCallsName, kCallsHelp, {{"action", action}, {"result", result_label(result)}});
  }
  series.seconds.observe(seconds);
  if (result && is_send(action)) {
    ++messages_out_;
    messages_out_total_.increment();
  }
}

asio::awaitable<onebot::ApiResult> MeteredApi::call(std::int64_t self_id, std::string action,
                                                    nlohmann::json params, onebot::CallOptions options) {
  const auto started = std::chrono::steady_clock::now();
  const std::string name = action;
  onebot::ApiResult result =
      co_await inner_.call(self_id, std::move(action), std::move(params), std::move(options));
  record(name, result, std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
  co_return result;
}

asio::awaitable<onebot::ApiResult> MeteredApi::call_encoded(std::int64_t self_id, std::string action,
                                                            std::string params_json,
                                                            onebot::CallOptions options) {
  const auto started = std::chrono::steady_clock::now();
  const std::string name = action;
  onebot::ApiResult result =
      co_await inner_.call_encoded(self_id, std::move(action), std::move(params_json), std::move(options));
  record(name, result, std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
  co_return result;
}

}  // namespace picbot
