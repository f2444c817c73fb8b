// AsyncTaskProvider: a KeyedProvider whose upstream draws as a task (DashScope,
// ModelScope): one submit (keys rotated and retried like any call) answers a
// task id; ImageRequest::on_task_submitted is awaited; then the task is
// polled with the key that submitted it, waiting on the shared TaskPoller
// (1 s, 2 s, 4 s, ... up to poll_interval_seconds), until it succeeds (its
// first image URL downloaded through image/download.h), fails, the request's
// deadline passes (kDeadline), the request is cancelled or the poller shuts
// down (kCancelled). A derived type writes its wire format: the submit body
// (prepare) and the readings of the submit and poll answers (TaskWire).
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "image/keyed_provider.h"
#include "image/task_poller.h"

namespace picbot::image {

// A task's state as one poll answer tells it.
struct TaskState {
  enum class Kind { kRunning, kSucceeded, kFailed } kind = Kind::kRunning;
  std::vector<std::string> urls;  // kSucceeded: at least one http(s) URL
  llm::ProviderError error;       // kFailed
};

class AsyncTaskProvider : public KeyedProvider {
 public:
  boost::asio::awaitable<Result<ImageResult, llm::ProviderError>> generate(ImageRequest request) final;
  // Polls task_id with each key in turn until one knows it (a task belongs to
  // the account that submitted it).
  boost::asio::awaitable<Result<ImageResult, llm::ProviderError>> resume(
      std::string task_id, Clock::time_point deadline, boost::asio::cancellation_slot cancel) final;

 protected:
  using Headers = std::vector<std::pair<std::string, std::string>>;
  struct TaskWire {
    Headers submit_headers;  // besides Authorization and Content-Type
    Headers poll_headers;    // besides Authorization
    // The task id of a 2xx submit answer; an error when there is none.
    Result<std::string, llm::ProviderError> (*parse_submit)(std::string_view body, int status);
    // The state of a 2xx poll answer.
    Result<TaskState, llm::ProviderError> (*parse_poll)(std::string_view body, int status);
    // The provider's reading of a non-2xx answer (see KeyedProvider::ErrorReader).
    ErrorReader read_error = nullptr;
    // GET url of the task: {api_base}/tasks/{id}.
    std::string (*task_url)(std::string_view api_base, std::string_view task_id);
  };

  AsyncTaskProvider(const ProviderDeps& deps, std::string name, InstanceSettings settings,
                    std::string default_api_base, std::string default_model, TaskWire wire);

  // The submit of request (url, content type and body set; Bearer key), or
  // kBadRequest refusing it before anything is sent.
  virtual Result<Prepared, llm::ProviderError> prepare(const ImageRequest& request) const = 0;

 private:
  struct Task {
    std::string id;
    std::string key;
    std::shared_ptr<const InstanceSettings> settings;
    std::string model;
    Clock::time_point deadline;
  };
  using SubmitHook =
      std::function<boost::asio::awaitable<void>(const std::string& provider, const std::string& task_id)>;
  boost::asio::awaitable<Result<ImageResult, llm::ProviderError>> submit_and_poll(Prepared call,
                                                                                  SubmitHook on_submitted);
  // One submit with key; on success the key is stored in task_key.
  boost::asio::awaitable<Result<std::string, llm::ProviderError>> submit_once(const Prepared& call,
                                                                              const std::string& key,
                                                                              std::string& task_key);
  boost::asio::awaitable<Result<ImageResult, llm::ProviderError>> resume_task(std::string task_id,
                                                                              Clock::time_point deadline);
  // Polls task to its end; its image, downloaded.
  boost::asio::awaitable<Result<GeneratedImage, llm::ProviderError>> poll(const Task& task);
  boost::asio::awaitable<Result<TaskState, llm::ProviderError>> poll_once(const Task& task);
  ImageResult result_of(const Task& task, GeneratedImage image, Clock::time_point started) const;

  TaskPoller* poller_;
  TaskWire wire_;
};

}  // namespace picbot::image
