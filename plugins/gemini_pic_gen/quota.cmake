# Drawing quotas: the limit policy and its SQLite store (included by this
# folder's CMakeLists.txt).
picbot_library(gemini_quota
  SOURCES quota_policy.cpp quota_store.cpp
  DEPS picbot_store picbot_core picbot_asio nlohmann_json::nlohmann_json)
picbot_test(gemini_quota_test
  SOURCES quota_policy_test.cpp quota_store_test.cpp
  DEPS gemini_quota)
