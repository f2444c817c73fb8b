# image_overhead_bench: upstream body complete -> send frame built, for a 2 MB PNG.
if(TARGET gemini_support AND TARGET gemini_openrouter AND TARGET picbot_fake_openrouter)
  if(NOT TARGET benchmark::benchmark)
    find_package(benchmark REQUIRED)
  endif()
  add_executable(image_overhead_bench image_overhead_bench.cpp)
  target_link_libraries(image_overhead_bench PRIVATE gemini_support gemini_openrouter picbot_fake_openrouter
                        picbot_test_support benchmark::benchmark)
  target_compile_options(image_overhead_bench PRIVATE -Wall -Wextra -Wno-unused-parameter)
endif()
