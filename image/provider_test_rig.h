// ProviderTestRig: what a provider's unit test runs it on: a manual clock,
// one io_context with its HttpClient, a one-thread WorkerPool, and the
// ProviderDeps over them. Test-only.
#pragma once

#include <boost/asio/io_context.hpp>
#include <chrono>

#include "bot/core/worker_pool.h"
#include "bot/net/http_client.h"
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

}  // namespace picbot::image
