# quota_bench: reserve+commit throughput of the drawing-quota store.
if(NOT TARGET benchmark::benchmark)
  find_package(benchmark REQUIRED)
endif()
add_executable(quota_bench quota_bench.cpp)
target_link_libraries(quota_bench PRIVATE gemini_quota benchmark::benchmark)
target_compile_options(quota_bench PRIVATE -Wall -Wextra -Wno-unused-parameter)
