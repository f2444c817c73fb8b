// The one Transfer-Encoding picbot's HTTP servers accept (the web console's
// server and the reverse WebSocket listener). RFC 9112 §6.3: a request whose
// Transfer-Encoding does not end in "chunked" cannot be framed and must get 400;
// picbot knows no other coding, so it accepts exactly "chunked" and nothing
// else ("xchunked", "chunked, identity", "gzip, chunked"), instead of reading
// such a request as one without a body.
#pragma once

#include <string_view>

namespace picbot::net {

// value: every Transfer-Encoding field of the request, joined with ", ".
// Returns true when it is exactly one "chunked" coding (any case, optional
// whitespace around it).
bool is_plain_chunked(std::string_view value);

}  // namespace picbot::net
