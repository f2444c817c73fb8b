# rate_limit_bench: an upstream limit of 10 requests/s under a 100-request
# burst kept up for 30 s (image/limited_provider.h); see docs/performance.md.
if(TARGET picbot_image)
  add_executable(rate_limit_bench ${CMAKE_CURRENT_SOURCE_DIR}/rate_limit_bench.cpp)
  target_include_directories(rate_limit_bench PRIVATE ${PROJECT_SOURCE_DIR})
  target_link_libraries(rate_limit_bench PRIVATE picbot_image)
  target_compile_options(rate_limit_bench PRIVATE -Wall -Wextra -Wno-unused-parameter)
endif()
picbot_allow_coroutine_frames(rate_limit_bench)
