// S3Client against a real S3 server (S3rver, tests/support/s3_server.h), with
// every uploaded object read back by boto3 (tests/s3/boto3_get.py), and
// against a loopback HTTP server answering S3's error bodies for what S3rver
// does not do (it checks no signatures and never fails on its own).
#include "image/storage/s3/s3_client.h"

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "bot/core/log_language.h"
#include "bot/core/secret.h"
#include "tests/fakes/http/fake_http_server.h"
#include "tests/support/paths.h"
#include "tests/support/run_coroutine.h"
#include "tests/support/s3_server.h"
#include "tests/support/temp_dir.h"

namespace picbot::image::s3 {
namespace {

using namespace std::chrono_literals;
using testing::run_coroutine;
using testing::S3Server;

constexpr const char* kWrongSecret = "wrong-secret-0123456789-abcdefgh";

// Bytes that are not text: every byte value, repeated.
std::string binary_bytes(std::size_t size) {
  std::string out(size, '\0');
  for (std::size_t i = 0; i < size; ++i) out[i] = static_cast<char>((i * 7 + i / 251) & 0xFF);
  return out;
}

class S3ClientTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    log::pin_language("en");
    if (const std::string reason = S3Server::unavailable_reason(); !reason.empty()) {
      FAIL() << reason;
    }
    auto started = S3Server::start({"picbot", "other"});
    ASSERT_TRUE(started.ok()) << started.error().to_string();
    server_ = std::move(started).value().release();
  }
  static void TearDownTestSuite() {
    delete server_;
    server_ = nullptr;
  }
  void SetUp() override { ASSERT_NE(server_, nullptr); }

  S3Settings settings(const S3Server& server) const {
    S3Settings s;
    s.endpoint = server.endpoint();
    s.region = "us-east-1";
    s.bucket = "picbot";
    s.access_key_id = S3Server::kAccessKeyId;
    s.secret_access_key = S3Server::kSecretAccessKey;
    s.key_prefix = "picbot";
    return s;
  }

  std::unique_ptr<S3Client> client(S3Settings s, const Clock& clock = Clock::system(),
                                   S3ClientOptions options = {}) {
    auto made = S3Client::create(std::move(s), http_, workers_, clock, std::move(options));
    EXPECT_TRUE(made.ok()) << made.error().to_string();
    return made.ok() ? std::move(made).value() : nullptr;
  }

  template <class T>
  T run(boost::asio::awaitable<T> task) {
    return run_coroutine(io_, std::move(task), 60s);
  }

  // Each key's object as boto3 reads it from the server.
  std::vector<testing::Boto3Object> read_with_boto3(const std::vector<std::string>& keys) {
    auto read = testing::read_with_boto3(server_->endpoint(), "picbot", keys);
    if (!read.ok()) ADD_FAILURE() << read.error().to_string();
    return read.ok() ? std::move(read).value() : std::vector<testing::Boto3Object>{};
  }

  static S3Server* server_;
  boost::asio::io_context io_;
  net::HttpClient http_{io_.get_executor()};
  WorkerPool workers_{2};
};

S3Server* S3ClientTest::server_ = nullptr;

TEST_F(S3ClientTest, PutHeadGetDeleteRoundTripAndBoto3ReadsTheSameBytes) {
  auto s3 = client(settings(*server_));
  ASSERT_NE(s3, nullptr);
  const std::string bytes = binary_bytes(70'000);  // over the hash-on-the-loop limit: hashed on a worker
  const std::string key = "picbot/ab/abcdef.png";
  Status put = run(s3->put(key, bytes, "image/png", "public, max-age=31536000, immutable"));
  ASSERT_TRUE(put.ok()) << put.error().to_string();

  auto head = run(s3->head(key));
  ASSERT_TRUE(head.ok()) << head.error().to_string();
  ASSERT_TRUE(head.value().has_value());
  EXPECT_EQ(head.value()->key, key);
  EXPECT_EQ(head.value()->size, bytes.size());
  EXPECT_FALSE(head.value()->etag.empty());
  EXPECT_EQ(head.value()->etag.find('"'), std::string::npos);

  auto got = run(s3->get(key));
  ASSERT_TRUE(got.ok()) << got.error().to_string();
  EXPECT_EQ(got.value(), bytes);

  const std::vector<testing::Boto3Object> read = read_with_boto3({key});
  ASSERT_EQ(read.size(), 1u);
  EXPECT_EQ(read[0].bytes, bytes);
  EXPECT_EQ(read[0].content_type, "image/png");
  EXPECT_EQ(read[0].cache_control, "public, max-age=31536000, immutable");

  Status removed = run(s3->remove(key));
  ASSERT_TRUE(removed.ok()) << removed.error().to_string();
  auto gone = run(s3->head(key));
  ASSERT_TRUE(gone.ok()) << gone.error().to_string();
  EXPECT_FALSE(gone.value().has_value());
}

TEST_F(S3ClientTest, AnEmptyObjectRoundTrips) {
  auto s3 = client(settings(*server_));
  ASSERT_NE(s3, nullptr);
  Status put = run(s3->put("empty/zero.bin", "", "application/octet-stream", ""));
  ASSERT_TRUE(put.ok()) << put.error().to_string();
  auto head = run(s3->head("empty/zero.bin"));
  ASSERT_TRUE(head.ok() && head.value().has_value());
  EXPECT_EQ(head.value()->size, 0u);
  const std::vector<testing::Boto3Object> read = read_with_boto3({"empty/zero.bin"});
  ASSERT_EQ(read.size(), 1u);
  EXPECT_EQ(read[0].bytes, "");
}

TEST_F(S3ClientTest, KeysWithSpacesPlusTildeAndUnicodeRoundTrip) {
  auto s3 = client(settings(*server_));
  ASSERT_NE(s3, nullptr);
  const std::vector<std::string> keys = {"odd/a b.png", "odd/a+b.png", "odd/~tilde (1)!.jpg",
                                         "odd/图片 猫🐱.webp", "odd/x=y&z;q,%25.bin"};
  for (std::size_t i = 0; i < keys.size(); ++i) {
    Status put = run(s3->put(keys[i], "bytes of " + keys[i], "application/octet-stream", ""));
    ASSERT_TRUE(put.ok()) << keys[i] << ": " << put.error().to_string();
  }
  auto listed = run(s3->list("odd/", 100));
  ASSERT_TRUE(listed.ok()) << listed.error().to_string();
  std::vector<std::string> listed_keys;
  for (const ObjectInfo& object : listed.value()) listed_keys.push_back(object.key);
  std::vector<std::string> sorted = keys;
  std::sort(sorted.begin(), sorted.end());
  EXPECT_EQ(listed_keys, sorted);

  const std::vector<testing::Boto3Object> read = read_with_boto3(keys);
  ASSERT_EQ(read.size(), keys.size());
  for (std::size_t i = 0; i < keys.size(); ++i) {
    EXPECT_EQ(read[i].bytes, "bytes of " + keys[i]) << keys[i];
    auto got = run(s3->get(keys[i]));
    ASSERT_TRUE(got.ok()) << keys[i] << ": " << got.error().to_string();
    EXPECT_EQ(got.value(), "bytes of " + keys[i]);
  }
}

TEST_F(S3ClientTest, ListPagesThroughContinuationTokensInKeyOrder) {
  auto s3 = client(settings(*server_));
  ASSERT_NE(s3, nullptr);
  for (int i = 6; i >= 0; --i) {
    Status put =
        run(s3->put("paged/" + std::to_string(i) + ".png", std::string(i + 1, 'x'), "image/png", ""));
    ASSERT_TRUE(put.ok()) << put.error().to_string();
  }
  Status other = run(s3->put("pagedX.png", "not under the prefix", "image/png", ""));
  ASSERT_TRUE(other.ok());

  auto first = run(s3->list_page("paged/", 3, ""));
  ASSERT_TRUE(first.ok()) << first.error().to_string();
  ASSERT_EQ(first.value().objects.size(), 3u);
  EXPECT_TRUE(first.value().truncated);
  EXPECT_FALSE(first.value().next_continuation_token.empty());
  EXPECT_EQ(first.value().objects[0].key, "paged/0.png");
  EXPECT_EQ(first.value().objects[2].size, 3u);
  auto second = run(s3->list_page("paged/", 3, first.value().next_continuation_token));
  ASSERT_TRUE(second.ok()) << second.error().to_string();
  ASSERT_EQ(second.value().objects.size(), 3u);
  EXPECT_EQ(second.value().objects[0].key, "paged/3.png");

  auto all = run(s3->list("paged/", 100));
  ASSERT_TRUE(all.ok()) << all.error().to_string();
  ASSERT_EQ(all.value().size(), 7u);
  for (int i = 0; i < 7; ++i) {
    EXPECT_EQ(all.value()[i].key, "paged/" + std::to_string(i) + ".png");
    EXPECT_EQ(all.value()[i].size, static_cast<std::uint64_t>(i + 1));
  }
  auto five = run(s3->list("paged/", 5));
  ASSERT_TRUE(five.ok());
  EXPECT_EQ(five.value().size(), 5u);
}

TEST_F(S3ClientTest, AMissingKeyIsNotFoundAndDeletingItSucceeds) {
  auto s3 = client(settings(*server_));
  ASSERT_NE(s3, nullptr);
  auto head = run(s3->head("missing/none.png"));
  ASSERT_TRUE(head.ok()) << head.error().to_string();
  EXPECT_FALSE(head.value().has_value());
  auto got = run(s3->get("missing/none.png"));
  ASSERT_FALSE(got.ok());
  EXPECT_TRUE(got.error().is_not_found()) << got.error().to_string();
  EXPECT_NE(got.error().message.find("missing/none.png"), std::string::npos);
  Status removed = run(s3->remove("missing/none.png"));
  EXPECT_TRUE(removed.ok()) << removed.error().to_string();
}

TEST_F(S3ClientTest, AWrongBucketSaysNoSuchBucketInPlainWords) {
  S3Settings s = settings(*server_);
  s.bucket = "no-such-bucket";
  s.secret_access_key = kWrongSecret;
  auto s3 = client(s);
  ASSERT_NE(s3, nullptr);
  Status put = run(s3->put("a.png", "x", "image/png", ""));
  ASSERT_FALSE(put.ok());
  EXPECT_EQ(put.error().code, "NoSuchBucket");
  EXPECT_EQ(put.error().message,
            "bucket no-such-bucket does not exist (NoSuchBucket): check bucket and endpoint");
  auto got = run(s3->get("a.png"));
  ASSERT_FALSE(got.ok());
  EXPECT_EQ(got.error().code, "NoSuchBucket");
  auto listed = run(s3->list("", 10));
  ASSERT_FALSE(listed.ok());
  EXPECT_EQ(listed.error().code, "NoSuchBucket");
  EXPECT_EQ(listed.error().message.find(kWrongSecret), std::string::npos);

  const ProbeResult probe = run(s3->probe());
  EXPECT_FALSE(probe.ok);
  EXPECT_NE(probe.message.find("NoSuchBucket"), std::string::npos) << probe.message;
  EXPECT_EQ(probe.message.find(kWrongSecret), std::string::npos);
}

TEST_F(S3ClientTest, AnUnknownAccessKeyIsInvalidAccessKeyIdAndTheSecretIsNeverShown) {
  S3Settings s = settings(*server_);
  s.access_key_id = "NOT-S3RVER";
  s.secret_access_key = kWrongSecret;
  auto s3 = client(s);
  ASSERT_NE(s3, nullptr);
  Status put = run(s3->put("a.png", "x", "image/png", ""));
  ASSERT_FALSE(put.ok());
  EXPECT_EQ(put.error().code, "InvalidAccessKeyId");
  EXPECT_EQ(put.error().message,
            "the server does not know access_key_id NOT-S3RVER (InvalidAccessKeyId): check access_key_id");
  EXPECT_EQ(put.error().to_string().find(kWrongSecret), std::string::npos);
}

TEST_F(S3ClientTest, AClockFarOffGetsRequestTimeTooSkewed) {
  ManualClock clock(Clock::system().now() - 1h);
  auto s3 = client(settings(*server_), clock);
  ASSERT_NE(s3, nullptr);
  Status put = run(s3->put("skewed.png", "x", "image/png", ""));
  ASSERT_FALSE(put.ok());
  EXPECT_EQ(put.error().code, "RequestTimeTooSkewed");
  EXPECT_NE(put.error().message.find("system time"), std::string::npos) << put.error().message;
}

TEST_F(S3ClientTest, GetRefusesAnObjectOverTheLimit) {
  S3ClientOptions options;
  options.max_object_bytes = 1000;
  auto s3 = client(settings(*server_), Clock::system(), options);
  ASSERT_NE(s3, nullptr);
  ASSERT_TRUE(run(s3->put("big.bin", std::string(5000, 'b'), "application/octet-stream", "")).ok());
  auto got = run(s3->get("big.bin"));
  ASSERT_FALSE(got.ok());
  EXPECT_EQ(got.error().code, "too_large");
  EXPECT_EQ(got.error().message, "object big.bin is over 1000 bytes");
}

TEST_F(S3ClientTest, VirtualHostedAddressingReachesTheBucket) {
  S3Settings s = settings(*server_);
  s.endpoint = server_->virtual_hosted_endpoint();
  s.path_style = false;
  auto s3 = client(s);
  ASSERT_NE(s3, nullptr);
  const std::string key = "vhost/a b+c.png";
  Status put = run(s3->put(key, "virtual bytes", "image/png", ""));
  ASSERT_TRUE(put.ok()) << put.error().to_string();
  auto listed = run(s3->list("vhost/", 10));
  ASSERT_TRUE(listed.ok()) << listed.error().to_string();
  ASSERT_EQ(listed.value().size(), 1u);
  EXPECT_EQ(listed.value()[0].key, key);
  // The object is in bucket picbot (boto3 reads path-style: Python's
  // resolver, unlike curl, does not resolve *.localhost).
  const std::vector<testing::Boto3Object> path_style = read_with_boto3({key});
  ASSERT_EQ(path_style.size(), 1u);
  EXPECT_EQ(path_style[0].bytes, "virtual bytes");
}

TEST_F(S3ClientTest, APresignedUrlDownloadsTheObject) {
  auto s3 = client(settings(*server_));
  ASSERT_NE(s3, nullptr);
  const std::string key = "presigned/a b.png";
  ASSERT_TRUE(run(s3->put(key, "presigned bytes", "image/png", "")).ok());
  const std::string url = s3->object_url(key, 600s);
  EXPECT_TRUE(
      url.starts_with(server_->endpoint() + "/picbot/presigned/a%20b.png?X-Amz-Algorithm=AWS4-HMAC-SHA256"))
      << url;
  EXPECT_NE(url.find("&X-Amz-Expires=600&"), std::string::npos) << url;
  net::HttpRequest request;
  request.url = url;
  auto answer = run(http_.request(std::move(request)));
  ASSERT_TRUE(answer.ok()) << answer.error().message;
  EXPECT_EQ(answer.value().status, 200) << answer.value().body;
  EXPECT_EQ(answer.value().body, "presigned bytes");
}

TEST_F(S3ClientTest, APublicBaseUrlMakesPlainObjectUrls) {
  S3Settings s = settings(*server_);
  s.public_base_url = "https://img.example.com/";
  auto s3 = client(s);
  ASSERT_NE(s3, nullptr);
  EXPECT_EQ(s3->object_url("picbot/ab/a b+c.png", 600s), "https://img.example.com/picbot/ab/a%20b%2Bc.png");
}

TEST_F(S3ClientTest, ProbeListsPutsAndDeletesAProbeObject) {
  auto s3 = client(settings(*server_));
  ASSERT_NE(s3, nullptr);
  const ProbeResult probe = run(s3->probe());
  EXPECT_TRUE(probe.ok) << probe.message;
  EXPECT_TRUE(probe.message.starts_with("the connection works")) << probe.message;
  auto left = run(s3->list("picbot/.picbot-probe-", 10));
  ASSERT_TRUE(left.ok());
  EXPECT_TRUE(left.value().empty());
}

// The server going away is a transient error; back on the same port and
// directory, it serves what was stored before.
TEST_F(S3ClientTest, AStoppedServerIsUnavailableAndARestartServesTheSameObjects) {
  auto started = S3Server::start();
  ASSERT_TRUE(started.ok()) << started.error().to_string();
  S3Server& server = *started.value();
  auto s3 = client(settings(server));
  ASSERT_NE(s3, nullptr);
  ASSERT_TRUE(run(s3->put("kept.png", "kept bytes", "image/png", "")).ok());
  ASSERT_TRUE(server.stop());
  Status put = run(s3->put("later.png", "x", "image/png", ""));
  ASSERT_FALSE(put.ok());
  EXPECT_TRUE(put.error().is_unavailable()) << put.error().to_string();
  EXPECT_NE(put.error().message.find("cannot reach the storage server " + server.endpoint()),
            std::string::npos)
      << put.error().message;

  const int port = server.port();
  Status restarted = server.restart();
  ASSERT_TRUE(restarted.ok()) << restarted.error().to_string();
  EXPECT_EQ(server.port(), port);
  auto got = run(s3->get("kept.png"));
  ASSERT_TRUE(got.ok()) << got.error().to_string();
  EXPECT_EQ(got.value(), "kept bytes");
}

// S3's error bodies as AWS documents them ("Error responses", Amazon S3 API
// Reference: <Error><Code/><Message/>...</Error>), answered by a loopback
// server for the errors S3rver never produces.
class S3ErrorAnswers : public ::testing::Test {
 protected:
  void SetUp() override { log::pin_language("en"); }

  std::unique_ptr<S3Client> client(S3ClientOptions options = {}) {
    S3Settings s;
    s.endpoint = fake_.base_url();
    s.region = "auto";
    s.bucket = "picbot";
    s.access_key_id = "AKID";
    s.secret_access_key = kWrongSecret;
    auto made = S3Client::create(std::move(s), http_, workers_, Clock::system(), std::move(options));
    EXPECT_TRUE(made.ok());
    return std::move(made).value();
  }

  void answer(int status, std::string code, std::string message) {
    fake_.on("*", "/", [=](const testing::FakeHttpRequest&) {
      return testing::FakeHttpResponse::text("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>" +
                                                 code + "</Code><Message>" + message +
                                                 "</Message><RequestId>4442587FB7D0A2F9</RequestId></Error>",
                                             status);
    });
  }

  template <class T>
  T run(boost::asio::awaitable<T> task) {
    return run_coroutine(io_, std::move(task), 30s);
  }

  testing::FakeHttpServer fake_;
  boost::asio::io_context io_;
  net::HttpClient http_{io_.get_executor()};
  WorkerPool workers_{1};
};

TEST_F(S3ErrorAnswers, SignatureDoesNotMatchSaysCheckTheSecretWithoutShowingIt) {
  // A server echoing the secret in its message must not get it shown.
  answer(403, "SignatureDoesNotMatch",
         std::string("The request signature we calculated does not match ") + kWrongSecret);
  auto s3 = client();
  Status put = run(s3->put("a.png", "x", "image/png", ""));
  ASSERT_FALSE(put.ok());
  EXPECT_EQ(put.error().code, "SignatureDoesNotMatch");
  EXPECT_EQ(put.error().message,
            "the signature does not match (SignatureDoesNotMatch): check secret_access_key");
  const ProbeResult probe = run(s3->probe());
  EXPECT_FALSE(probe.ok);
  EXPECT_EQ(probe.message,
            "listing objects failed: the signature does not match (SignatureDoesNotMatch): check "
            "secret_access_key");
}

TEST_F(S3ErrorAnswers, AServerMessageEchoingTheSecretIsShownMasked) {
  answer(400, "InvalidArgument", std::string("bad value ") + kWrongSecret);
  auto s3 = client();
  Status put = run(s3->put("a.png", "x", "image/png", ""));
  ASSERT_FALSE(put.ok());
  EXPECT_EQ(put.error().code, "InvalidArgument");
  EXPECT_EQ(put.error().message,
            "the storage server refused the request (HTTP 400 InvalidArgument): bad value " +
                mask_secret(kWrongSecret));
}

TEST_F(S3ErrorAnswers, AnOddCodeIsReplacedByWhatTheStatusSays) {
  answer(409, "Not a code: &lt;x&gt;", "odd");
  auto s3 = client();
  Status put = run(s3->put("a.png", "x", "image/png", ""));
  ASSERT_FALSE(put.ok());
  EXPECT_EQ(put.error().code, "http_409");
}

TEST_F(S3ErrorAnswers, AccessDeniedNamesTheBucket) {
  answer(403, "AccessDenied", "Access Denied");
  auto s3 = client();
  auto got = run(s3->get("a.png"));
  ASSERT_FALSE(got.ok());
  EXPECT_EQ(got.error().code, "AccessDenied");
  EXPECT_EQ(got.error().message,
            "the bucket refused access (AccessDenied): access_key_id may not use bucket picbot");
}

TEST_F(S3ErrorAnswers, ServerErrorsAndSlowDownAreTransient) {
  answer(503, "SlowDown", "Please reduce your request rate.");
  auto s3 = client();
  Status put = run(s3->put("a.png", "x", "image/png", ""));
  ASSERT_FALSE(put.ok());
  EXPECT_TRUE(put.error().is_unavailable());
  EXPECT_EQ(put.error().message,
            "the storage server failed for now (HTTP 503 SlowDown): Please reduce your request rate.");
  fake_.on("*", "/",
           [](const testing::FakeHttpRequest&) { return testing::FakeHttpResponse::text("", 500); });
  auto got = run(s3->get("a.png"));
  ASSERT_FALSE(got.ok());
  EXPECT_TRUE(got.error().is_unavailable()) << got.error().to_string();
}

TEST_F(S3ErrorAnswers, AnUnreadableListingIsABadResponse) {
  fake_.on("GET", "/picbot", [](const testing::FakeHttpRequest&) {
    return testing::FakeHttpResponse::text(
        "<ListBucketResult><Contents><Size>12</Size></Contents></ListBucketResult>");
  });
  auto s3 = client();
  auto listed = run(s3->list("", 10));
  ASSERT_FALSE(listed.ok());
  EXPECT_EQ(listed.error().code, "bad_response");
  EXPECT_EQ(listed.error().message, "the storage server's listing could not be read: a Contents has no Key");
}

// What is sent: the signed headers R2 insists on, a real body hash, the
// object's headers, path-style addressing.
TEST_F(S3ErrorAnswers, APutSendsTheBodyHashAndSignedHeaders) {
  std::vector<testing::FakeHttpRequest> seen;
  std::mutex mu;
  fake_.on("PUT", "/picbot/", [&](const testing::FakeHttpRequest& request) {
    std::lock_guard lock(mu);
    seen.push_back(request);
    return testing::FakeHttpResponse::text("");
  });
  auto s3 = client();
  Status put = run(s3->put("dir/a b.png", "png bytes", "image/png", "max-age=60"));
  ASSERT_TRUE(put.ok()) << put.error().to_string();
  std::lock_guard lock(mu);
  ASSERT_EQ(seen.size(), 1u);
  const testing::FakeHttpRequest& request = seen[0];
  EXPECT_EQ(request.target, "/picbot/dir/a%20b.png");
  EXPECT_EQ(request.body, "png bytes");
  EXPECT_EQ(request.header("x-amz-content-sha256"), sha256_hex("png bytes"));
  EXPECT_EQ(request.header("content-type"), "image/png");
  EXPECT_EQ(request.header("cache-control"), "max-age=60");
  EXPECT_EQ(request.header("x-amz-date").size(), 16u);
  EXPECT_TRUE(request.header("authorization").starts_with("AWS4-HMAC-SHA256 Credential=AKID/"))
      << request.header("authorization");
  EXPECT_NE(
      request.header("authorization")
          .find("/auto/s3/aws4_request, SignedHeaders=cache-control;content-type;host;x-amz-content-sha256;"
                "x-amz-date, Signature="),
      std::string::npos);
}

TEST_F(S3ErrorAnswers, ARefusedHeadLearnsTheServersCodeFromAOneByteGet) {
  std::string range;
  std::mutex mu;
  fake_.on("HEAD", "/picbot/",
           [](const testing::FakeHttpRequest&) { return testing::FakeHttpResponse::text("", 403); });
  fake_.on("GET", "/picbot/", [&](const testing::FakeHttpRequest& request) {
    std::lock_guard lock(mu);
    range = request.header("range");
    return testing::FakeHttpResponse::text(
        "<Error><Code>SignatureDoesNotMatch</Code><Message>The request signature we calculated does not "
        "match the "
        "signature you provided.</Message></Error>",
        403);
  });
  auto s3 = client();
  auto head = run(s3->head("a.png"));
  ASSERT_FALSE(head.ok());
  EXPECT_EQ(head.error().code, "SignatureDoesNotMatch");
  std::lock_guard lock(mu);
  EXPECT_EQ(range, "bytes=0-0");
}

TEST_F(S3ErrorAnswers, ARefusedHeadWithNothingMoreToLearnIsAccessDenied) {
  fake_.on("*", "/picbot/",
           [](const testing::FakeHttpRequest&) { return testing::FakeHttpResponse::text("", 403); });
  auto s3 = client();
  auto head = run(s3->head("a.png"));
  ASSERT_FALSE(head.ok());
  EXPECT_EQ(head.error().code, "AccessDenied");
}

TEST_F(S3ErrorAnswers, AListingThatMakesNoProgressEnds) {
  fake_.on("GET", "/picbot", [](const testing::FakeHttpRequest&) {
    return testing::FakeHttpResponse::text(
        "<ListBucketResult><IsTruncated>true</IsTruncated><NextContinuationToken>same</NextContinuationToken>"
        "</ListBucketResult>");
  });
  auto s3 = client();
  auto listed = run(s3->list("", 100));
  ASSERT_FALSE(listed.ok());
  EXPECT_EQ(listed.error().code, "bad_response");
}

TEST_F(S3ErrorAnswers, APutWithoutAContentTypeIsOctetStream) {
  std::string content_type;
  std::mutex mu;
  fake_.on("PUT", "/picbot/", [&](const testing::FakeHttpRequest& request) {
    std::lock_guard lock(mu);
    content_type = request.header("content-type");
    return testing::FakeHttpResponse::text("");
  });
  auto s3 = client();
  ASSERT_TRUE(run(s3->put("a.bin", "x", "", "")).ok());
  std::lock_guard lock(mu);
  EXPECT_EQ(content_type, "application/octet-stream");
}

TEST_F(S3ErrorAnswers, AServerThatNeverAnswersTimesOutAsUnavailable) {
  fake_.on("*", "/", [](const testing::FakeHttpRequest&) {
    testing::FakeHttpResponse hang;
    hang.action = testing::FakeHttpResponse::Action::kHang;
    return hang;
  });
  S3ClientOptions options;
  options.request_timeout = 300ms;
  auto s3 = client(options);
  const auto started = std::chrono::steady_clock::now();
  Status put = run(s3->put("a.png", "x", "image/png", ""));
  ASSERT_FALSE(put.ok());
  EXPECT_TRUE(put.error().is_unavailable()) << put.error().to_string();
  EXPECT_NE(put.error().message.find("(timeout)"), std::string::npos) << put.error().message;
  EXPECT_LT(std::chrono::steady_clock::now() - started, 10s);
}

}  // namespace
}  // namespace picbot::image::s3
