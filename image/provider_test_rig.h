// ProviderTestRig: what a provider's unit test runs it on: a manual clock,
// one io_context with its HttpClient, a one-thread WorkerPool, and the
// ProviderDeps over them. KeyedProviderTest: the fixture of a keyed HTTP
// provider against its fake. Test-only.
#pragma once

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "bot/core/worker_pool.h"
#include "bot/net/http_client.h"
#include "image/keyed_provider.h"
#include "image/provider.h"
#include "tests/support/run_coroutine.h"

namespace picbot::image {

struct ProviderTestRig {
  ManualClock clock;
  boost::asio::io_context io;
  net::HttpClient http{io.get_executor()};
  WorkerPool workers{1};
  ProviderDeps deps{http, clock, workers};

  // Runs provider.generate(request) to the end on io.
  Result<ImageResult, llm::ProviderError> generate(Provider& provider, ImageRequest request) {
    return testing::run_coroutine(io, provider.generate(std::move(request)), std::chrono::seconds(30));
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
