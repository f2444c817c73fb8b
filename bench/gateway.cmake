# gateway_load: the image gateway's overhead per request with 200 in flight
# against a fake upstream that answers in 1 s with a 2 MB image, and picbot's
# peak RSS meanwhile (bench/gateway_load.cpp, docs/performance.md).
if(TARGET picbot_fake_openrouter AND TARGET picbot_fake_http AND TARGET picbot_test_support)
  add_executable(gateway_load ${CMAKE_CURRENT_SOURCE_DIR}/gateway_load.cpp ${CMAKE_CURRENT_SOURCE_DIR}/rss_sampler.cpp)
  target_include_directories(gateway_load PRIVATE ${PROJECT_SOURCE_DIR})
  target_link_libraries(gateway_load PRIVATE picbot_fake_http picbot_fake_openrouter picbot_test_support picbot_http
                        picbot_onebot picbot_asio nlohmann_json::nlohmann_json Threads::Threads)
  target_compile_definitions(gateway_load PRIVATE PICBOT_DEFAULT_BINARY="${PROJECT_BINARY_DIR}/bot/app/picbot")
  target_compile_options(gateway_load PRIVATE -Wall -Wextra -Wno-unused-parameter)
  picbot_allow_coroutine_frames(gateway_load)
endif()
