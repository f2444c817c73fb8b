# s3_upload_bench: S3Client (image/storage/s3) vs boto3's upload_file to a
# local S3rver, 2 MB and 20 MB objects (tests/s3: npm ci, python3-boto3).
if(TARGET picbot_image_s3 AND TARGET picbot_test_support)
  picbot_benchmark(s3_upload_bench SOURCES s3_upload_bench.cpp DEPS picbot_image_s3 picbot_test_support)
  picbot_allow_coroutine_frames(s3_upload_bench)
endif()
