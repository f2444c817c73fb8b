# stream_upload_bench: a 2 MB image through NapCat's upload_file_stream (fake NapCat logic, in-process).
if(TARGET gemini_delivery AND TARGET picbot_fake_napcat AND TARGET picbot_fake_openrouter)
  picbot_benchmark(stream_upload_bench SOURCES stream_upload_bench.cpp
    DEPS gemini_delivery picbot_fake_napcat picbot_fake_openrouter picbot_test_support)
endif()
