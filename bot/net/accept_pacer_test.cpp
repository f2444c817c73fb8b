#include "bot/net/accept_pacer.h"

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <cerrno>

#include "bot/core/log_language.h"
#include "bot/core/logging.h"
#include "tests/support/run_coroutine.h"

namespace picbot::net {
namespace {
using namespace std::chrono_literals;
namespace asio = boost::asio;

boost::system::error_code system_error(int code) { return {code, boost::system::system_category()}; }

std::size_t lines_mentioning(const std::string& needle) {
  std::size_t n = 0;
  for (const auto& line : log::recent(1000)) n += line.find(needle) != std::string::npos;
  return n;
}

TEST(AcceptPacer, DescriptorExhaustionIsResourceExhaustion) {
  EXPECT_TRUE(AcceptPacer::is_resource_exhaustion(system_error(EMFILE)));
  EXPECT_TRUE(AcceptPacer::is_resource_exhaustion(system_error(ENFILE)));
  EXPECT_TRUE(AcceptPacer::is_resource_exhaustion(system_error(ENOBUFS)));
  EXPECT_FALSE(AcceptPacer::is_resource_exhaustion(system_error(ECONNABORTED)));
  EXPECT_FALSE(AcceptPacer::is_resource_exhaustion(asio::error::operation_aborted));
}

TEST(AcceptPacer, PausesLongerWhileTheFailuresGoOnAndLogsOncePerSecond) {
  log::set_language("en");
  ManualClock clock;
  asio::io_context io;
  AcceptPacer pacer("test.pacer.listen", log::get("test"), clock);
  const auto started = std::chrono::steady_clock::now();
  for (int i = 0; i < 4; ++i) {
    EXPECT_EQ(pacer.next_pause(), AcceptPacer::kFirstPause * (1 << i));
    testing::run_coroutine(io, [&]() -> asio::awaitable<bool> {
      co_await pacer.after_failure(system_error(EMFILE));
      co_return true;
    }());
  }
  EXPECT_GE(std::chrono::steady_clock::now() - started, 150ms) << "10 + 20 + 40 + 80 ms of pauses";
  EXPECT_EQ(lines_mentioning("test.pacer.listen: accept failed"), 1u) << "one line per second";
  clock.advance(1s);
  testing::run_coroutine(io, [&]() -> asio::awaitable<bool> {
    co_await pacer.after_failure(system_error(EMFILE));
    co_return true;
  }());
  EXPECT_EQ(lines_mentioning("(3 more since the last line)"), 1u);
  pacer.after_success();
  EXPECT_EQ(pacer.next_pause(), AcceptPacer::kFirstPause);
  log::set_language("zh-CN");
}

// The line used to be English whatever the log language.
TEST(AcceptPacer, TheLineIsInTheLogLanguage) {
  log::set_language("zh-CN");
  ManualClock clock;
  asio::io_context io;
  AcceptPacer pacer("test.pacer.zh", log::get("test"), clock);
  testing::run_coroutine(io, [&]() -> asio::awaitable<bool> {
    co_await pacer.after_failure(system_error(EMFILE));
    co_return true;
  }());
  EXPECT_EQ(lines_mentioning("test.pacer.zh：接受连接失败："), 1u);
  EXPECT_EQ(lines_mentioning("；暂停接受连接 10 毫秒"), 1u);
}

TEST(AcceptPacer, OtherFailuresDoNotPause) {
  ManualClock clock;
  asio::io_context io;
  AcceptPacer pacer("test.pacer.other", log::get("test"), clock);
  testing::run_coroutine(io, [&]() -> asio::awaitable<bool> {
    co_await pacer.after_failure(system_error(ECONNABORTED));
    co_return true;
  }());
  EXPECT_EQ(pacer.next_pause(), AcceptPacer::kFirstPause);
}

}  // namespace
}  // namespace picbot::net
