# upload_queue_bench: hash + enqueue of a 2 MB image for the bucket (issue 18).
if(TARGET picbot_upload_queue AND TARGET picbot_image_storage AND TARGET picbot_test_support)
  picbot_benchmark(upload_queue_bench SOURCES upload_queue_bench.cpp quiet_benchmark_main.cpp
    DEPS picbot_upload_queue picbot_image_storage picbot_test_support OpenSSL::Crypto)
  picbot_allow_coroutine_frames(upload_queue_bench)
endif()
