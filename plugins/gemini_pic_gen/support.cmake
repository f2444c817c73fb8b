# Image storage, reference-image collection and image delivery of
# gemini_pic_gen (included by this folder's CMakeLists.txt).
picbot_library(gemini_support
  SOURCES
    ${CMAKE_CURRENT_LIST_DIR}/image_store.cpp
    ${CMAKE_CURRENT_LIST_DIR}/reference_images.cpp
    ${CMAKE_CURRENT_LIST_DIR}/image_delivery.cpp
  DEPS gemini_openrouter picbot_plugin picbot_http file_send_client picbot_asio OpenSSL::Crypto)
picbot_test(gemini_support_test
  SOURCES
    ${CMAKE_CURRENT_LIST_DIR}/image_store_test.cpp
    ${CMAKE_CURRENT_LIST_DIR}/reference_images_test.cpp
    ${CMAKE_CURRENT_LIST_DIR}/image_delivery_test.cpp
  DEPS gemini_support picbot_fake_http picbot_fake_napcat picbot_fake_openrouter file_receiver
       picbot_test_support)
picbot_allow_coroutine_frames(gemini_support gemini_support_test)
