// ApiError: why a OneBot API call did not succeed. A retcode other than 0 is
// kFailed and carries NapCat's message/wording; the rest are transport-side.
#pragma once

#include <string>

namespace picbot::onebot {

struct ApiError {
  enum class Kind {
    kFailed,       // NapCat answered with retcode != 0
    kTimeout,      // no answer within the call's timeout
    kLinkClosed,   // the connection dropped while the call was pending
    kNoLink,       // no connection for that account
    kBadResponse,  // the answer could not be understood
  };
  Kind kind = Kind::kFailed;
  int retcode = 0;
  std::string message;
  std::string wording;

  // One line for logs and user-facing errors, e.g.
  // "send_group_msg failed: retcode 1200 (消息不存在)".
  std::string describe() const;
};

const char* to_string(ApiError::Kind kind);

}  // namespace picbot::onebot
