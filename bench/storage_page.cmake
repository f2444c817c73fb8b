# storage_page_bench: the upload queue's part of GET /api/storage with 10,000 rows (issue 18).
if(TARGET picbot_upload_queue AND TARGET picbot_test_support)
  picbot_benchmark(storage_page_bench SOURCES storage_page_bench.cpp
    DEPS picbot_upload_queue picbot_store picbot_test_support)
  picbot_allow_coroutine_frames(storage_page_bench)
endif()
