// FUZZ_CHECK(cond): an invariant of a fuzz target. On failure prints the
// condition and aborts, which libFuzzer (and the CTest corpus replay) reports
// as a crash with the input that caused it. Unlike assert it is never
// compiled out.
#pragma once

#include <cstdio>
#include <cstdlib>

#define FUZZ_CHECK(cond)                                                                 \
  do {                                                                                   \
    if (!(cond)) {                                                                       \
      std::fprintf(stderr, "%s:%d: FUZZ_CHECK failed: %s\n", __FILE__, __LINE__, #cond); \
      std::abort();                                                                      \
    }                                                                                    \
  } while (false)
