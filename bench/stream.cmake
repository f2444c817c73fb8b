# stream_upload_bench: a 2 MB image through NapCat's upload_file_stream (fake NapCat logic, in-process).
if(TARGET gemini_support AND TARGET picbot_fake_napcat AND TARGET picbot_fake_openrouter)
  if(NOT TARGET benchmark::benchmark)
    find_package(benchmark REQUIRED)
  endif()
  add_executable(stream_upload_bench stream_upload_bench.cpp)
  target_link_libraries(stream_upload_bench PRIVATE gemini_support picbot_fake_napcat picbot_fake_openrouter
                        picbot_test_support benchmark::benchmark)
  target_compile_options(stream_upload_bench PRIVATE -Wall -Wextra -Wno-unused-parameter)
endif()
