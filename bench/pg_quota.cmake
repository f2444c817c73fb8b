# pg_quota_bench (issue 22): reserve+commit pairs/s on PostgreSQL from two
# processes, and the admission latency PostgreSQL adds over SQLite. Starts a
# throw-away PostgreSQL (tests/support/postgres_server.h: postgresql-15).
if(TARGET picbot_test_support)
  add_executable(pg_quota_bench pg_quota_bench.cpp)
  target_link_libraries(pg_quota_bench PRIVATE picbot_quota picbot_test_support)
  target_compile_options(pg_quota_bench PRIVATE -Wall -Wextra -Wno-unused-parameter)
endif()
