# image_overhead_bench: upstream body complete -> ImageResult per provider, and
# -> send frame built (OpenRouter), for a 2 MB PNG.
if(TARGET gemini_delivery AND TARGET picbot_fake_openrouter)
  picbot_benchmark(image_overhead_bench SOURCES image_overhead_bench.cpp quiet_benchmark_main.cpp
    DEPS gemini_delivery picbot_image_storage image_openrouter image_openai image_gemini image_seedream
      image_dashscope image_modelscope
      picbot_fake_openrouter picbot_fake_http picbot_test_support)
  picbot_allow_coroutine_frames(image_overhead_bench)
endif()
