// ProviderTestRig: what a provider's unit test runs it on: a manual clock,
// one io_context with its HttpClient, a one-thread WorkerPool, a TaskPoller,
// and the ProviderDeps over them. KeyedProviderTest: the fixture of a keyed HTTP
// provider against its fake. Test-only.
#pragma once

#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <chrono>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "bot/core/worker_pool.h"
#include "bot/net/http_client.h"
#include "image/keyed_provider.h"
#include "image/provider.h"
#include "image/task_poller.h"
#include "tests/support/run_coroutine.h"

namespace picbot::image {

struct ProviderTestRig {
  ManualClock clock;
  boost::asio::io_context io;
  net::HttpClient http{io.get_executor()};
  WorkerPool workers{1};
  TaskPoller poller{io.get_executor(), clock};
  ProviderDeps deps{http, clock, workers, &poller};

  // Runs provider.generate(request) to the end on io.
  Result<ImageResult, llm::ProviderError> generate(Provider& provider, ImageRequest request) {
    return run(provider.generate(std::move(request)));
  }

  // Runs task to the end on io (30 s at most). Whenever nothing is ready and
  // a task waits on the poller, the clock jumps to the poll's due time: an
  // asynchronous task's polls take no real time.
  template <class T>
  T run(boost::asio::awaitable<T> task) {
    std::optional<T> out;
    boost::asio::co_spawn(
        io, [&]() -> boost::asio::awaitable<void> { out.emplace(co_await std::move(task)); },
        [](std::exception_ptr e) {
          if (e) std::rethrow_exception(e);
        });
    const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (!out && std::chrono::steady_clock::now() < give_up) {
      io.restart();
      if (io.poll() > 0) continue;
      if (const auto due = poller.next_due()) {
        if (*due > clock.now()) clock.set(*due);
        poller.recheck();
        continue;
      }
      io.run_one_for(std::chrono::milliseconds(10));
    }
    if (!out) throw std::runtime_error("the call did not finish within 30 s");
    return std::move(*out);
  }
};

// A ProviderT (a KeyedProvider) named `name` with two keys, against a Fake
// whose api_base() it is pointed at; retries wait a millisecond.
template <class ProviderT, class Fake>
class KeyedProviderTest : public ::testing::Test {
 protected:
  KeyedProviderTest(std::string name, std::vector<std::string> keys, std::string model)
      : name_(std::move(name)), keys_(std::move(keys)), model_(std::move(model)) {}

  InstanceSettings settings() { return settings(model_); }
  InstanceSettings settings(std::string model) {
    InstanceSettings s;
    s.api_base = fake_.api_base();
    s.api_keys = keys_;
    s.model = std::move(model);
    s.backoff_initial_seconds = 0.001;
    s.backoff_max_seconds = 0.002;
    s.request_timeout_seconds = 20;
    s.max_retry_attempts = 2;
    s.allow_private_download_addresses = true;
    return s;
  }

  ProviderT& provider(InstanceSettings s) {
    provider_ = std::make_unique<ProviderT>(rig_.deps, name_, std::move(s));
    return *provider_;
  }

  // Draws with the provider made last (one from settings() when none was).
  Result<ImageResult, llm::ProviderError> generate(ImageRequest request) {
    if (!provider_) provider(settings());
    return rig_.generate(*provider_, std::move(request));
  }

  static ImageRequest request(std::string prompt, std::vector<ReferenceImage> references = {}) {
    ImageRequest r;
    r.prompt = std::move(prompt);
    r.references = std::move(references);
    return r;
  }

  const std::string name_;
  const std::vector<std::string> keys_;
  const std::string model_;
  Fake fake_;
  ProviderTestRig rig_;
  std::unique_ptr<ProviderT> provider_;
};

}  // namespace picbot::image
