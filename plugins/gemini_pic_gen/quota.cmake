# Drawing quotas: the limit policy and its SQLite store (included by this
# folder's CMakeLists.txt).
picbot_library(gemini_quota
  SOURCES quota_policy.cpp quota_store.cpp quota_admin.cpp
  DEPS picbot_store picbot_core picbot_asio picbot_onebot nlohmann_json::nlohmann_json)
picbot_test(gemini_quota_test
  SOURCES quota_policy_test.cpp quota_store_test.cpp quota_admin_test.cpp
  DEPS gemini_quota picbot_test_support)
