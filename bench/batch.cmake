# batch_bench: `picbot batch` over N images of S MB against an in-process
# fake Gemini answering after a delay: wall time against the ideal, peak RSS
# and CPU per image of the picbot process (the upstream is CheapUpstream in
# bench/batch_bench.cpp; see docs/performance.md). Needs the test fakes
# (make_png, base64).
if(TARGET picbot_fake_gemini)
  add_executable(batch_bench ${CMAKE_CURRENT_SOURCE_DIR}/batch_bench.cpp)
  target_include_directories(batch_bench PRIVATE ${PROJECT_SOURCE_DIR})
  target_link_libraries(batch_bench PRIVATE picbot_fake_gemini picbot_fake_openrouter fmt::fmt Threads::Threads)
  target_compile_options(batch_bench PRIVATE -Wall -Wextra -Wno-unused-parameter)
endif()
