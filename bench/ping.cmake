# ping_flood: the /ping load generator. It plays NapCat (reverse WS) against
# the real picbot binary and reads its RSS and CPU time from /proc (see
# bench/ping_flood.cpp and docs/performance.md).
# Needs the test support library (ChildProcess, TempDir): bench/run.sh builds
# with PICBOT_BUILD_TESTS=ON.
if(TARGET picbot_test_support)
  add_executable(ping_flood
    ${CMAKE_CURRENT_SOURCE_DIR}/ping_flood.cpp
    ${CMAKE_CURRENT_SOURCE_DIR}/raw_napcat_link.cpp
    ${CMAKE_CURRENT_SOURCE_DIR}/ws_frames.cpp
    ${CMAKE_CURRENT_SOURCE_DIR}/rss_sampler.cpp)
  target_include_directories(ping_flood PRIVATE ${PROJECT_SOURCE_DIR})
  target_link_libraries(ping_flood PRIVATE picbot_test_support picbot_asio nlohmann_json::nlohmann_json
                        Threads::Threads)
  target_compile_definitions(ping_flood PRIVATE PICBOT_DEFAULT_BINARY="${PROJECT_BINARY_DIR}/bot/app/picbot"
                             PICBOT_SOURCE_DIR="${PROJECT_SOURCE_DIR}")
  target_compile_options(ping_flood PRIVATE -Wall -Wextra -Wno-unused-parameter)
endif()

# The generator's frame builder and call scanner, beside the code.
picbot_test(ws_frames_test SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/ws_frames_test.cpp
  ${CMAKE_CURRENT_SOURCE_DIR}/ws_frames.cpp)
if(TARGET ws_frames_test)
  target_include_directories(ws_frames_test PRIVATE ${PROJECT_SOURCE_DIR})
endif()
