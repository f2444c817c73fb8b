#include "bot/core/memory.h"

#include <sys/mman.h>

#include <cstdint>
#include <cstdio>
#include <fstream>
#include <string>

#if defined(__GLIBC__)
#include <malloc.h>
#endif

namespace picbot {

void release_free_memory() {
#if defined(__GLIBC__)
  malloc_trim(0);
#endif
}

std::size_t release_code_pages(std::string_view library) {
  std::ifstream maps("/proc/self/maps");
  std::size_t released = 0;
  for (std::string line; std::getline(maps, line);) {
    // start-end perms offset dev inode path
    unsigned long long start = 0, end = 0;
    char perms[5] = {};
    int path_at = 0;
    if (std::sscanf(line.c_str(), "%llx-%llx %4s %*s %*s %*s %n", &start, &end, perms, &path_at) < 3)
      continue;
    if (std::string_view(perms) != "r-xp" || path_at <= 0) continue;
    if (std::string_view(line).substr(static_cast<std::size_t>(path_at)).find(library) ==
        std::string_view::npos)
      continue;
    const auto length = static_cast<std::size_t>(end - start);
    if (::madvise(reinterpret_cast<void*>(static_cast<std::uintptr_t>(start)), length, MADV_DONTNEED) == 0)
      released += length;
  }
  return released;
}

}  // namespace picbot
