#include "image/storage/s3/s3_settings.h"

#include <gtest/gtest.h>

#include "bot/core/log_language.h"

namespace picbot::image::s3 {
namespace {

S3Settings r2() {
  S3Settings s;
  s.endpoint = "https://0123abcd.r2.cloudflarestorage.com";
  s.region = "auto";
  s.bucket = "picbot-images";
  s.access_key_id = "0123456789abcdef0123456789abcdef";
  s.secret_access_key = "secret";
  return s;
}

std::string problem(const S3Settings& s) {
  const Status status = s.validate();
  return status.ok() ? "" : status.error().code + ": " + status.error().message;
}

TEST(S3Settings, AcceptsEachServicesExample) {
  log::pin_language("en");
  EXPECT_EQ(problem(r2()), "");
  S3Settings aws = r2();
  aws.endpoint = "https://s3.eu-west-1.amazonaws.com";
  aws.region = "eu-west-1";
  aws.path_style = false;
  EXPECT_EQ(problem(aws), "");
  S3Settings minio = r2();
  minio.endpoint = "http://127.0.0.1:9000/";
  minio.region = "us-east-1";
  EXPECT_EQ(problem(minio), "");
  S3Settings oss = r2();
  oss.endpoint = "https://s3.oss-cn-hangzhou.aliyuncs.com";
  oss.region = "cn-hangzhou";
  oss.path_style = false;
  EXPECT_EQ(problem(oss), "");
}

TEST(S3Settings, NamesTheWrongFieldInPlainWords) {
  log::pin_language("en");
  S3Settings s = r2();
  s.endpoint = "ftp://x";
  EXPECT_EQ(
      problem(s),
      "bad_config: storage.s3.endpoint: should be http(s)://host[:port] without a path (is \"ftp://x\")");
  s.endpoint = "https://host/bucket";
  EXPECT_NE(problem(s).find("storage.s3.endpoint"), std::string::npos);
  s.endpoint = "https://host:99999";
  EXPECT_NE(problem(s).find("storage.s3.endpoint"), std::string::npos);
  s = r2();
  s.bucket = "Bad_Bucket";
  EXPECT_EQ(problem(s),
            "bad_config: storage.s3.bucket: \"Bad_Bucket\" is not a valid bucket name (3 to 63 "
            "lower-case letters, digits, '.' or '-')");
  s = r2();
  s.endpoint = "https://s3.oss-cn-hangzhou.aliyuncs.com";
  EXPECT_EQ(problem(s),
            "bad_config: storage.s3.path_style: Aliyun OSS supports virtual-hosted addressing only: set "
            "path_style: "
            "false");
  s = r2();
  s.endpoint = "http://127.0.0.1:9000";
  s.path_style = false;
  EXPECT_EQ(problem(s),
            "bad_config: storage.s3.path_style: virtual-hosted addressing puts the bucket in front of "
            "the host name, and 127.0.0.1 is an IP address: set path_style: true");
  s = r2();
  s.bucket = "img.example.com";
  s.path_style = false;
  EXPECT_NE(problem(s).find("has a '.'"), std::string::npos);
  s = r2();
  s.secret_access_key = "";
  EXPECT_NE(problem(s).find("PICBOT_S3_SECRET_ACCESS_KEY"), std::string::npos);
  s = r2();
  s.presign_seconds = 604801;
  EXPECT_EQ(problem(s), "bad_config: storage.s3.presign_seconds: should be 1 to 604800 (7 days) (is 604801)");
  s = r2();
  s.max_parallel_uploads = 0;
  EXPECT_NE(problem(s).find("storage.s3.max_parallel_uploads"), std::string::npos);
  s = r2();
  s.public_base_url = "img.example.com";
  EXPECT_NE(problem(s).find("storage.s3.public_base_url"), std::string::npos);
  s = r2();
  s.key_prefix = "/picbot";
  EXPECT_NE(problem(s).find("storage.s3.key_prefix"), std::string::npos);
  s = r2();
  s.region = " ";
  EXPECT_NE(problem(s).find("storage.s3.region"), std::string::npos);
}

TEST(S3Settings, SpeaksChineseByDefault) {
  log::pin_language("zh-CN");
  S3Settings s = r2();
  s.endpoint = "https://s3.oss-cn-hangzhou.aliyuncs.com";
  EXPECT_EQ(problem(s),
            "bad_config: storage.s3.path_style: 阿里云 OSS 只支持虚拟主机方式：设 path_style: false");
  log::pin_language("en");
}

TEST(S3Settings, ParsesEndpoints) {
  auto plain = parse_endpoint("https://ACCT.r2.cloudflarestorage.com/");
  ASSERT_TRUE(plain.ok());
  EXPECT_EQ(plain->scheme, "https");
  EXPECT_EQ(plain->host, "acct.r2.cloudflarestorage.com");
  EXPECT_EQ(plain->port, 0);
  auto port = parse_endpoint("http://127.0.0.1:9000");
  ASSERT_TRUE(port.ok());
  EXPECT_EQ(port->port, 9000);
  auto v6 = parse_endpoint("http://[::1]:9000");
  ASSERT_TRUE(v6.ok());
  EXPECT_EQ(v6->host, "[::1]");
  EXPECT_FALSE(parse_endpoint("http://user@host").ok());
  EXPECT_FALSE(parse_endpoint("http://host?x=1").ok());
  EXPECT_FALSE(parse_endpoint("http://host:").ok());
  EXPECT_FALSE(parse_endpoint("http://").ok());
}

}  // namespace
}  // namespace picbot::image::s3
