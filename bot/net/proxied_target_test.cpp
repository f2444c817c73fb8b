#include "bot/net/proxied_target.h"

#include <gtest/gtest.h>
#include <netdb.h>
#include <unistd.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>

#include "bot/net/curl_library.h"

namespace picbot::net {
namespace {

using Kind = HttpError::Kind;

class ProxiedTargetTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(CurlLibrary::load().ok()); }

  Result<void, HttpError> check(const std::string& url) {
    boost::asio::io_context io;
    auto future = boost::asio::co_spawn(io, check_proxied_target(url), boost::asio::use_future);
    io.run();
    return future.get();
  }
};

TEST_F(ProxiedTargetTest, PrivateLiteralsAndLocalhostAreRefusedWithoutResolving) {
  for (const std::string url :
       {"http://127.0.0.1/x", "http://[::1]:8080/", "https://10.1.2.3/", "http://169.254.169.254/latest",
        "http://localhost:9/", "http://img.localhost/", "http://127.1/", "http://0x7f000001/",
        "http://[::ffff:192.168.0.1]/", "http://[fe80::1%25eth0]/", "http://localhost./",
        "http://img.localhost.:80/"}) {
    const auto outcome = check(url);
    ASSERT_FALSE(outcome.ok()) << url;
    EXPECT_EQ(outcome.error().kind, Kind::kBlockedAddress) << url << ": " << outcome.error().message;
  }
}

TEST_F(ProxiedTargetTest, PublicLiteralsPass) {
  for (const std::string url : {"http://203.0.113.7/img.png", "https://[2606:4700::1111]:8443/a"}) {
    const auto outcome = check(url);
    EXPECT_TRUE(outcome.ok()) << url << ": " << outcome.error().message;
  }
}

TEST_F(ProxiedTargetTest, OtherSchemesAndMalformedUrlsAreBadUrls) {
  for (const std::string url : {"ftp://203.0.113.7/x", "file:///etc/passwd", "http://", "not a url"}) {
    const auto outcome = check(url);
    ASSERT_FALSE(outcome.ok()) << url;
    EXPECT_EQ(outcome.error().kind, Kind::kBadUrl) << url << ": " << outcome.error().message;
  }
}

// True when name resolves (without DNS for a host's own name: /etc/hosts) and
// every address it has is private, as the machine's own name usually does
// (127.0.1.1 on Debian, a 172.17/16 address in a container).
bool resolves_only_to_private(const std::string& name) {
  addrinfo* found = nullptr;
  if (getaddrinfo(name.c_str(), nullptr, nullptr, &found) != 0) return false;
  bool all_private = true;
  for (addrinfo* a = found; a != nullptr; a = a->ai_next) {
    char text[64] = {};
    getnameinfo(a->ai_addr, a->ai_addrlen, text, sizeof(text), nullptr, 0, NI_NUMERICHOST);
    all_private = all_private && is_private_address(text);
  }
  freeaddrinfo(found);
  return all_private;
}

TEST_F(ProxiedTargetTest, NameThatResolvesToAPrivateAddressIsRefused) {
  char host[256] = {};
  ASSERT_EQ(gethostname(host, sizeof(host) - 1), 0);
  if (!resolves_only_to_private(host)) GTEST_SKIP() << host << " does not resolve to private addresses only";
  const auto outcome = check(std::string("http://") + host + ":8080/img.png");
  ASSERT_FALSE(outcome.ok());
  EXPECT_EQ(outcome.error().kind, Kind::kBlockedAddress) << outcome.error().message;
  EXPECT_NE(outcome.error().message.find(host), std::string::npos) << outcome.error().message;
}

HttpResponse redirect(long status, std::string location) {
  HttpResponse response;
  response.status = status;
  if (!location.empty()) response.headers.emplace_back("location", std::move(location));
  return response;
}

HttpRequest get(std::string url) {
  HttpRequest request;
  request.url = std::move(url);
  request.headers = {{"Authorization", "Bearer k"}, {"Cookie", "c=1"}, {"Accept", "image/*"}};
  return request;
}

TEST_F(ProxiedTargetTest, RedirectResolvesLocationAgainstTheRequest) {
  const auto next = redirect_request(get("http://203.0.113.7/a/b?x=1"), redirect(302, "../c?y=2"));
  ASSERT_TRUE(next.ok()) << next.error().message;
  ASSERT_TRUE(next->has_value());
  EXPECT_EQ((*next)->url, "http://203.0.113.7/c?y=2");
  EXPECT_EQ((*next)->method, "GET");
  EXPECT_EQ((*next)->headers.size(), 3u) << "same origin keeps its headers";
}

TEST_F(ProxiedTargetTest, RedirectToAnotherOriginDropsCredentials) {
  for (const std::string location :
       {"http://198.51.100.2/img.png", "https://203.0.113.7/a", "http://203.0.113.7:8080/a"}) {
    const auto next = redirect_request(get("http://203.0.113.7/a"), redirect(301, location));
    ASSERT_TRUE(next.ok() && next->has_value()) << location;
    ASSERT_EQ((*next)->headers.size(), 1u) << location;
    EXPECT_EQ((*next)->headers[0].first, "Accept");
  }
}

TEST_F(ProxiedTargetTest, SeeOtherAndPostRedirectsBecomeGets) {
  HttpRequest post = get("http://203.0.113.7/form");
  post.method = "POST";
  post.body = "a=1";
  for (const long status : {301L, 302L, 303L}) {
    const auto next = redirect_request(post, redirect(status, "/done"));
    ASSERT_TRUE(next.ok() && next->has_value()) << status;
    EXPECT_EQ((*next)->method, "GET") << status;
    EXPECT_EQ((*next)->body, "") << status;
  }
  const auto kept = redirect_request(post, redirect(307, "/again"));
  ASSERT_TRUE(kept.ok() && kept->has_value());
  EXPECT_EQ((*kept)->method, "POST");
  EXPECT_EQ((*kept)->body, "a=1");
}

TEST_F(ProxiedTargetTest, NonRedirectsHaveNoNextHop) {
  for (const auto& response :
       {redirect(200, "/x"), redirect(302, ""), redirect(304, "/x"), redirect(404, "")}) {
    const auto next = redirect_request(get("http://203.0.113.7/"), response);
    ASSERT_TRUE(next.ok());
    EXPECT_FALSE(next->has_value()) << response.status;
  }
}

TEST_F(ProxiedTargetTest, RedirectOffHttpIsABadUrl) {
  for (const std::string location : {"ftp://203.0.113.7/x", "file:///etc/passwd", "gopher://h/"}) {
    const auto next = redirect_request(get("http://203.0.113.7/"), redirect(302, location));
    ASSERT_FALSE(next.ok()) << location;
    EXPECT_EQ(next.error().kind, Kind::kBadUrl) << location;
  }
}

}  // namespace
}  // namespace picbot::net
