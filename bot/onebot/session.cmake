# The session layer (API calls matched by echo, accounts, links) on top of the
# plain model; it is the part that needs Asio.
picbot_library(picbot_onebot_session
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/api_error.cpp ${CMAKE_CURRENT_LIST_DIR}/hub.cpp
  DEPS picbot_onebot picbot_asio)
picbot_test(hub_test SOURCES ${CMAKE_CURRENT_LIST_DIR}/hub_test.cpp DEPS picbot_onebot_session)
