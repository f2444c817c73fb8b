// Password hashing for the web console: scrypt (OpenSSL EVP_PBE_scrypt)
// with a random salt, stored as one line
//   scrypt$<N>$<r>$<p>$<salt hex>$<hash hex>
// Only the hash is ever written to disk. Hashing costs ~50 ms and 16 MiB:
// call from a worker thread.
#pragma once

#include <string>
#include <string_view>

#include "bot/core/result.h"

namespace picbot::web {

// The stored form of password with a fresh random salt.
Result<std::string> hash_password(std::string_view password);

// True when password matches stored (a hash_password() result). A malformed
// stored value never matches. Compares in constant time.
bool verify_password(std::string_view password, std::string_view stored);

// A random password of `length` characters from [A-Za-z0-9] (no look-alikes
// 0/O, 1/l/I), for the console's first start.
std::string generate_password(std::size_t length = 16);

// `bytes` random bytes as lower-case hex (session ids, CSRF tokens).
std::string random_hex(std::size_t bytes);

}  // namespace picbot::web
