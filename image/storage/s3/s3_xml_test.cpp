#include "image/storage/s3/s3_xml.h"

#include <gtest/gtest.h>

namespace picbot::image::s3 {
namespace {

TEST(S3Xml, ReadsAnErrorBody) {
  auto body = parse_error_body(
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>NoSuchKey</Code><Message>The resource you "
      "requested does not exist</Message><Resource>/mybucket/myfoto.jpg</Resource><RequestId>4442587FB7D0A2F9"
      "</RequestId></Error>");
  ASSERT_TRUE(body.has_value());
  EXPECT_EQ(body->code, "NoSuchKey");
  EXPECT_EQ(body->message, "The resource you requested does not exist");
}

TEST(S3Xml, AnythingElseIsNoErrorBody) {
  EXPECT_FALSE(parse_error_body("").has_value());
  EXPECT_FALSE(parse_error_body("<html>502 Bad Gateway</html>").has_value());
  EXPECT_FALSE(parse_error_body("<Error><Message>no code</Message></Error>").has_value());
  EXPECT_FALSE(parse_error_body("<Error><Code>X</Code>").has_value());  // cut short
  EXPECT_FALSE(parse_error_body("<Other><Error><Code>X</Code></Error></Other>").has_value());
}

TEST(S3Xml, ReadsAListing) {
  auto page = parse_list_result(
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
      "<ListBucketResult "
      "xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><Name>b</Name><Prefix>img/</Prefix>"
      "<KeyCount>2</KeyCount><MaxKeys>2</MaxKeys><IsTruncated>true</IsTruncated>"
      "<NextContinuationToken>1ueGcxLPRx1Tr/XYExHnhbYLgveDs2J/wm36Hy4vbOwM=</NextContinuationToken>"
      "<Contents><Key>img/a &amp; b.png</Key><LastModified>2026-12-07T21:20:00.000Z</LastModified>"
      "<ETag>&quot;9b2cf535f27731c974343645a3985328&quot;</ETag><Size>123</Size><StorageClass>STANDARD"
      "</StorageClass></Contents>"
      "<Contents><Key>img/猫.png</Key><ETag>\"e1\"</ETag><Size>0</Size></Contents></ListBucketResult>");
  ASSERT_TRUE(page.ok()) << page.error().to_string();
  EXPECT_TRUE(page->truncated);
  EXPECT_EQ(page->next_continuation_token, "1ueGcxLPRx1Tr/XYExHnhbYLgveDs2J/wm36Hy4vbOwM=");
  ASSERT_EQ(page->objects.size(), 2u);
  EXPECT_EQ(page->objects[0].key, "img/a & b.png");
  EXPECT_EQ(page->objects[0].etag, "9b2cf535f27731c974343645a3985328");
  EXPECT_EQ(page->objects[0].size, 123u);
  EXPECT_EQ(page->objects[1].key, "img/猫.png");
  EXPECT_EQ(page->objects[1].etag, "e1");
}

TEST(S3Xml, RefusesBrokenListings) {
  auto message = [](std::string_view xml) {
    auto page = parse_list_result(xml);
    return page.ok() ? std::string("ok") : page.error().message;
  };
  EXPECT_EQ(message("<Error><Code>X</Code></Error>"), "not a ListBucketResult");
  EXPECT_EQ(message("<ListBucketResult><Contents><Key>k</Key><Size>-1</Size></Contents></ListBucketResult>"),
            "a Size is not a number");
  EXPECT_EQ(message("<ListBucketResult><Contents><Key>k</Key><Size>1x</Size></Contents></ListBucketResult>"),
            "a Size is not a number");
  EXPECT_EQ(message("<ListBucketResult><IsTruncated>true</IsTruncated></ListBucketResult>"),
            "truncated without a NextContinuationToken");
  EXPECT_TRUE(message("<ListBucketResult>").starts_with("not XML: "));
  EXPECT_EQ(message("<ListBucketResult></ListBucketResult>"), "ok");
}

TEST(S3Xml, KeepsToItsLimits) {
  std::string deep;
  for (int i = 0; i < 100000; ++i) deep += "<a>";
  EXPECT_EQ(parse_list_result(deep).error().message, "nested deeper than 16 levels");
  EXPECT_FALSE(parse_error_body(deep).has_value());

  const std::string long_key = "<ListBucketResult><Contents><Key>" + std::string(kMaxXmlText + 1, 'k') +
                               "</Key></Contents></ListBucketResult>";
  EXPECT_EQ(parse_list_result(long_key).error().message, "an element's text is over 4096 bytes");

  EXPECT_EQ(parse_list_result(std::string(kMaxXmlBytes + 1, ' ')).error().message, "body over 8388608 bytes");

  // Entity expansion ("billion laughs") never starts: no DOCTYPE at all.
  const std::string laughs =
      "<?xml version=\"1.0\"?><!DOCTYPE lolz [<!ENTITY lol \"lol\"><!ENTITY lol2 \"&lol;&lol;&lol;&lol;\">]>"
      "<Error><Code>&lol2;</Code></Error>";
  EXPECT_FALSE(parse_error_body(laughs).has_value());
  EXPECT_EQ(parse_list_result(laughs).error().message, "a DOCTYPE is not allowed");

  std::string many = "<ListBucketResult>";
  for (std::size_t i = 0; i <= kMaxListedObjects; ++i) many += "<Contents><Key>k</Key></Contents>";
  many += "</ListBucketResult>";
  EXPECT_EQ(parse_list_result(many).error().message, "more than 10000 objects");
}

}  // namespace
}  // namespace picbot::image::s3
