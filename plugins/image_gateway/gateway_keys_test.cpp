#include "plugins/image_gateway/gateway_keys.h"

#include <gtest/gtest.h>

namespace picbot::gateway {
namespace {

TEST(GatewayKeys, NamesTheCallerOfAConfiguredBearerKey) {
  GatewayKeys keys({{"webui", "sk-gw-aaaa1111"}, {"lobe", "sk-gw-bbbb2222"}});
  ASSERT_NE(keys.identify("Bearer sk-gw-bbbb2222"), nullptr);
  EXPECT_EQ(keys.identify("Bearer sk-gw-bbbb2222")->name, "lobe");
  EXPECT_EQ(keys.identify("bearer  sk-gw-aaaa1111 ")->name, "webui");
  EXPECT_EQ(keys.identify("Bearer sk-gw-aaaa111"), nullptr) << "a prefix is not the key";
  EXPECT_EQ(keys.identify("Bearer sk-gw-aaaa11112"), nullptr);
  EXPECT_EQ(keys.identify("Basic sk-gw-aaaa1111"), nullptr);
  EXPECT_EQ(keys.identify("sk-gw-aaaa1111"), nullptr);
  EXPECT_EQ(keys.identify(""), nullptr);
  EXPECT_EQ(keys.identify("Bearer "), nullptr);
}

}  // namespace
}  // namespace picbot::gateway
