#include "bot/web/console_auth.h"

#include <gtest/gtest.h>

#include "bot/web/password_hash.h"

namespace picbot::web {
namespace {
using namespace std::chrono_literals;

TEST(ConsoleAuthTest, FailedLoginsAreLimitedPerClientInASlidingWindow) {
  ManualClock clock;
  ConsoleAuth auth(clock, {});
  for (int i = 0; i < 5; ++i) {
    EXPECT_FALSE(auth.login_blocked("10.0.0.1:1000").has_value());
    auth.record_failure("10.0.0.1:" + std::to_string(1000 + i));  // a new port is the same client
    clock.advance(10s);
  }
  auto wait = auth.login_blocked("10.0.0.1:2000");
  ASSERT_TRUE(wait.has_value());
  EXPECT_EQ(*wait, 250s);  // the first failure leaves the 300 s window in 250 s
  EXPECT_FALSE(auth.login_blocked("10.0.0.2:1000").has_value());
  clock.advance(250s);
  EXPECT_FALSE(auth.login_blocked("10.0.0.1:2000").has_value());
}

// Issue 15, defect 2: an IPv6 peer's key used to include its port, so every
// connection got a fresh budget.
TEST(ConsoleAuthTest, AnIpv6ClientIsLimitedWhateverItsPortAndAddressInItsSlash64) {
  ManualClock clock;
  ConsoleAuth auth(clock, {});
  for (int i = 0; i < 5; ++i) {
    EXPECT_FALSE(auth.login_blocked("[::1]:" + std::to_string(40000 + i)).has_value());
    auth.record_failure("[::1]:" + std::to_string(40000 + i));
  }
  EXPECT_TRUE(auth.login_blocked("[::1]:50000").has_value());
  for (int i = 0; i < 5; ++i) auth.record_failure("[2001:db8:1:2::" + std::to_string(i + 1) + "]:443");
  EXPECT_TRUE(auth.login_blocked("[2001:db8:1:2:ffff::9]:1").has_value()) << "the same /64";
  EXPECT_FALSE(auth.login_blocked("[2001:db8:1:3::1]:1").has_value()) << "another /64";
}

TEST(ConsoleAuthTest, AnIpv4MappedClientIsTheIpv4Client) {
  ManualClock clock;
  ConsoleAuth auth(clock, {});
  for (int i = 0; i < 5; ++i) auth.record_failure("[::ffff:10.0.0.1]:" + std::to_string(1000 + i));
  EXPECT_TRUE(auth.login_blocked("10.0.0.1:9").has_value());
}

TEST(ConsoleAuthTest, TheFailureTableIsBounded) {
  ManualClock clock;
  ConsoleAuth auth(clock, {.max_clients = 100});
  for (int i = 0; i < 10'000; ++i) {
    auth.record_failure("10." + std::to_string(i / 65536) + "." + std::to_string(i / 256 % 256) + "." +
                        std::to_string(i % 256) + ":1");
    clock.advance(1ms);
  }
  EXPECT_LE(auth.failing_clients(), 100u);
  // The newest client is still remembered (and limited).
  for (int i = 0; i < 4; ++i) auth.record_failure("192.0.2.1:1");
  auth.record_failure("192.0.2.1:1");
  EXPECT_TRUE(auth.login_blocked("192.0.2.1:2").has_value());
}

// Found by console_login_fuzz: a clock set back far (its fake clock wrapped)
// made the wait overflow. A clock set back forgets the failures "from the
// future" instead of blocking the client for as long as the jump.
TEST(ConsoleAuthTest, AClockSetBackForgetsFailuresDatedAfterNow) {
  ManualClock clock;
  ConsoleAuth auth(clock, {});
  const auto start = clock.now();
  for (int i = 0; i < 5; ++i) auth.record_failure("10.0.0.1:1000");
  ASSERT_TRUE(auth.login_blocked("10.0.0.1:1000").has_value());
  clock.set(start - std::chrono::hours(24 * 365 * 100));
  EXPECT_FALSE(auth.login_blocked("10.0.0.1:1000").has_value());
  // Set back a little: the failures counted since then still count.
  clock.set(start);
  for (int i = 0; i < 5; ++i) auth.record_failure("10.0.0.1:1000");
  clock.set(start + 60s);
  for (int i = 0; i < 2; ++i) auth.record_failure("10.0.0.1:1000");
  clock.set(start + 30s);
  auto wait = auth.login_blocked("10.0.0.1:1000");
  ASSERT_TRUE(wait.has_value());
  EXPECT_EQ(*wait, 270s);
}

TEST(ConsoleAuthTest, SessionsComeFromTheCookieAndExpireWhenIdle) {
  ManualClock clock;
  ConsoleAuth auth(clock, {.idle_timeout = 3600s});
  const std::string id = auth.create_session().id;
  EXPECT_EQ(id.size(), 64u);
  const auto* session = auth.find("theme=dark; picbot_session=" + id + "; x=y");
  ASSERT_NE(session, nullptr);
  EXPECT_EQ(session->csrf.size(), 64u);
  EXPECT_NE(session->csrf, id);
  EXPECT_EQ(auth.find("picbot_session=nope"), nullptr);
  EXPECT_EQ(auth.find(""), nullptr);
  clock.advance(3599s);
  EXPECT_NE(auth.find("picbot_session=" + id), nullptr);  // refreshed
  clock.advance(3601s);
  EXPECT_EQ(auth.find("picbot_session=" + id), nullptr);
  EXPECT_EQ(ConsoleAuth::set_cookie(ConsoleAuth::Session{"abc", "x", {}}),
            "picbot_session=abc; HttpOnly; SameSite=Strict; Path=/");
}

TEST(PasswordHashTest, VerifiesOnlyTheRightPassword) {
  auto stored = hash_password("correct horse");
  ASSERT_TRUE(stored.ok());
  EXPECT_TRUE(stored->starts_with("scrypt$16384$8$1$"));
  EXPECT_EQ(stored->find("correct"), std::string::npos);
  EXPECT_TRUE(verify_password("correct horse", *stored));
  EXPECT_TRUE(verify_password("correct horse", *stored + "\n"));
  EXPECT_FALSE(verify_password("correct horsf", *stored));
  EXPECT_FALSE(verify_password("correct horse", "scrypt$16384$8$1$zz$00"));
  EXPECT_FALSE(verify_password("", ""));
  EXPECT_NE(*hash_password("correct horse"), *stored);  // salted
  EXPECT_EQ(generate_password().size(), 16u);
}

}  // namespace
}  // namespace picbot::web
