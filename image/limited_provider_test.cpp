#include "image/limited_provider.h"

#include <gtest/gtest.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <deque>

#include "image/fallback_chain.h"

namespace picbot::image {
namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;
using llm::FailureClass;

// A provider whose calls run until the test lets one finish (FIFO), and
// that counts how many it has in flight.
class GatedProvider final : public Provider {
 public:
  GatedProvider(std::string name, asio::io_context& io) : Provider(std::move(name)), gate_(io) {
    gate_.expires_at(asio::steady_timer::time_point::max());
  }

  asio::awaitable<Result<ImageResult, llm::ProviderError>> generate(ImageRequest request) override {
    ++calls;
    max_in_flight = std::max(max_in_flight, ++in_flight);
    co_await gate_.async_wait(asio::as_tuple(asio::use_awaitable));
    --in_flight;
    ImageResult result;
    result.provider = name();
    result.text = request.prompt;
    co_return result;
  }
  void finish_one() { gate_.cancel_one(); }

  Capabilities capabilities() const override { return {}; }
  std::vector<llm::KeyState> key_states() const override { return {}; }
  std::string_view type() const override { return "gated"; }
  std::string model() const override { return "m"; }
  std::string api_base() const override { return ""; }
  std::chrono::milliseconds deadline() const override { return 60s; }
  Status reconfigure(const ProviderConfig&) override { return {}; }
  void set_model(std::string) override {}
  void set_api_base(std::string) override {}

  int calls = 0;
  int in_flight = 0;
  int max_in_flight = 0;

 private:
  asio::steady_timer gate_;
};

struct Drawing {
  std::optional<std::size_t> queued_at;
  std::optional<Result<ImageResult, llm::ProviderError>> result;
};

class LimitedProviderTest : public ::testing::Test {
 protected:
  std::unique_ptr<LimitedProvider> limited(std::string name, RateLimits limits) {
    auto inner = std::make_unique<GatedProvider>(name, io_);
    gated_.push_back(inner.get());
    return std::make_unique<LimitedProvider>(std::move(inner), clock_, limits);
  }

  Drawing& draw(Provider& provider, std::optional<Clock::time_point> deadline = std::nullopt) {
    Drawing& drawing = drawings_.emplace_back();
    asio::co_spawn(io_, run(provider, drawing, deadline), asio::detached);
    settle();
    return drawing;
  }

  asio::awaitable<void> run(Provider& provider, Drawing& drawing, std::optional<Clock::time_point> deadline) {
    ImageRequest request;
    request.prompt = "a cat";
    request.deadline = deadline;
    request.on_queued = [&drawing](std::size_t position) -> asio::awaitable<void> {
      drawing.queued_at = position;
      co_return;
    };
    auto result = co_await provider.generate(std::move(request));
    drawing.result.emplace(std::move(result));
  }

  void settle() {
    io_.restart();
    io_.poll();
  }

  asio::io_context io_;
  ManualClock clock_;
  std::vector<GatedProvider*> gated_;
  std::deque<Drawing> drawings_;
};

TEST_F(LimitedProviderTest, OneAtATimeWithTheSecondQueuedAtPlaceOne) {
  auto provider = limited("slow", RateLimits{.max_concurrent = 1});
  Drawing& first = draw(*provider);
  Drawing& second = draw(*provider);
  EXPECT_FALSE(first.queued_at);
  EXPECT_EQ(second.queued_at, 1u);
  EXPECT_EQ(gated_[0]->calls, 1);
  auto states = provider->limiter_states();
  ASSERT_EQ(states.size(), 1u);
  EXPECT_EQ(states[0].provider, "slow");
  EXPECT_EQ(states[0].waiting, 1u);
  EXPECT_EQ(states[0].running, 1u);
  EXPECT_EQ(states[0].max_concurrent, 1u);

  gated_[0]->finish_one();
  settle();
  ASSERT_TRUE(first.result && first.result->ok());
  EXPECT_EQ(gated_[0]->calls, 2);
  gated_[0]->finish_one();
  settle();
  ASSERT_TRUE(second.result && second.result->ok());
  EXPECT_EQ(gated_[0]->max_in_flight, 1);
  EXPECT_EQ(provider->limiter_states()[0].running, 0u);
}

TEST_F(LimitedProviderTest, ReconfigureChangesTheLimitsAndRejectsBadOnes) {
  auto provider = limited("p", RateLimits{.max_concurrent = 1});
  draw(*provider);
  Drawing& waiting = draw(*provider);
  ProviderConfig config{.name = "p", .type = "gated", .section = {{"max_concurrent", 2}}};
  ASSERT_TRUE(provider->reconfigure(config).ok());
  settle();
  EXPECT_EQ(gated_[0]->calls, 2);
  EXPECT_FALSE(waiting.result);  // running, not waiting
  EXPECT_EQ(provider->limiter_states()[0].max_concurrent, 2u);

  config.section = {{"requests_per_second", -3}};
  EXPECT_FALSE(provider->reconfigure(config).ok());
  EXPECT_EQ(provider->limiter_states()[0].max_concurrent, 2u);
  gated_[0]->finish_one();
  gated_[0]->finish_one();
  settle();
}

TEST_F(LimitedProviderTest, AWaitPastTheDeadlineSendsTheDrawingToTheNextProvider) {
  auto primary = limited("primary", RateLimits{.max_concurrent = 1});
  LimitedProvider& primary_ref = *primary;
  std::vector<std::shared_ptr<Provider>> members;
  members.push_back(std::move(primary));
  members.push_back(limited("backup", RateLimits{}));
  FallbackChain chain(std::move(members));
  EXPECT_EQ(chain.limiter_states().size(), 2u);

  Drawing& first = draw(chain);
  Drawing& second = draw(chain, clock_.now() + 5s);
  EXPECT_EQ(second.queued_at, 1u);
  clock_.advance(6s);
  primary_ref.limiter().tick();
  settle();
  EXPECT_EQ(gated_[1]->calls, 1);  // the backup draws it
  gated_[1]->finish_one();
  settle();
  ASSERT_TRUE(second.result && second.result->ok());
  EXPECT_EQ((*second.result)->provider, "backup");
  EXPECT_FALSE(first.result);
  gated_[0]->finish_one();
  settle();
  EXPECT_TRUE(first.result && first.result->ok());
}

TEST_F(LimitedProviderTest, WithoutADeadlineTheWaitCountsInTheProvidersOwn) {
  auto provider = limited("p", RateLimits{.max_concurrent = 1});
  draw(*provider);
  Drawing& second = draw(*provider);
  clock_.advance(61s);  // GatedProvider::deadline() is 60 s
  provider->limiter().tick();
  settle();
  ASSERT_TRUE(second.result && !second.result->ok());
  EXPECT_EQ(second.result->error().cls, FailureClass::kRateLimited);
  EXPECT_EQ(gated_[0]->calls, 1);
  gated_[0]->finish_one();
  settle();
}

}  // namespace
}  // namespace picbot::image
