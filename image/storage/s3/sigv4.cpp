#include "image/storage/s3/sigv4.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <algorithm>
#include <array>
#include <ctime>

#include "bot/core/text.h"

namespace picbot::image::s3 {
namespace {

constexpr char kHexDigits[] = "0123456789abcdef";
constexpr std::string_view kAlgorithm = "AWS4-HMAC-SHA256";

using Digest = std::array<unsigned char, 32>;

std::string to_hex(const unsigned char* bytes, std::size_t size) {
  std::string out(size * 2, '\0');
  for (std::size_t i = 0; i < size; ++i) {
    out[2 * i] = kHexDigits[bytes[i] >> 4];
    out[2 * i + 1] = kHexDigits[bytes[i] & 0xF];
  }
  return out;
}

Digest hmac_sha256(std::string_view key, std::string_view message) {
  Digest out{};
  unsigned int length = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(message.data()), message.size(), out.data(), &length);
  return out;
}

std::string_view view(const Digest& digest) {
  return {reinterpret_cast<const char*>(digest.data()), digest.size()};
}

bool is_unreserved(unsigned char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
         c == '.' || c == '~';
}

// The query's pairs encoded and sorted by key, then value: the canonical
// query string's order.
std::vector<std::pair<std::string, std::string>> encoded_sorted(
    const std::vector<std::pair<std::string, std::string>>& query) {
  std::vector<std::pair<std::string, std::string>> pairs;
  pairs.reserve(query.size());
  for (const auto& [key, value] : query) pairs.emplace_back(uri_encode(key, false), uri_encode(value, false));
  std::sort(pairs.begin(), pairs.end());
  return pairs;
}

std::string join_query(const std::vector<std::pair<std::string, std::string>>& encoded) {
  std::string out;
  for (const auto& [key, value] : encoded) {
    if (!out.empty()) out += '&';
    out += key;
    out += '=';
    out += value;
  }
  return out;
}

// A header value as SigV4 signs it: leading and trailing blanks gone, each
// inner run of blanks one space.
std::string trim_all(std::string_view value) {
  std::string out;
  bool in_blank = false;
  for (char c : trim(value)) {
    const bool blank = kAsciiWhitespace.find(c) != std::string_view::npos;
    if (blank) {
      in_blank = true;
      continue;
    }
    if (in_blank) out += ' ';
    in_blank = false;
    out += c;
  }
  return out;
}

// Canonical headers ("name:value\n" each, sorted, repeated names joined with
// ',') and the signed header list ("a;b;c").
struct CanonicalHeaders {
  std::string lines;
  std::string names;
};

CanonicalHeaders canonical_headers(std::vector<std::pair<std::string, std::string>> headers) {
  for (auto& [name, value] : headers) {
    name = to_lower(trim(name));
    value = trim_all(value);
  }
  std::stable_sort(headers.begin(), headers.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  CanonicalHeaders out;
  for (std::size_t i = 0; i < headers.size(); ++i) {
    if (i > 0 && headers[i].first == headers[i - 1].first) {
      out.lines.back() = ',';  // replaces the previous line's '\n'
    } else {
      if (!out.names.empty()) out.names += ';';
      out.names += headers[i].first;
      out.lines += headers[i].first;
      out.lines += ':';
    }
    out.lines += headers[i].second;
    out.lines += '\n';
  }
  return out;
}

std::string canonical_request(const RequestToSign& request, std::string_view canonical_query,
                              const CanonicalHeaders& headers, std::string_view payload_hash) {
  std::string out = request.method;
  out += '\n';
  out += uri_encode(request.path, true);
  out += '\n';
  out += canonical_query;
  out += '\n';
  out += headers.lines;
  out += '\n';
  out += headers.names;
  out += '\n';
  out += payload_hash;
  return out;
}

}  // namespace

std::string sha256_hex(std::string_view bytes) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_Digest(bytes.data(), bytes.size(), digest, &length, EVP_sha256(), nullptr);
  return to_hex(digest, length);
}

std::string uri_encode(std::string_view text, bool keep_slash) {
  std::string out;
  out.reserve(text.size());
  for (char ch : text) {
    const auto c = static_cast<unsigned char>(ch);
    if (is_unreserved(c) || (keep_slash && c == '/')) {
      out += ch;
    } else {
      out += '%';
      out += static_cast<char>(std::toupper(kHexDigits[c >> 4]));
      out += static_cast<char>(std::toupper(kHexDigits[c & 0xF]));
    }
  }
  return out;
}

std::string host_header(std::string_view scheme, std::string_view host, int port) {
  std::string out = to_lower(host);
  const bool default_port =
      port == 0 || (scheme == "http" && port == 80) || (scheme == "https" && port == 443);
  if (!default_port) out += ":" + std::to_string(port);
  return out;
}

std::string request_url(const RequestToSign& request) {
  std::string url = request.scheme + "://" + request.host + uri_encode(request.path, true);
  for (std::size_t i = 0; i < request.query.size(); ++i) {
    url += i == 0 ? '?' : '&';
    url += uri_encode(request.query[i].first, false) + "=" + uri_encode(request.query[i].second, false);
  }
  return url;
}

std::string amz_date(Clock::time_point time) {
  const std::time_t seconds = std::chrono::system_clock::to_time_t(time);
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char text[32];
  std::strftime(text, sizeof text, "%Y%m%dT%H%M%SZ", &utc);
  return text;
}

SigV4Signer::SigV4Signer(SigningCredentials credentials, const Clock& clock)
    : credentials_(std::move(credentials)), clock_(clock) {}

std::string SigV4Signer::scope(std::string_view date) const {
  return std::string(date) + "/" + credentials_.region + "/" + credentials_.service + "/aws4_request";
}

std::string SigV4Signer::signature(std::string_view date, std::string_view string_to_sign) const {
  const Digest date_key = hmac_sha256("AWS4" + credentials_.secret_access_key, date);
  const Digest region_key = hmac_sha256(view(date_key), credentials_.region);
  const Digest service_key = hmac_sha256(view(region_key), credentials_.service);
  const Digest signing_key = hmac_sha256(view(service_key), "aws4_request");
  const Digest signature = hmac_sha256(view(signing_key), string_to_sign);
  return to_hex(signature.data(), signature.size());
}

SignedHeaders SigV4Signer::sign(const RequestToSign& request) const {
  SignedHeaders out;
  out.amz_date = amz_date(clock_.now());
  out.content_sha256 = request.payload_hash;
  const std::string date = out.amz_date.substr(0, 8);

  std::vector<std::pair<std::string, std::string>> headers = request.headers;
  headers.emplace_back("host", request.host);
  headers.emplace_back("x-amz-date", out.amz_date);
  headers.emplace_back("x-amz-content-sha256", out.content_sha256);
  const CanonicalHeaders canonical = canonical_headers(std::move(headers));

  const std::string string_to_sign =
      std::string(kAlgorithm) + "\n" + out.amz_date + "\n" + scope(date) + "\n" +
      sha256_hex(canonical_request(request, join_query(encoded_sorted(request.query)), canonical,
                                   request.payload_hash));
  out.authorization = std::string(kAlgorithm) + " Credential=" + credentials_.access_key_id + "/" +
                      scope(date) + ", SignedHeaders=" + canonical.names +
                      ", Signature=" + signature(date, string_to_sign);
  return out;
}

std::string SigV4Signer::presign(const RequestToSign& request, std::chrono::seconds expires) const {
  const std::string timestamp = amz_date(clock_.now());
  const std::string date = timestamp.substr(0, 8);
  const std::vector<std::pair<std::string, std::string>> auth = {
      {"X-Amz-Algorithm", std::string(kAlgorithm)},
      {"X-Amz-Credential", credentials_.access_key_id + "/" + scope(date)},
      {"X-Amz-Date", timestamp},
      {"X-Amz-Expires", std::to_string(expires.count())},
      {"X-Amz-SignedHeaders", "host"},
  };
  std::vector<std::pair<std::string, std::string>> all = request.query;
  all.insert(all.end(), auth.begin(), auth.end());
  const CanonicalHeaders canonical = canonical_headers({{"host", request.host}});
  const std::string string_to_sign =
      std::string(kAlgorithm) + "\n" + timestamp + "\n" + scope(date) + "\n" +
      sha256_hex(canonical_request(request, join_query(encoded_sorted(all)), canonical, kUnsignedPayload));

  // The request's own parameters first, then the auth parameters in their
  // fixed order (as AWS's SDKs write them), the signature last.
  std::string url = request.scheme + "://" + request.host + uri_encode(request.path, true) + "?";
  for (const auto& [key, value] : all) url += uri_encode(key, false) + "=" + uri_encode(value, false) + "&";
  url += "X-Amz-Signature=" + signature(date, string_to_sign);
  return url;
}

}  // namespace picbot::image::s3
