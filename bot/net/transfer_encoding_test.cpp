#include "bot/net/transfer_encoding.h"

#include <gtest/gtest.h>

namespace picbot::net {
namespace {

TEST(IsPlainChunked, AcceptsExactlyChunkedInAnyCase) {
  EXPECT_TRUE(is_plain_chunked("chunked"));
  EXPECT_TRUE(is_plain_chunked("Chunked"));
  EXPECT_TRUE(is_plain_chunked(" \tCHUNKED "));
}

TEST(IsPlainChunked, RefusesEveryOtherValue) {
  for (const char* value : {"", "xchunked", "chunkedx", "chunked, identity", "gzip, chunked",
                            "chunked, chunked", "identity", "chunked;q=1", "chun ked", "chunked,"}) {
    EXPECT_FALSE(is_plain_chunked(value)) << value;
  }
}

}  // namespace
}  // namespace picbot::net
