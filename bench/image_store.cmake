# image_store_bench: hash + save of a 2 MB image, and stats() with 10,000 images (issue 18).
picbot_benchmark(image_store_bench SOURCES image_store_bench.cpp
  DEPS picbot_image_storage picbot_fake_openrouter picbot_test_support)
