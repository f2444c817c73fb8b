# generation_load: /ping latency, memory and per-image overhead while slow
# image generations (or agent conversations) wait on in-process fakes (see
# bench/generation_load.cpp and docs/performance.md). Needs the test fakes.
if(TARGET picbot_fake_openrouter AND TARGET picbot_fake_chat AND TARGET picbot_test_support)
  add_executable(generation_load
    ${CMAKE_CURRENT_SOURCE_DIR}/generation_load.cpp
    ${CMAKE_CURRENT_SOURCE_DIR}/load_napcat_link.cpp
    ${CMAKE_CURRENT_SOURCE_DIR}/rss_sampler.cpp)
  target_include_directories(generation_load PRIVATE ${PROJECT_SOURCE_DIR})
  target_link_libraries(generation_load PRIVATE picbot_fake_openrouter picbot_fake_chat picbot_test_support picbot_asio
                        nlohmann_json::nlohmann_json Threads::Threads)
  target_compile_definitions(generation_load PRIVATE PICBOT_DEFAULT_BINARY="${PROJECT_BINARY_DIR}/bot/app/picbot")
  target_compile_options(generation_load PRIVATE -Wall -Wextra -Wno-unused-parameter)
endif()
