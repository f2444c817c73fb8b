#include "image/storage/s3/s3_settings.h"

#include <charconv>

#include "bot/core/text.h"
#include "image/storage/s3/s3_messages.h"

namespace picbot::image::s3 {
namespace {

Error bad_config(std::string_view field, std::string_view key, std::string_view value = {}) {
  return Error::make("bad_config", "storage.s3." + std::string(field) + ": " +
                                       s3_text(key, fmt::arg("value", std::string(value))));
}

bool is_bucket_name(std::string_view name) {
  if (name.size() < 3 || name.size() > 63) return false;
  auto alnum = [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); };
  for (char c : name) {
    if (!alnum(c) && c != '.' && c != '-') return false;
  }
  return alnum(name.front()) && alnum(name.back()) && name.find("..") == std::string_view::npos;
}

bool is_host_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '-' || c == '_';
}

// An IPv4 or bracketed IPv6 literal: no "<bucket>." can go in front of it.
bool is_ip_literal(std::string_view host) {
  return host.starts_with('[') || host.find_first_not_of("0123456789.") == std::string_view::npos;
}

}  // namespace

Result<Endpoint> parse_endpoint(const std::string& url) {
  const Error bad = Error::make("bad_config", s3_text("s3.config.endpoint", fmt::arg("value", url)));
  Endpoint out;
  std::string_view rest(url);
  if (rest.starts_with("https://")) {
    out.scheme = "https";
    rest.remove_prefix(8);
  } else if (rest.starts_with("http://")) {
    out.scheme = "http";
    rest.remove_prefix(7);
  } else {
    return bad;
  }
  if (rest.ends_with('/')) rest.remove_suffix(1);
  std::string_view host = rest;
  std::string_view port;
  if (rest.starts_with('[')) {  // [IPv6]:port
    const std::size_t close = rest.find(']');
    if (close == std::string_view::npos) return bad;
    host = rest.substr(0, close + 1);
    const std::string_view after = rest.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') return bad;
      port = after.substr(1);
    }
    for (char c : host.substr(1, host.size() - 2)) {
      if (!std::isxdigit(static_cast<unsigned char>(c)) && c != ':' && c != '.') return bad;
    }
  } else {
    const std::size_t colon = rest.find(':');
    if (colon != std::string_view::npos) {
      host = rest.substr(0, colon);
      port = rest.substr(colon + 1);
    }
    if (host.empty()) return bad;
    for (char c : to_lower(host)) {
      if (!is_host_char(c)) return bad;
    }
  }
  if (!port.empty() || rest.ends_with(':')) {
    int value = 0;
    const auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
    if (ec != std::errc() || end != port.data() + port.size() || value < 1 || value > 65535) return bad;
    out.port = value;
  }
  out.host = to_lower(host);
  return out;
}

Status S3Settings::validate() const {
  auto parsed = parse_endpoint(endpoint);
  if (!parsed.ok()) return Error::make("bad_config", "storage.s3.endpoint: " + parsed.error().message);
  if (trim(region).empty()) return bad_config("region", "s3.config.region");
  if (!is_bucket_name(bucket)) return bad_config("bucket", "s3.config.bucket", bucket);
  if (trim(access_key_id).empty()) return bad_config("access_key_id", "s3.config.access_key_id");
  if (trim(secret_access_key).empty()) return bad_config("secret_access_key", "s3.config.secret_access_key");
  if (path_style && parsed->host.find("aliyuncs.com") != std::string::npos) {
    return bad_config("path_style", "s3.config.oss_path_style");
  }
  if (!path_style && is_ip_literal(parsed->host)) {
    return bad_config("path_style", "s3.config.virtual_needs_name", parsed->host);
  }
  if (!path_style && bucket.find('.') != std::string::npos && parsed->scheme == "https") {
    return bad_config("path_style", "s3.config.dotted_bucket", bucket);
  }
  if (!public_base_url.empty() && !public_base_url.starts_with("https://") &&
      !public_base_url.starts_with("http://")) {
    return bad_config("public_base_url", "s3.config.public_base_url", public_base_url);
  }
  if (key_prefix.starts_with('/') || key_prefix.find("..") != std::string::npos) {
    return bad_config("key_prefix", "s3.config.key_prefix", key_prefix);
  }
  if (presign_seconds < 1 || presign_seconds > 604800) {
    return bad_config("presign_seconds", "s3.config.presign_seconds", std::to_string(presign_seconds));
  }
  if (max_parallel_uploads < 1 || max_parallel_uploads > 64) {
    return bad_config("max_parallel_uploads", "s3.config.max_parallel_uploads",
                      std::to_string(max_parallel_uploads));
  }
  return {};
}

}  // namespace picbot::image::s3
