# The OpenRouter image client of gemini_pic_gen (request, response parsing,
# key rotation through picbot_llm).
picbot_library(gemini_openrouter
  SOURCES
    ${CMAKE_CURRENT_LIST_DIR}/openrouter_settings.cpp
    ${CMAKE_CURRENT_LIST_DIR}/openrouter_response.cpp
    ${CMAKE_CURRENT_LIST_DIR}/openrouter_image_client.cpp
  DEPS picbot_llm picbot_http picbot_onebot nlohmann_json::nlohmann_json)
picbot_test(gemini_openrouter_test
  SOURCES
    ${CMAKE_CURRENT_LIST_DIR}/openrouter_settings_test.cpp
    ${CMAKE_CURRENT_LIST_DIR}/openrouter_response_test.cpp
    ${CMAKE_CURRENT_LIST_DIR}/openrouter_image_client_test.cpp
  DEPS gemini_openrouter picbot_fake_openrouter)
picbot_allow_coroutine_frames(gemini_openrouter)
