#include "bot/llm/provider_error.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <cstdio>
#include <cstring>
#include <nlohmann/json.hpp>

#include "bot/core/json_limits.h"
#include "bot/core/secret.h"

namespace picbot::llm {
namespace {

constexpr std::string_view kNoEndpointsForModalities = "output modalities";

bool is_key_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_'; }

// Masks tokens that look like provider keys ("sk-or-v1-<hex>") even when they
// were never registered, e.g. a key echoed back by a proxy.
std::string mask_key_like_tokens(std::string_view text) {
  constexpr std::size_t kMinKeyLength = 20;
  std::string out;
  out.reserve(text.size());
  std::size_t i = 0;
  while (i < text.size()) {
    const bool starts_token = text.substr(i, 3) == "sk-" && (i == 0 || !is_key_char(text[i - 1]));
    if (!starts_token) {
      out.push_back(text[i++]);
      continue;
    }
    std::size_t end = i;
    while (end < text.size() && is_key_char(text[end])) ++end;
    const std::string_view token = text.substr(i, end - i);
    out += token.size() >= kMinKeyLength ? mask_secret(token) : std::string(token);
    i = end;
  }
  return out;
}

// Returns the error object's message, or "" when there is none.
std::string error_message(const nlohmann::json& error) {
  if (!error.is_object()) return error.is_string() ? error.get<std::string>() : std::string();
  auto it = error.find("message");
  if (it == error.end()) return {};
  std::string message = it->is_string() ? it->get<std::string>() : it->dump();
  // OpenRouter puts the upstream provider's own words in metadata.raw.
  auto metadata = error.find("metadata");
  if (metadata != error.end() && metadata->is_object()) {
    auto raw = metadata->find("raw");
    if (raw != metadata->end() && raw->is_string() && !raw->get<std::string>().empty()) {
      message += " (" + raw->get<std::string>() + ")";
    }
  }
  return message;
}

bool has_moderation_metadata(const nlohmann::json& error) {
  if (!error.is_object()) return false;
  auto metadata = error.find("metadata");
  return metadata != error.end() && metadata->is_object() &&
         (metadata->contains("reasons") || metadata->contains("flagged_input"));
}

// Refines the status-only class with what the error body says.
FailureClass refine(FailureClass cls, int status, const nlohmann::json& error, std::string_view message) {
  if (status == 404 && message.find(kNoEndpointsForModalities) != std::string_view::npos) {
    return FailureClass::kNoEndpointForModalities;
  }
  if (status == 403 && has_moderation_metadata(error)) return FailureClass::kContentFiltered;
  return cls;
}

int parse_status_code(const nlohmann::json& code) {
  if (code.is_number_integer()) return code.get<int>();
  if (code.is_string()) {
    const std::string s = code.get<std::string>();
    int value = 0;
    auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
    if (ec == std::errc() && ptr == s.data() + s.size()) return value;
  }
  return 0;
}

std::optional<std::chrono::sys_seconds> parse_http_date(std::string_view value) {
  // IMF-fixdate only ("Wed, 21 Oct 2015 07:28:00 GMT"), the form RFC 9110 requires senders to use.
  static constexpr std::array<const char*, 12> kMonths = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                          "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  const std::string text(value);
  int day = 0, year = 0, hour = 0, minute = 0, second = 0;
  char month_name[4] = {};
  if (std::sscanf(text.c_str(), "%*3s, %2d %3s %4d %2d:%2d:%2d GMT", &day, month_name, &year, &hour, &minute,
                  &second) != 6) {
    return std::nullopt;
  }
  unsigned month = 0;
  for (unsigned m = 0; m < kMonths.size(); ++m) {
    if (std::strcmp(kMonths[m], month_name) == 0) month = m + 1;
  }
  const std::chrono::year_month_day date{std::chrono::year(year), std::chrono::month(month),
                                         std::chrono::day(static_cast<unsigned>(day))};
  if (month == 0 || !date.ok() || hour > 23 || minute > 59 || second > 60) return std::nullopt;
  return std::chrono::sys_days(date) + std::chrono::hours(hour) + std::chrono::minutes(minute) +
         std::chrono::seconds(second);
}

}  // namespace

std::string_view failure_class_name(FailureClass cls) {
  switch (cls) {
    case FailureClass::kInvalidKey:
      return "invalid_key";
    case FailureClass::kNoCredits:
      return "no_credits";
    case FailureClass::kRateLimited:
      return "rate_limited";
    case FailureClass::kBadRequest:
      return "bad_request";
    case FailureClass::kModelNotFound:
      return "model_not_found";
    case FailureClass::kNoEndpointForModalities:
      return "no_endpoint_for_modalities";
    case FailureClass::kTransient:
      return "transient";
    case FailureClass::kContentFiltered:
      return "content_filtered";
    case FailureClass::kBadResponse:
      return "bad_response";
    case FailureClass::kCancelled:
      return "cancelled";
    case FailureClass::kDeadline:
      return "deadline";
  }
  return "unknown";
}

std::string ProviderError::to_string() const {
  std::string out(failure_class_name(cls));
  if (http_status != 0) out += " (" + std::to_string(http_status) + ")";
  if (!message.empty()) out += ": " + message;
  return out;
}

FailureClass classify_status(int http_status) {
  switch (http_status) {
    case 400:
      return FailureClass::kBadRequest;
    case 401:
    case 403:
      return FailureClass::kInvalidKey;
    case 402:
      return FailureClass::kNoCredits;
    case 404:
      return FailureClass::kModelNotFound;
    case 408:
      return FailureClass::kTransient;
    case 429:
      return FailureClass::kRateLimited;
    default:
      break;
  }
  if (http_status >= 500 && http_status <= 599) return FailureClass::kTransient;
  if (http_status >= 400 && http_status <= 499) return FailureClass::kBadRequest;
  return FailureClass::kBadResponse;
}

ProviderError classify_http_answer(int http_status, std::string_view body,
                                   std::string_view retry_after_header, Clock::time_point now) {
  ProviderError error;
  error.http_status = http_status;
  error.cls = classify_status(http_status);
  const auto parsed_body = parse_json(body);
  const nlohmann::json parsed = parsed_body ? *parsed_body : nlohmann::json();
  const nlohmann::json* error_object = nullptr;
  if (parsed.is_object()) {
    auto it = parsed.find("error");
    if (it != parsed.end()) error_object = &*it;
  }
  std::string message = error_object ? error_message(*error_object) : std::string();
  if (message.empty()) {
    message = "HTTP " + std::to_string(http_status) + (body.empty() ? "" : ": " + std::string(body));
  }
  if (error_object) error.cls = refine(error.cls, http_status, *error_object, message);
  error.message = sanitize_message(message);
  if (error.cls == FailureClass::kRateLimited) error.retry_after = parse_retry_after(retry_after_header, now);
  return error;
}

std::optional<ProviderError> error_in_body(const nlohmann::json& body, int http_status) {
  if (!body.is_object()) return std::nullopt;
  auto it = body.find("error");
  if (it == body.end() || it->is_null()) return std::nullopt;
  const nlohmann::json& error_object = *it;
  const int code =
      error_object.is_object() && error_object.contains("code") ? parse_status_code(error_object["code"]) : 0;
  ProviderError error;
  error.http_status = http_status;
  const bool code_is_error = code >= 400 && code <= 599;
  error.cls = code_is_error ? classify_status(code) : FailureClass::kTransient;
  std::string message = error_message(error_object);
  if (message.empty()) message = "error reported in a " + std::to_string(http_status) + " answer";
  if (code_is_error) error.cls = refine(error.cls, code, error_object, message);
  error.message = sanitize_message(message);
  return error;
}

ProviderError classify_transport_error(const net::HttpError& error) {
  using Kind = net::HttpError::Kind;
  ProviderError out;
  switch (error.kind) {
    case Kind::kTimeout:
    case Kind::kConnectFailed:
    case Kind::kResolveFailed:
    case Kind::kConnectionReset:
    case Kind::kTls:
    case Kind::kOther:
      out.cls = FailureClass::kTransient;
      break;
    case Kind::kTooLarge:
      out.cls = FailureClass::kBadResponse;
      break;
    case Kind::kBlockedAddress:
    case Kind::kBadUrl:
      out.cls = FailureClass::kBadRequest;
      break;
    case Kind::kCancelled:
      out.cls = FailureClass::kCancelled;
      break;
  }
  out.message = sanitize_message(std::string(net::to_string(error.kind)) +
                                 (error.message.empty() ? "" : ": " + error.message));
  return out;
}

std::optional<std::chrono::seconds> parse_retry_after(std::string_view value, Clock::time_point now) {
  while (!value.empty() && std::isspace(static_cast<unsigned char>(value.front()))) value.remove_prefix(1);
  while (!value.empty() && std::isspace(static_cast<unsigned char>(value.back()))) value.remove_suffix(1);
  if (value.empty()) return std::nullopt;
  long long seconds = 0;
  auto [ptr, ec] = std::from_chars(value.data(), value.data() + value.size(), seconds);
  if (ec == std::errc() && ptr == value.data() + value.size()) {
    if (seconds < 0) return std::nullopt;
    return std::chrono::seconds(seconds);
  }
  const auto date = parse_http_date(value);
  if (!date) return std::nullopt;
  const auto delta = std::chrono::duration_cast<std::chrono::seconds>(*date - now);
  return std::max(delta, std::chrono::seconds(0));
}

std::string sanitize_message(std::string_view text, std::size_t max_chars) {
  const std::string masked = mask_key_like_tokens(SecretRegistry::instance().redact(text));
  std::string out;
  out.reserve(std::min(masked.size(), max_chars * 4));
  std::size_t chars = 0;
  bool pending_space = false;
  for (std::size_t i = 0; i < masked.size(); ++i) {
    const unsigned char c = static_cast<unsigned char>(masked[i]);
    if (std::isspace(c)) {
      pending_space = !out.empty();
      continue;
    }
    const bool starts_char = (c & 0xC0) != 0x80;
    if (starts_char) {
      if (chars + (pending_space ? 1 : 0) >= max_chars) {
        out += "…";
        return out;
      }
      if (pending_space) {
        out.push_back(' ');
        ++chars;
        pending_space = false;
      }
      ++chars;
    }
    out.push_back(static_cast<char>(c));
  }
  return out;
}

}  // namespace picbot::llm
