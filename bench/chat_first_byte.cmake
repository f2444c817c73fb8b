# chat_first_byte_bench: a streamed chat delta from the fake upstream's write
# to the gateway relay's writer (issue 19's 5 ms first-byte figure; see
# bench/chat_first_byte_bench.cpp and docs/performance.md). Needs the fakes.
if(TARGET image_gateway_chat AND TARGET picbot_fake_chat)
  add_executable(chat_first_byte_bench ${CMAKE_CURRENT_SOURCE_DIR}/chat_first_byte_bench.cpp)
  target_include_directories(chat_first_byte_bench PRIVATE ${PROJECT_SOURCE_DIR})
  target_link_libraries(chat_first_byte_bench PRIVATE image_gateway_chat picbot_fake_chat Threads::Threads)
  target_compile_options(chat_first_byte_bench PRIVATE -Wall -Wextra -Wno-unused-parameter)
endif()
