# HttpClient: libcurl multi interface driven by the io_context.
picbot_library(picbot_http SOURCES http_client.cpp DEPS picbot_core picbot_asio CURL::libcurl)
picbot_test(http_client_test SOURCES http_client_test.cpp DEPS picbot_http picbot_fake_http)
