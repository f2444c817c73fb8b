// CO_ASSERT_TRUE / CO_ASSERT_EQ: gtest's fatal assertions for coroutine
// bodies (ASSERT_* expands to a plain `return`, which a coroutine cannot
// use): the failure is recorded and the coroutine ends with co_return.
#pragma once

#include <gtest/gtest.h>

#define CO_ASSERT_TRUE(condition)                      \
  if (!(condition)) {                                  \
    ADD_FAILURE() << "CO_ASSERT_TRUE(" #condition ")"; \
    co_return;                                         \
  }                                                    \
  static_assert(true)

#define CO_ASSERT_FALSE(condition) CO_ASSERT_TRUE(!(condition))

#define CO_ASSERT_EQ(a, b)                                                                     \
  if (!((a) == (b))) {                                                                         \
    ADD_FAILURE() << "CO_ASSERT_EQ(" #a ", " #b "): " << ::testing::PrintToString(a) << " vs " \
                  << ::testing::PrintToString(b);                                              \
    co_return;                                                                                 \
  }                                                                                            \
  static_assert(true)
