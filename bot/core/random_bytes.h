// Random bytes from the kernel's CSPRNG (getrandom), for call echoes, salts
// and generated passwords.
//
// Why not OpenSSL's RAND_bytes: its first call loads OpenSSL's provider and
// DRBG tables, which touches ~2 MiB of libcrypto and keeps it resident for
// the life of the process (an idle bot's RSS went from ~10 to ~12 MiB after
// its first API call). The kernel's generator is the one OpenSSL seeds from.
#pragma once

#include <cstddef>
#include <span>

namespace picbot {

// Fills `out` with cryptographically secure random bytes. Small requests are
// served from a per-thread buffer refilled with one getrandom call per 4 KiB,
// so a call echo costs no system call. Returns false (and leaves `out`
// unspecified) only if the kernel refuses (getrandom fails other than EINTR).
// Thread-safe.
[[nodiscard]] bool random_bytes(std::span<unsigned char> out);

}  // namespace picbot
