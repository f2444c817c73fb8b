#include "image/storage/s3/sigv4.h"

#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "tests/support/paths.h"
#include "tests/support/python_script.h"
#include "tests/support/temp_dir.h"

namespace picbot::image::s3 {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;

// 2026-12-07 21:20:00 UTC
const Clock::time_point kTime = Clock::time_point(std::chrono::seconds(1796678400));

std::string hex(std::string_view bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  for (unsigned char c : bytes) {
    out += kDigits[c >> 4];
    out += kDigits[c & 0xF];
  }
  return out;
}

TEST(SigV4, EncodesPathsAndQueriesAsAwsSays) {
  EXPECT_EQ(uri_encode("a b+c~d_e-f.g/ü", true), "a%20b%2Bc~d_e-f.g/%C3%BC");
  EXPECT_EQ(uri_encode("a b+c/=&", false), "a%20b%2Bc%2F%3D%26");
  EXPECT_EQ(host_header("https", "Bucket.EXAMPLE.com", 443), "bucket.example.com");
  EXPECT_EQ(host_header("http", "127.0.0.1", 4568), "127.0.0.1:4568");
  EXPECT_EQ(host_header("http", "minio", 80), "minio");
  EXPECT_EQ(amz_date(kTime), "20261207T212000Z");
  EXPECT_EQ(sha256_hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

// The worked examples of AWS's "Signature Calculations for the Authorization
// Header" and "Authenticating Requests: Using Query Parameters" pages.
TEST(SigV4, MatchesAwsDocumentedExamples) {
  ManualClock clock(Clock::time_point(std::chrono::seconds(1369353600)));  // 2013-05-24 00:00:00 UTC
  const SigV4Signer signer({"AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "us-east-1"},
                           clock);
  RequestToSign get;
  get.host = "examplebucket.s3.amazonaws.com";
  get.path = "/test.txt";
  get.headers = {{"Range", "bytes=0-9"}};
  get.payload_hash = sha256_hex("");
  EXPECT_EQ(signer.sign(get).authorization,
            "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, "
            "SignedHeaders=host;range;x-amz-content-sha256;x-amz-date, "
            "Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41");

  RequestToSign presign;
  presign.host = "examplebucket.s3.amazonaws.com";
  presign.path = "/test.txt";
  EXPECT_EQ(signer.presign(presign, 86400s),
            "https://examplebucket.s3.amazonaws.com/test.txt?X-Amz-Algorithm=AWS4-HMAC-SHA256"
            "&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request"
            "&X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400&X-Amz-SignedHeaders=host"
            "&X-Amz-Signature=aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404");
}

struct OracleCase {
  std::string name;
  bool presign = false;
  RequestToSign request;
  std::string body;
  SigningCredentials credentials;
  std::chrono::seconds expires{0};
};

RequestToSign request(std::string method, std::string scheme, std::string host, std::string path,
                      std::vector<std::pair<std::string, std::string>> query = {},
                      std::vector<std::pair<std::string, std::string>> headers = {}) {
  RequestToSign r;
  r.method = std::move(method);
  r.scheme = std::move(scheme);
  r.host = std::move(host);
  r.path = std::move(path);
  r.query = std::move(query);
  r.headers = std::move(headers);
  return r;
}

std::vector<OracleCase> oracle_cases() {
  const SigningCredentials r2{"0123456789abcdef0123456789abcdef", "r2-secret/with+chars=", "auto"};
  const SigningCredentials aws{"AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
                               "us-east-1"};
  const SigningCredentials minio{"minioadmin", "minioadmin", "us-east-1"};
  const SigningCredentials oss{"LTAI5tExample", "ossSecretExample", "cn-hangzhou"};
  const std::string r2_host = "acct0123.r2.cloudflarestorage.com";
  const std::string aws_host = "picbot-images.s3.us-east-1.amazonaws.com";
  const std::vector<std::pair<std::string, std::string>> png = {
      {"Content-Type", "image/png"}, {"Cache-Control", "public, max-age=31536000"}};
  std::vector<OracleCase> cases = {
      {"r2 path-style PUT with body hash", false,
       request("PUT", "https", r2_host, "/bucket/img/ab/abcdef.png", {}, png),
       std::string("\x89PNG\r\n\x1a\n\0\1\2", 11), r2},
      {"r2 HEAD, empty body", false, request("HEAD", "https", r2_host, "/bucket/img/ab/abcdef.png"), "", r2},
      {"key with spaces, plus, tilde", false, request("GET", "https", aws_host, "/my photos/a+b ~c (1).png"),
       "", aws},
      {"unicode key", false, request("DELETE", "https", aws_host, "/图片/猫 🐱.webp"), "", aws},
      {"ListObjectsV2 query", false,
       request("GET", "https", r2_host, "/bucket",
               {{"list-type", "2"},
                {"prefix", "img/a b+c/"},
                {"max-keys", "1000"},
                {"continuation-token", "1/+x=="}}),
       "", r2},
      {"unsigned payload", false, request("PUT", "https", aws_host, "/u.bin", {}, {{"Content-Type", "x/y"}}),
       "data", aws},
      {"minio path-style, non-default port", false,
       request("PUT", "http", "127.0.0.1:9000", "/picbot/a b/c+d.jpg", {}, {{"Content-Type", "image/jpeg"}}),
       "jpeg bytes", minio},
      {"oss virtual-hosted", false,
       request("GET", "https", "picbot.s3.oss-cn-hangzhou.aliyuncs.com", "/x.png"), "", oss},
      {"header values trimmed", false,
       request("PUT", "https", aws_host, "/t.png", {},
               {{"Content-Type", "  image/png  "}, {"x-amz-meta-a", "a   b"}}),
       "x", aws},
      {"presign r2", true, request("GET", "https", r2_host, "/bucket/img/ab/abcdef.png"), "", r2, 3600s},
      {"presign key with spaces, plus, unicode", true,
       request("GET", "https", aws_host, "/my photos/a+b ~猫.png"), "", aws, 604800s},
      {"presign non-default port", true, request("GET", "http", "127.0.0.1:9000", "/picbot/k.png"), "", minio,
       60s},
      {"presign with a query", true,
       request("GET", "https", aws_host, "/k.png", {{"response-content-type", "image/png"}}), "", aws, 900s},
  };
  cases[5].request.payload_hash = std::string(kUnsignedPayload);
  for (OracleCase& c : cases) {
    if (c.request.payload_hash.empty()) c.request.payload_hash = sha256_hex(c.body);
  }
  return cases;
}

json pairs_json(const std::vector<std::pair<std::string, std::string>>& pairs) {
  json out = json::array();
  for (const auto& [k, v] : pairs) out.push_back({k, v});
  return out;
}

// Each case signed (or presigned) by botocore (tests/s3/botocore_sign.py)
// and by SigV4Signer: the results must be the same bytes.
TEST(SigV4, MatchesBotocoreByteForByte) {
  if (!testing::python_has_module("botocore")) GTEST_SKIP() << "python3-botocore is not installed";
  const std::vector<OracleCase> cases = oracle_cases();
  json spec = {{"time", "2026-12-07T21:20:00"}, {"cases", json::array()}};
  for (const OracleCase& c : cases) {
    json item = {{"kind", c.presign ? "presign" : "sign"},
                 {"method", c.request.method},
                 {"scheme", c.request.scheme},
                 {"host", c.request.host},
                 {"path", c.request.path},
                 {"query", pairs_json(c.request.query)},
                 {"headers", pairs_json(c.request.headers)},
                 {"body_hex", hex(c.body)},
                 {"unsigned_payload", c.request.payload_hash == kUnsignedPayload},
                 {"access_key", c.credentials.access_key_id},
                 {"secret_key", c.credentials.secret_access_key},
                 {"region", c.credentials.region},
                 {"expires", c.expires.count()}};
    spec["cases"].push_back(std::move(item));
  }
  testing::TempDir dir;
  const auto in = dir.write_file("cases.json", spec.dump());
  const auto out = dir.path() / "out.json";
  auto ran =
      testing::run_python(testing::source_dir() / "tests/s3/botocore_sign.py", {in.string(), out.string()});
  ASSERT_TRUE(ran.ok()) << ran.error().to_string();
  std::ifstream file(out);
  const json expected = json::parse(file);
  ASSERT_EQ(expected.size(), cases.size());

  ManualClock clock(kTime);
  for (std::size_t i = 0; i < cases.size(); ++i) {
    const OracleCase& c = cases[i];
    SCOPED_TRACE(c.name);
    const SigV4Signer signer(c.credentials, clock);
    if (c.presign) {
      EXPECT_EQ(signer.presign(c.request, c.expires), expected[i]["url"].get<std::string>());
      continue;
    }
    const SignedHeaders signed_headers = signer.sign(c.request);
    EXPECT_EQ(request_url(c.request), expected[i]["url"].get<std::string>());
    EXPECT_EQ(signed_headers.authorization, expected[i]["authorization"].get<std::string>());
    EXPECT_EQ(signed_headers.amz_date, expected[i]["amz_date"].get<std::string>());
    EXPECT_EQ(signed_headers.content_sha256, expected[i]["content_sha256"].get<std::string>());
  }
}

TEST(SigV4, TheSecretAppearsInNoOutput) {
  ManualClock clock(kTime);
  const SigV4Signer signer({"AK", "very-secret-key-0123456789", "auto"}, clock);
  RequestToSign r = request("GET", "https", "h.example", "/b/k");
  r.payload_hash = sha256_hex("");
  EXPECT_EQ(signer.sign(r).authorization.find("very-secret"), std::string::npos);
  EXPECT_EQ(signer.presign(r, 60s).find("very-secret"), std::string::npos);
}

}  // namespace
}  // namespace picbot::image::s3
