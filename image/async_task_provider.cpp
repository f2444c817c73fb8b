#include "image/async_task_provider.h"

#include <algorithm>
#include <cmath>

#include "bot/core/logging.h"
#include "image/cancellable.h"
#include "image/download.h"
#include "image/log_messages.h"

namespace picbot::image {
namespace {

using llm::FailureClass;
using llm::ProviderError;

// One poll's HTTP exchange: small JSON, never long.
constexpr std::chrono::milliseconds kPollTimeout{30'000};

ProviderError no_poller(const std::string& name) {
  return refused_request("asynchronous provider " + name + " has no task poller");
}

ProviderError deadline_passed(const std::string& task_id) {
  return ProviderError{FailureClass::kDeadline, 0, "task " + task_id + " did not finish before the deadline",
                       std::nullopt};
}

std::chrono::milliseconds until(Clock::time_point deadline, Clock::time_point now) {
  return std::max(std::chrono::milliseconds(0),
                  std::chrono::duration_cast<std::chrono::milliseconds>(deadline - now));
}

// A poll that failed in a way the next poll may not (the network, a 5xx, a
// 429 of the tasks API's own rate limit, an unreadable answer).
bool worth_polling_again(FailureClass cls) {
  return cls == FailureClass::kTransient || cls == FailureClass::kBadResponse ||
         cls == FailureClass::kRateLimited;
}

}  // namespace

AsyncTaskProvider::AsyncTaskProvider(const ProviderDeps& deps, std::string name, InstanceSettings settings,
                                     std::string default_api_base, std::string default_model, TaskWire wire)
    : KeyedProvider(deps, std::move(name), std::move(settings), std::move(default_api_base),
                    std::move(default_model)),
      poller_(deps.poller),
      wire_(std::move(wire)) {}

boost::asio::awaitable<Result<ImageResult, ProviderError>> AsyncTaskProvider::generate(ImageRequest request) {
  if (poller_ == nullptr) co_return no_poller(name());
  auto prepared = prepare(request);
  if (!prepared.ok()) co_return std::move(prepared).error();
  Prepared call = std::move(prepared).value();
  const boost::asio::cancellation_slot cancel = call.cancel;
  auto finished =
      co_await run_cancellable(cancel, submit_and_poll(std::move(call), request.on_task_submitted));
  if (!finished) co_return cancelled_error();
  co_return std::move(*finished);
}

boost::asio::awaitable<Result<std::string, ProviderError>> AsyncTaskProvider::submit_once(
    const Prepared& call, const std::string& key, std::string& task_key) {
  net::HttpRequest request;
  request.method = "POST";
  request.url = call.url;
  request.headers = {{"Authorization", "Bearer " + key}, {"Content-Type", call.content_type}};
  request.headers.insert(request.headers.end(), wire_.submit_headers.begin(), wire_.submit_headers.end());
  request.body = call.body;
  auto answer = co_await answer_of(std::move(request), *call.settings, call.retry, wire_.read_error);
  if (!answer.ok()) co_return std::move(answer).error();
  auto id = wire_.parse_submit(answer->second, answer->first);
  if (id.ok()) task_key = key;
  co_return id;
}

boost::asio::awaitable<Result<ImageResult, ProviderError>> AsyncTaskProvider::submit_and_poll(
    Prepared call, SubmitHook on_submitted) {
  const auto started = clock_.now();
  std::string task_key;
  auto attempt = [this, &call, &task_key](const std::string& key) {
    return submit_once(call, key, task_key);
  };
  llm::RetryingCaller caller(keys(), clock_, call.retry);
  auto outcome = co_await caller.call<std::string>(std::move(attempt));
  auto log = log::get("image");
  if (!outcome.result.ok()) {
    log->warn("{}", log_text("log.image.task_submit_failed", fmt::arg("provider", name()),
                             fmt::arg("model", call.model), fmt::arg("attempts", outcome.attempts.size()),
                             fmt::arg("reason", outcome.result.error().to_string())));
    co_return std::move(outcome.result).error();
  }
  const Task task{*outcome.result, task_key, call.settings, call.model, started + call.retry.deadline};
  log->info("{}", log_text("log.image.task_submitted", fmt::arg("task", task.id),
                           fmt::arg("provider", name()), fmt::arg("model", task.model)));
  if (on_submitted) co_await on_submitted(name(), task.id);
  auto image = co_await poll(task);
  if (!image.ok()) co_return std::move(image).error();
  ImageResult result = result_of(task, std::move(image).value(), started);
  for (const llm::AttemptRecord& record : outcome.attempts) result.upstream_time += record.duration;
  result.attempts = std::move(outcome.attempts);
  co_return result;
}

boost::asio::awaitable<Result<ImageResult, ProviderError>> AsyncTaskProvider::resume(
    std::string task_id, Clock::time_point deadline, boost::asio::cancellation_slot cancel) {
  if (poller_ == nullptr) co_return no_poller(name());
  auto finished = co_await run_cancellable(cancel, resume_task(std::move(task_id), deadline));
  if (!finished) co_return cancelled_error();
  co_return std::move(*finished);
}

boost::asio::awaitable<Result<ImageResult, ProviderError>> AsyncTaskProvider::resume_task(
    std::string task_id, Clock::time_point deadline) {
  const auto started = clock_.now();
  const auto current = settings();
  if (current->api_keys.empty()) co_return refused_request("no API key to resume task " + task_id);
  // The task belongs to the account whose key submitted it: the first key
  // the upstream does not refuse is taken.
  Task task{task_id, current->api_keys.front(), current, current->model, deadline};
  for (const std::string& key : current->api_keys) {
    task.key = key;
    auto state = co_await poll_once(task);
    if (state.ok() || state.error().cls != FailureClass::kInvalidKey) break;
  }
  log::get("image")->info(
      "{}", log_text("log.image.task_resumed", fmt::arg("task", task.id), fmt::arg("provider", name())));
  auto image = co_await poll(task);
  if (!image.ok()) co_return std::move(image).error();
  co_return result_of(task, std::move(image).value(), started);
}

ImageResult AsyncTaskProvider::result_of(const Task& task, GeneratedImage image,
                                         Clock::time_point started) const {
  ImageResult result;
  result.provider = name();
  result.model = task.model;
  result.task_id = task.id;
  result.images.push_back(std::move(image));
  result.total_time = std::chrono::duration_cast<std::chrono::milliseconds>(clock_.now() - started);
  log::get("image")->info("{}", log_text("log.image.task_generated", fmt::arg("provider", name()),
                                         fmt::arg("model", result.model), fmt::arg("task", task.id),
                                         fmt::arg("bytes", result.images[0].bytes.size()),
                                         fmt::arg("mime", result.images[0].mime)));
  return result;
}

boost::asio::awaitable<Result<TaskState, ProviderError>> AsyncTaskProvider::poll_once(const Task& task) {
  net::HttpRequest request;
  request.method = "GET";
  request.url = wire_.task_url(task.settings->api_base, task.id);
  request.headers = {{"Authorization", "Bearer " + task.key}};
  request.headers.insert(request.headers.end(), wire_.poll_headers.begin(), wire_.poll_headers.end());
  llm::RetrySettings timeout;  // answer_of reads the request's timeout from deadline
  timeout.deadline = std::min(kPollTimeout, until(task.deadline, clock_.now()));
  auto answer = co_await answer_of(std::move(request), *task.settings, timeout, wire_.read_error);
  if (!answer.ok()) co_return std::move(answer).error();
  co_return wire_.parse_poll(answer->second, answer->first);
}

boost::asio::awaitable<Result<GeneratedImage, ProviderError>> AsyncTaskProvider::poll(const Task& task) {
  const InstanceSettings& settings = *task.settings;
  const std::chrono::milliseconds cap{std::llround(settings.poll_interval_seconds * 1000)};
  const int failures_allowed = std::max(3, settings.max_retry_attempts);
  auto log = log::get("image");
  int failures = 0;
  for (int polls = 0;; ++polls) {
    if (clock_.now() >= task.deadline) co_return deadline_passed(task.id);
    const auto due = std::min(clock_.now() + poll_interval(polls, cap), task.deadline);
    const TaskPoller::Wake wake = co_await poller_->wait_until(due);
    if (wake == TaskPoller::Wake::kShutdown) {
      co_return ProviderError{FailureClass::kCancelled, 0, "shutting down while task " + task.id + " runs",
                              std::nullopt};
    }
    if (wake == TaskPoller::Wake::kCancelled) co_return cancelled_error();
    if (clock_.now() >= task.deadline) co_return deadline_passed(task.id);
    auto state = co_await poll_once(task);
    if (!state.ok()) {
      if (worth_polling_again(state.error().cls) && ++failures < failures_allowed) {
        log->info("{}", log_text("log.image.task_poll_retry", fmt::arg("poll", polls + 1),
                                 fmt::arg("task", task.id), fmt::arg("provider", name()),
                                 fmt::arg("reason", state.error().to_string())));
        continue;
      }
      log->warn("{}", log_text("log.image.task_poll_failed", fmt::arg("task", task.id),
                               fmt::arg("provider", name()), fmt::arg("reason", state.error().to_string())));
      co_return std::move(state).error();
    }
    failures = 0;
    if (state->kind == TaskState::Kind::kRunning) continue;
    if (state->kind == TaskState::Kind::kFailed) {
      log->warn("{}", log_text("log.image.task_failed", fmt::arg("task", task.id),
                               fmt::arg("provider", name()), fmt::arg("reason", state->error.to_string())));
      co_return std::move(state->error);
    }
    const DownloadOptions options{until(task.deadline, clock_.now()), settings.max_image_bytes,
                                  settings.proxy, settings.allow_private_download_addresses};
    GeneratedImage image;  // named: no braced temporary inside co_await (GCC 12)
    co_return co_await complete_image(http_, std::move(image), state->urls.front(), options, 200);
  }
}

}  // namespace picbot::image
