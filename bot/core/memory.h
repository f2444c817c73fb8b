// Process memory housekeeping.
#pragma once

#include <cstddef>
#include <string_view>

namespace picbot {

// Returns free heap pages to the OS (glibc malloc_trim), so RSS goes back down
// after a burst. Costs a walk over the free lists: call it after bursts, not
// per message. Thread-safe.
void release_free_memory();

// Drops this process's resident pages of the executable (r-xp) mappings of
// every shared object whose path contains `library` (e.g. "libcrypto"), with
// madvise(MADV_DONTNEED). Code pages are never written, so nothing is lost:
// the next call into them faults them back from the page cache. For code run
// once and rarely again (OpenSSL's provider set-up behind scrypt: ~2 MiB that
// otherwise stays in an idle bot's RSS). Returns the bytes of mappings
// advised (0 when none matched or /proc is unreadable). Thread-safe; costs a
// read of /proc/self/maps.
std::size_t release_code_pages(std::string_view library);

}  // namespace picbot
