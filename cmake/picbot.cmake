# Shared helpers for picbot's CMake files.

option(PICBOT_TOLERATE_MISSING_SOURCES "Skip listed sources that do not exist yet (parallel development only)" OFF)

# Drops sources that do not exist when PICBOT_TOLERATE_MISSING_SOURCES is on.
function(picbot_existing_sources out)
  set(kept "")
  foreach(src ${ARGN})
    if(IS_ABSOLUTE ${src})
      set(path ${src})
    else()
      set(path ${CMAKE_CURRENT_SOURCE_DIR}/${src})
    endif()
    if(NOT PICBOT_TOLERATE_MISSING_SOURCES OR EXISTS ${path} OR src MATCHES "^\\$<")
      list(APPEND kept ${src})
    else()
      message(WARNING "skipping missing source ${path}")
    endif()
  endforeach()
  set(${out} ${kept} PARENT_SCOPE)
endfunction()

# picbot_library(NAME SOURCES ... DEPS ...): one static library per concern folder.
function(picbot_library name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS" ${ARGN})
  picbot_existing_sources(ARG_SOURCES ${ARG_SOURCES})
  if(NOT ARG_SOURCES)
    return()
  endif()
  add_library(${name} STATIC ${ARG_SOURCES})
  target_include_directories(${name} PUBLIC ${PROJECT_SOURCE_DIR})
  target_link_libraries(${name} PUBLIC ${ARG_DEPS})
  target_compile_options(${name} PRIVATE -Wall -Wextra -Wno-unused-parameter)
endfunction()

# picbot_test(NAME SOURCES ... DEPS ...): a GoogleTest binary registered with CTest.
# Tests are discovered when CTest runs, so building stays fast.
function(picbot_test name)
  if(NOT PICBOT_BUILD_TESTS)
    return()
  endif()
  cmake_parse_arguments(ARG "" "TIMEOUT" "SOURCES;DEPS" ${ARGN})
  picbot_existing_sources(ARG_SOURCES ${ARG_SOURCES})
  if(NOT ARG_SOURCES)
    return()
  endif()
  add_executable(${name} ${ARG_SOURCES})
  target_link_libraries(${name} PRIVATE ${ARG_DEPS} GTest::gtest GTest::gtest_main GTest::gmock)
  target_compile_options(${name} PRIVATE -Wall -Wextra -Wno-unused-parameter)
  if(NOT ARG_TIMEOUT)
    set(ARG_TIMEOUT 120)
  endif()
  gtest_discover_tests(${name} DISCOVERY_MODE PRE_TEST
    PROPERTIES TIMEOUT ${ARG_TIMEOUT}
    ENVIRONMENT "PICBOT_BINARY=$<TARGET_FILE_DIR:picbot>/picbot\\;PICBOT_SOURCE_DIR=${PROJECT_SOURCE_DIR}")
endfunction()
