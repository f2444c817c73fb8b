// rate_limit_bench: how closely an upstream limit holds. 100 callers draw in
// a closed loop through a LimitedProvider (image/limited_provider.h) limited
// to --rate requests/s (burst 1), on one io_context with the real clock and
// real timers: at t=0 a 100-request burst arrives, and each caller asks again
// as soon as it is served, so the queue never runs dry. The provider behind
// the limit answers at once, so what is measured is the limiter alone.
//
// Prints one JSON line: the rate achieved overall and in each 5 s window
// (1 s when the run is shorter than 10 s), the worst window's deviation, and
// the process CPU per request.
//   rate_limit_bench [--rate 10] [--seconds 30] [--callers 100]
#include <sys/resource.h>

#include <algorithm>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "image/limited_provider.h"

namespace {
namespace asio = boost::asio;
using namespace picbot;
using steady = std::chrono::steady_clock;

class InstantProvider final : public image::Provider {
 public:
  InstantProvider() : Provider("bench") {}
  asio::awaitable<Result<image::ImageResult, llm::ProviderError>> generate(image::ImageRequest) override {
    co_return image::ImageResult{};
  }
  image::Capabilities capabilities() const override { return {}; }
  std::vector<llm::KeyState> key_states() const override { return {}; }
  std::string_view type() const override { return "instant"; }
  std::string model() const override { return ""; }
  std::string api_base() const override { return ""; }
  std::chrono::milliseconds deadline() const override { return std::chrono::hours(1); }
  Status reconfigure(const image::ProviderConfig&) override { return {}; }
  void set_model(std::string) override {}
  void set_api_base(std::string) override {}
};

struct Run {
  steady::time_point start;
  steady::time_point end;
  std::vector<double> grant_seconds;  // since start
  int failures = 0;
};

asio::awaitable<void> caller(image::Provider& provider, Run& run) {
  while (steady::now() < run.end) {
    image::ImageRequest request;
    request.prompt = "bench";
    auto result = co_await provider.generate(std::move(request));
    const auto at = steady::now();
    if (!result) {
      if (at < run.end) ++run.failures;  // after the end: the shutdown's cancellations
      continue;
    }
    if (at < run.end) run.grant_seconds.push_back(std::chrono::duration<double>(at - run.start).count());
  }
}

double cpu_seconds() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<double>(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) +
         static_cast<double>(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
}

}  // namespace

int main(int argc, char** argv) {
  double rate = 10;
  int seconds = 30;
  int callers = 100;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (std::strcmp(argv[i], "--rate") == 0) rate = std::atof(argv[i + 1]);
    if (std::strcmp(argv[i], "--seconds") == 0) seconds = std::atoi(argv[i + 1]);
    if (std::strcmp(argv[i], "--callers") == 0) callers = std::atoi(argv[i + 1]);
  }
  const int window_seconds = seconds >= 10 ? 5 : 1;

  asio::io_context io;
  image::LimitedProvider provider(std::make_unique<InstantProvider>(), Clock::system(),
                                  image::RateLimits{.requests_per_second = rate, .burst = 1});
  Run run;
  run.start = steady::now();
  run.end = run.start + std::chrono::seconds(seconds);
  const double cpu_before = cpu_seconds();
  for (int i = 0; i < callers; ++i) asio::co_spawn(io, caller(provider, run), asio::detached);
  io.run_until(run.end + std::chrono::seconds(1));
  const double cpu = cpu_seconds() - cpu_before;
  provider.limiter().cancel_all();
  io.run_for(std::chrono::milliseconds(100));

  const std::size_t grants = run.grant_seconds.size();
  // With a bucket of 1, grants fall at 0, 1/rate, 2/rate, ...: rate * seconds
  // of them in [0, seconds).
  const double overall = static_cast<double>(grants) / seconds;
  nlohmann::json windows = nlohmann::json::array();
  double worst_deviation = 0;
  for (int w = 0; w + window_seconds <= seconds; w += window_seconds) {
    const auto in_window = std::count_if(run.grant_seconds.begin(), run.grant_seconds.end(),
                                         [&](double s) { return s >= w && s < w + window_seconds; });
    const double window_rate = static_cast<double>(in_window) / window_seconds;
    windows.push_back(window_rate);
    worst_deviation = std::max(worst_deviation, std::abs(window_rate - rate) / rate);
  }
  const nlohmann::json out{{"rate_limit", rate},
                           {"seconds", seconds},
                           {"callers", callers},
                           {"grants", grants},
                           {"failures", run.failures},
                           {"overall_rate", overall},
                           {"overall_deviation", std::abs(overall - rate) / rate},
                           {"window_seconds", window_seconds},
                           {"window_rates", windows},
                           {"worst_window_deviation", worst_deviation},
                           {"cpu_us_per_request", grants ? cpu * 1e6 / static_cast<double>(grants) : 0}};
  std::printf("%s\n", out.dump().c_str());
  return 0;
}
