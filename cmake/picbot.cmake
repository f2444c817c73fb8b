# Shared helpers for picbot's CMake files.

# picbot_allow_coroutine_frames(TARGET ...): GCC 12 reports Asio's awaitable
# frame allocator as a mismatched new/delete (a false positive in every
# coroutine); targets that compile coroutines turn that one check off.
# Names that are not targets (a test when PICBOT_BUILD_TESTS is off) are skipped.
function(picbot_allow_coroutine_frames)
  if(NOT CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
    return()
  endif()
  foreach(target ${ARGN})
    if(TARGET ${target})
      target_compile_options(${target} PRIVATE -Wno-mismatched-new-delete)
    endif()
  endforeach()
endfunction()

# picbot_library(NAME SOURCES ... DEPS ...): one static library per concern folder.
function(picbot_library name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS" ${ARGN})
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
