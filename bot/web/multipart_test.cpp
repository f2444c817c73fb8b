#include "bot/web/multipart.h"

#include <gtest/gtest.h>

namespace picbot::web {
namespace {

// The body the openai SDK (and OpenWebUI's requests) send for images.edit
// with two files: repeated image[] parts, then text fields.
const std::string kBody =
    "--XyZ\r\n"
    "Content-Disposition: form-data; name=\"image[]\"; filename=\"a.png\"\r\n"
    "Content-Type: image/png\r\n"
    "\r\n"
    "\x89PNG\r\n--Xy not a boundary\r\n"
    "\r\n--XyZ\r\n"
    "Content-Disposition: form-data; name=\"image[]\"; filename=\"b \\\"q\\\".png\"\r\n"
    "\r\n"
    "BB\r\n"
    "--XyZ\r\n"
    "content-disposition: form-data; name=prompt\r\n"
    "\r\n"
    "a red cat\r\n"
    "--XyZ--\r\n";

TEST(Multipart, SplitsFilesAndFieldsWithoutCopyingTheirBytes) {
  auto parts = parse_multipart(kBody, "XyZ");
  ASSERT_TRUE(parts) << parts.error().message;
  ASSERT_EQ(parts->size(), 3u);
  EXPECT_EQ((*parts)[0].name, "image[]");
  EXPECT_EQ((*parts)[0].filename, "a.png");
  EXPECT_EQ((*parts)[0].content_type, "image/png");
  EXPECT_EQ((*parts)[0].data, "\x89PNG\r\n--Xy not a boundary\r\n");
  EXPECT_GE((*parts)[0].data.data(), kBody.data());
  EXPECT_EQ((*parts)[1].filename, "b \"q\".png");
  EXPECT_EQ((*parts)[1].data, "BB");
  EXPECT_EQ((*parts)[2].name, "prompt");
  EXPECT_EQ((*parts)[2].filename, "");
  EXPECT_EQ((*parts)[2].data, "a red cat");
}

TEST(Multipart, ReadsTheBoundaryFromTheContentType) {
  EXPECT_EQ(*multipart_boundary("multipart/form-data; boundary=----abc"), "----abc");
  EXPECT_EQ(*multipart_boundary("Multipart/Form-Data; charset=utf-8; boundary=\"a b\""), "a b");
  EXPECT_FALSE(multipart_boundary("application/json"));
  EXPECT_FALSE(multipart_boundary("multipart/form-data"));
  EXPECT_FALSE(multipart_boundary("multipart/form-data; boundary=" + std::string(71, 'x')));
}

TEST(Multipart, RefusesBrokenBodies) {
  EXPECT_FALSE(parse_multipart("", "XyZ"));
  EXPECT_FALSE(parse_multipart("--XyZ\r\nContent-Disposition: form-data; name=a\r\n\r\nno end", "XyZ"));
  EXPECT_FALSE(parse_multipart("--XyZ\r\nno header end", "XyZ"));
  EXPECT_FALSE(parse_multipart("--XyZgarbage", "XyZ"));
  EXPECT_FALSE(parse_multipart("--XyZ\r\nbad header line\r\n\r\nx\r\n--XyZ--", "XyZ"));
  EXPECT_TRUE(parse_multipart("preamble\r\n--XyZ\r\n\r\nx\r\n--XyZ--", "XyZ"));
}

TEST(Multipart, HoldsToItsLimits) {
  std::string many;
  for (int i = 0; i < 5; ++i) many += "--B\r\nContent-Disposition: form-data; name=f\r\n\r\nv\r\n";
  many += "--B--";
  EXPECT_TRUE(parse_multipart(many, "B", {.max_parts = 5}));
  EXPECT_FALSE(parse_multipart(many, "B", {.max_parts = 4}));
  const std::string big_header = "--B\r\nX-Long: " + std::string(10000, 'a') + "\r\n\r\nv\r\n--B--";
  auto refused = parse_multipart(big_header, "B");
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.error().message.find("too large"), std::string::npos);
}

}  // namespace
}  // namespace picbot::web
