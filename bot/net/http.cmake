# HttpClient: libcurl multi interface driven by the io_context. libcurl is
# loaded with dlopen on the first request (curl_library.cpp), so only its
# headers are needed at build time.
picbot_library(picbot_http SOURCES curl_library.cpp http_client.cpp proxied_target.cpp sse_parser.cpp DEPS picbot_core picbot_asio ${CMAKE_DL_LIBS})
target_include_directories(picbot_http PRIVATE ${CURL_INCLUDE_DIRS})
picbot_test(http_client_test SOURCES http_client_test.cpp http_client_stream_test.cpp proxied_target_test.cpp sse_parser_test.cpp DEPS picbot_http picbot_fake_http)
