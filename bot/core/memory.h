// Process memory housekeeping.
#pragma once

namespace picbot {

// Returns free heap pages to the OS (glibc malloc_trim), so RSS goes back down
// after a burst. Costs a walk over the free lists: call it after bursts, not
// per message. Thread-safe.
void release_free_memory();

}  // namespace picbot
