#include "bot/onebot/api_error.h"

namespace picbot::onebot {

const char* to_string(ApiError::Kind kind) {
  switch (kind) {
    case ApiError::Kind::kFailed: return "failed";
    case ApiError::Kind::kTimeout: return "timeout";
    case ApiError::Kind::kLinkClosed: return "link closed";
    case ApiError::Kind::kNoLink: return "no connection";
    case ApiError::Kind::kBadResponse: return "bad response";
  }
  return "unknown";
}

std::string ApiError::describe() const {
  std::string text = to_string(kind);
  if (kind == Kind::kFailed) text += ": retcode " + std::to_string(retcode);
  const std::string& detail = !wording.empty() ? wording : message;
  if (!detail.empty()) text += " (" + detail + ")";
  return text;
}

}  // namespace picbot::onebot
