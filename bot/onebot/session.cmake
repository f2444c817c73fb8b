# The session layer (API calls by echo, accounts, links) on top of the model.
target_sources(picbot_onebot PRIVATE ${CMAKE_CURRENT_LIST_DIR}/api_error.cpp ${CMAKE_CURRENT_LIST_DIR}/hub.cpp)
target_link_libraries(picbot_onebot PUBLIC picbot_asio)
picbot_test(hub_test SOURCES ${CMAKE_CURRENT_LIST_DIR}/hub_test.cpp DEPS picbot_onebot)
