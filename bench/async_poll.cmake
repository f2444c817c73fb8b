# async_poll_bench: N asynchronous (dashscope) drawings polled at once by one
# event loop against the in-process fake: CPU per poll and peak RSS (see
# bench/async_poll_bench.cpp and docs/performance.md). Needs the test fakes.
if(TARGET image_dashscope AND TARGET picbot_fake_dashscope)
  add_executable(async_poll_bench ${CMAKE_CURRENT_SOURCE_DIR}/async_poll_bench.cpp)
  target_include_directories(async_poll_bench PRIVATE ${PROJECT_SOURCE_DIR})
  target_link_libraries(async_poll_bench PRIVATE image_dashscope picbot_fake_dashscope Threads::Threads)
  target_compile_options(async_poll_bench PRIVATE -Wall -Wextra -Wno-unused-parameter)
endif()
