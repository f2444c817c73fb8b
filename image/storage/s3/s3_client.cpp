#include "image/storage/s3/s3_client.h"

#include <algorithm>
#include <array>
#include <charconv>

#include "bot/core/random_bytes.h"
#include "bot/core/secret.h"
#include "bot/core/utf8.h"
#include "image/storage/s3/s3_messages.h"

namespace picbot::image::s3 {
namespace {

namespace asio = boost::asio;

// How much of a server's own message an error repeats.
constexpr std::size_t kMaxServerMessage = 300;
// Error bodies and listings are small; a GET's body is the object.
constexpr std::size_t kMaxControlBody = kMaxXmlBytes;

bool is_success(long status) { return status >= 200 && status < 300; }

// Codes and statuses another attempt may get past.
bool is_transient(long status, std::string_view code) {
  return status >= 500 || status == 429 || code == "SlowDown" || code == "RequestTimeout" ||
         code == "InternalError" || code == "ServiceUnavailable";
}

// What an S3 error code looks like ("NoSuchKey", "XAmzContentSHA256Mismatch"):
// the code becomes Error::code, which logs, the upload ledger and callers use.
bool is_error_code(std::string_view code) {
  return !code.empty() && code.size() <= 64 && std::all_of(code.begin(), code.end(), [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' ||
           c == '_' || c == '-';
  });
}

// The code a bodiless answer (HEAD, some proxies) stands for.
std::string code_of_status(long status) {
  switch (status) {
    case 403:
      return "AccessDenied";
    case 404:
      return "NoSuchKey";
    default:
      return "http_" + std::to_string(status);
  }
}

std::string probe_key(const std::string& key_prefix) {
  std::array<unsigned char, 6> random{};
  (void)random_bytes(random);
  std::string name = ".picbot-probe-";
  for (unsigned char c : random) name += fmt::format("{:02x}", c);
  std::string prefix = key_prefix;
  while (!prefix.empty() && prefix.back() == '/') prefix.pop_back();
  return prefix.empty() ? name : prefix + "/" + name;
}

}  // namespace

Result<std::unique_ptr<S3Client>> S3Client::create(S3Settings settings, net::HttpClient& http,
                                                   WorkerPool& workers, const Clock& clock,
                                                   S3ClientOptions options) {
  if (Status valid = settings.validate(); !valid.ok()) return valid.error();
  auto endpoint = parse_endpoint(settings.endpoint);
  if (!endpoint.ok()) return endpoint.error();
  return std::unique_ptr<S3Client>(new S3Client(std::move(settings), std::move(endpoint).value(), http,
                                                workers, clock, std::move(options)));
}

S3Client::S3Client(S3Settings settings, Endpoint endpoint, net::HttpClient& http, WorkerPool& workers,
                   const Clock& clock, S3ClientOptions options)
    : settings_(std::move(settings)),
      endpoint_(std::move(endpoint)),
      http_(http),
      workers_(workers),
      options_(std::move(options)),
      signer_(SigningCredentials{settings_.access_key_id, settings_.secret_access_key, settings_.region},
              clock) {}

RequestToSign S3Client::request_for(std::string method, const std::string& key) const {
  RequestToSign request;
  request.method = std::move(method);
  request.scheme = endpoint_.scheme;
  if (settings_.path_style) {
    request.host = host_header(endpoint_.scheme, endpoint_.host, endpoint_.port);
    request.path = "/" + settings_.bucket + (key.empty() ? "" : "/" + key);
  } else {
    request.host = host_header(endpoint_.scheme, settings_.bucket + "." + endpoint_.host, endpoint_.port);
    request.path = "/" + key;
  }
  return request;
}

std::string S3Client::without_secret(std::string text) const {
  const std::string& secret = settings_.secret_access_key;
  if (secret.empty()) return text;
  const std::string mask = mask_secret(secret);
  for (std::size_t at = text.find(secret); at != std::string::npos;
       at = text.find(secret, at + mask.size())) {
    text.replace(at, secret.size(), mask);
  }
  return text;
}

asio::awaitable<Result<net::HttpResponse>> S3Client::send(RequestToSign request, std::string body,
                                                          std::size_t max_response_bytes) {
  if (body.size() > options_.max_body_hashed_on_loop) {
    request.payload_hash = co_await workers_.run([&body] { return sha256_hex(body); });
  } else {
    request.payload_hash = sha256_hex(body);
  }
  const SignedHeaders signed_headers = signer_.sign(request);
  net::HttpRequest http;
  http.method = request.method;
  http.url = request_url(request);
  http.headers = request.headers;
  http.headers.emplace_back("Authorization", signed_headers.authorization);
  http.headers.emplace_back("x-amz-date", signed_headers.amz_date);
  http.headers.emplace_back("x-amz-content-sha256", signed_headers.content_sha256);
  // curl sends no Content-Length for a PUT without a body; S3 wants one.
  if (request.method == "PUT" && body.empty()) http.headers.emplace_back("Content-Length", "0");
  http.body = std::move(body);
  http.connect_timeout = options_.connect_timeout;
  http.total_timeout = options_.request_timeout;
  http.max_response_bytes = max_response_bytes;
  http.proxy = options_.proxy;
  auto answer = co_await http_.request(std::move(http));
  if (answer.ok()) co_return std::move(answer).value();
  const net::HttpError& failure = answer.error();
  if (failure.kind == net::HttpError::Kind::kTooLarge) {
    co_return Error::make("too_large", s3_text("s3.error.too_large", fmt::arg("key", request.path),
                                               fmt::arg("limit", max_response_bytes)));
  }
  co_return Error::unavailable(without_secret(
      s3_text("s3.error.network", fmt::arg("endpoint", settings_.endpoint),
              fmt::arg("kind", net::to_string(failure.kind)), fmt::arg("reason", failure.message))));
}

Error S3Client::error_of(const net::HttpResponse& response, const std::string& key) const {
  std::optional<S3ErrorBody> body = parse_error_body(response.body);
  if (body && !is_error_code(body->code)) body.reset();  // a code callers could not branch on
  const std::string code = body ? body->code : code_of_status(response.status);
  const std::string server_message =
      without_secret(utf8_shorten(body ? body->message : std::string_view{}, kMaxServerMessage));
  auto named = [&](std::string_view message_key) {
    return Error::make(code, s3_text(message_key, fmt::arg("bucket", settings_.bucket),
                                     fmt::arg("key", settings_.access_key_id)));
  };
  if (code == "NoSuchKey") return Error::not_found(s3_text("s3.error.not_found", fmt::arg("key", key)));
  if (code == "NoSuchBucket") return named("s3.error.no_such_bucket");
  if (code == "AccessDenied") return named("s3.error.access_denied");
  if (code == "SignatureDoesNotMatch") return named("s3.error.signature");
  if (code == "InvalidAccessKeyId") return named("s3.error.invalid_key");
  if (code == "RequestTimeTooSkewed") return named("s3.error.time_skewed");
  if (response.status == 301 || response.status == 307 || code == "PermanentRedirect" ||
      code == "AuthorizationHeaderMalformed") {
    return Error::make(code, s3_text("s3.error.redirect", fmt::arg("bucket", settings_.bucket),
                                     fmt::arg("status", response.status), fmt::arg("code", code)) +
                                 (server_message.empty() ? "" : ": " + server_message));
  }
  if (is_transient(response.status, code)) {
    return Error::unavailable(s3_text("s3.error.server", fmt::arg("status", response.status),
                                      fmt::arg("code", code), fmt::arg("message", server_message)));
  }
  return Error::make(code, s3_text("s3.error.refused", fmt::arg("status", response.status),
                                   fmt::arg("code", code), fmt::arg("message", server_message)));
}

asio::awaitable<Result<std::optional<ObjectInfo>>> S3Client::head(std::string key) {
  RequestToSign request = request_for("HEAD", key);
  auto answer = co_await send(std::move(request), std::string(), kMaxControlBody);
  if (!answer.ok()) co_return answer.error();
  const net::HttpResponse& response = answer.value();
  if (response.status == 404) co_return std::optional<ObjectInfo>();
  if ((response.status == 400 || response.status == 403) && response.body.empty()) {
    // A HEAD answer has no body, so a 403 could be a wrong secret as well as
    // a missing permission: a one-byte GET brings the server's own code.
    Error refused = co_await explain_refused_head(key, response);
    co_return refused;
  }
  if (!is_success(response.status)) co_return error_of(response, key);
  ObjectInfo info;
  info.key = std::move(key);
  const std::string length = response.header("content-length");
  std::from_chars(length.data(), length.data() + length.size(), info.size);
  info.etag = unquoted_etag(response.header("etag"));
  co_return std::optional<ObjectInfo>(std::move(info));
}

asio::awaitable<Status> S3Client::put(std::string key, std::string bytes, std::string content_type,
                                      std::string cache_control) {
  RequestToSign request = request_for("PUT", key);
  // Without one, curl would label the body a form (it sends it as POST data).
  if (content_type.empty()) content_type = "application/octet-stream";
  request.headers.emplace_back("Content-Type", std::move(content_type));
  if (!cache_control.empty()) request.headers.emplace_back("Cache-Control", std::move(cache_control));
  auto answer = co_await send(std::move(request), std::move(bytes), kMaxControlBody);
  if (!answer.ok()) co_return answer.error();
  if (!is_success(answer.value().status)) co_return error_of(answer.value(), key);
  co_return Status();
}

asio::awaitable<Result<std::string>> S3Client::get(std::string key) {
  RequestToSign request = request_for("GET", key);
  auto answer = co_await send(std::move(request), std::string(), options_.max_object_bytes);
  if (!answer.ok()) {
    if (answer.error().code == "too_large") {
      co_return Error::make("too_large", s3_text("s3.error.too_large", fmt::arg("key", key),
                                                 fmt::arg("limit", options_.max_object_bytes)));
    }
    co_return answer.error();
  }
  net::HttpResponse& response = answer.value();
  if (!is_success(response.status)) co_return error_of(response, key);
  co_return std::move(response.body);
}

asio::awaitable<Error> S3Client::explain_refused_head(const std::string& key, const net::HttpResponse& head) {
  RequestToSign request = request_for("GET", key);
  request.headers.emplace_back("Range", "bytes=0-0");
  auto answer = co_await send(std::move(request), std::string(), kMaxControlBody);
  if (answer.ok() && !is_success(answer.value().status) && parse_error_body(answer.value().body)) {
    co_return error_of(answer.value(), key);
  }
  co_return error_of(head, key);
}

asio::awaitable<Status> S3Client::remove(std::string key) {
  RequestToSign request = request_for("DELETE", key);
  auto answer = co_await send(std::move(request), std::string(), kMaxControlBody);
  if (!answer.ok()) co_return answer.error();
  const net::HttpResponse& response = answer.value();
  if (response.status == 404) {
    // S3 answers 204 for a missing key; a 404 is about the bucket.
    const Error error = error_of(response, key);
    if (error.is_not_found()) co_return Status();
    co_return error;
  }
  if (!is_success(response.status)) co_return error_of(response, key);
  co_return Status();
}

asio::awaitable<Result<ListPage>> S3Client::list_page(std::string prefix, int max_keys,
                                                      std::string continuation_token) {
  RequestToSign request = request_for("GET", "");
  if (!settings_.path_style) request.path = "/";
  request.query.emplace_back("list-type", "2");
  request.query.emplace_back("max-keys", std::to_string(std::clamp(max_keys, 1, 1000)));
  if (!prefix.empty()) request.query.emplace_back("prefix", prefix);
  if (!continuation_token.empty()) request.query.emplace_back("continuation-token", continuation_token);
  auto answer = co_await send(std::move(request), std::string(), kMaxControlBody);
  if (!answer.ok()) co_return answer.error();
  const net::HttpResponse& response = answer.value();
  if (!is_success(response.status)) co_return error_of(response, prefix);
  auto page = parse_list_result(response.body);
  if (!page.ok()) {
    co_return Error::make("bad_response",
                          s3_text("s3.error.bad_listing", fmt::arg("reason", page.error().message)));
  }
  co_return std::move(page).value();
}

asio::awaitable<Result<std::vector<ObjectInfo>>> S3Client::list(std::string prefix, int max_keys) {
  std::vector<ObjectInfo> objects;
  std::string token;
  while (static_cast<int>(objects.size()) < max_keys) {
    const int wanted = max_keys - static_cast<int>(objects.size());
    auto page = co_await list_page(prefix, wanted, token);
    if (!page.ok()) co_return page.error();
    for (ObjectInfo& object : page.value().objects) {
      if (static_cast<int>(objects.size()) == max_keys) break;
      objects.push_back(std::move(object));
    }
    if (!page.value().truncated) break;
    // A server that stops making progress would keep this loop going.
    if (page.value().objects.empty() || page.value().next_continuation_token == token) {
      co_return Error::make(
          "bad_response",
          s3_text("s3.error.bad_listing", fmt::arg("reason", "a truncated page brought nothing new")));
    }
    token = std::move(page.value().next_continuation_token);
  }
  co_return objects;
}

std::string S3Client::object_url(const std::string& key, std::chrono::seconds valid) const {
  if (!settings_.public_base_url.empty()) {
    std::string base = settings_.public_base_url;
    while (!base.empty() && base.back() == '/') base.pop_back();
    return base + "/" + uri_encode(key, true);
  }
  const RequestToSign request = request_for("GET", key);
  return signer_.presign(request, std::clamp(valid, std::chrono::seconds(1), std::chrono::seconds(604800)));
}

asio::awaitable<ProbeResult> S3Client::probe() {
  const auto started = std::chrono::steady_clock::now();
  ProbeResult result;
  auto finish = [&](bool ok, std::string message) {
    result.ok = ok;
    result.message = without_secret(std::move(message));
    result.elapsed =
        std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started);
    return result;
  };
  auto listed = co_await list_page(settings_.key_prefix, 1, std::string());
  if (!listed.ok())
    co_return finish(false, s3_text("s3.probe.list_failed", fmt::arg("reason", listed.error().message)));
  const std::string key = probe_key(settings_.key_prefix);
  std::string body = "picbot connection test\n";
  std::string content_type = "text/plain";
  std::string cache_control = "no-store";
  auto put_status = co_await put(key, std::move(body), std::move(content_type), std::move(cache_control));
  if (!put_status.ok()) {
    co_return finish(false, s3_text("s3.probe.put_failed", fmt::arg("key", key),
                                    fmt::arg("reason", put_status.error().message)));
  }
  auto removed = co_await remove(key);
  if (!removed.ok()) {
    co_return finish(false, s3_text("s3.probe.delete_failed", fmt::arg("key", key),
                                    fmt::arg("reason", removed.error().message)));
  }
  const auto elapsed =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started);
  co_return finish(true, s3_text("s3.probe.ok", fmt::arg("key", key), fmt::arg("ms", elapsed.count())));
}

}  // namespace picbot::image::s3
