# image_overhead_bench: upstream body complete -> send frame built, for a 2 MB PNG.
if(TARGET gemini_delivery AND TARGET picbot_fake_openrouter)
  picbot_benchmark(image_overhead_bench SOURCES image_overhead_bench.cpp
    DEPS gemini_delivery gemini_image_store image_openrouter picbot_fake_openrouter picbot_test_support)
endif()
