#include "bot/llm/api_base.h"

#include <cctype>

namespace picbot::llm {
namespace {

bool ends_with_ci(std::string_view text, std::string_view suffix) {
  if (text.size() < suffix.size()) return false;
  const std::string_view tail = text.substr(text.size() - suffix.size());
  for (std::size_t i = 0; i < suffix.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(tail[i])) !=
        std::tolower(static_cast<unsigned char>(suffix[i]))) {
      return false;
    }
  }
  return true;
}

void strip_trailing_slashes(std::string& s) {
  while (!s.empty() && s.back() == '/') s.pop_back();
}

// "v1", "v2", "v1beta": a version segment means the operator gave the full base.
bool is_version_segment(std::string_view segment) {
  return segment.size() >= 2 && (segment[0] == 'v' || segment[0] == 'V') &&
         std::isdigit(static_cast<unsigned char>(segment[1]));
}

bool is_openrouter_host(std::string_view host) {
  if (const auto colon = host.find(':'); colon != std::string_view::npos) host = host.substr(0, colon);
  return ends_with_ci(host, "openrouter.ai") &&
         (host.size() == std::string_view("openrouter.ai").size() || host[host.size() - 14] == '.');
}

}  // namespace

std::string normalize_api_base(std::string_view base) {
  while (!base.empty() && std::isspace(static_cast<unsigned char>(base.front()))) base.remove_prefix(1);
  while (!base.empty() && std::isspace(static_cast<unsigned char>(base.back()))) base.remove_suffix(1);
  if (base.empty()) return std::string(kOpenRouterApiBase);

  std::string url(base);
  if (url.find("://") == std::string::npos) url = "https://" + url;
  strip_trailing_slashes(url);
  if (ends_with_ci(url, "/chat/completions")) {
    url.resize(url.size() - std::string_view("/chat/completions").size());
    strip_trailing_slashes(url);
  }

  const std::size_t authority_start = url.find("://") + 3;
  const std::size_t path_start = url.find('/', authority_start);
  const std::string_view host = std::string_view(url).substr(
      authority_start, path_start == std::string::npos ? std::string::npos : path_start - authority_start);
  if (path_start == std::string::npos) return url + (is_openrouter_host(host) ? "/api/v1" : "/v1");

  const std::string_view last_segment = std::string_view(url).substr(url.rfind('/') + 1);
  return is_version_segment(last_segment) ? url : url + "/v1";
}

std::string chat_completions_url(std::string_view base) {
  return normalize_api_base(base) + "/chat/completions";
}

}  // namespace picbot::llm
