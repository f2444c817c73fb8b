#include "tests/fakes/openai/fake_openai.h"

#include <algorithm>
#include <cstdlib>

#include "bot/onebot/base64.h"
#include "tests/fakes/openrouter/fake_images.h"

namespace picbot::testing {
namespace {

using nlohmann::json;

FakeHttpResponse error(int status, const std::string& type, const std::string& code,
                       const std::string& message) {
  return FakeHttpResponse::json(
      {{"error", {{"message", message}, {"type", type}, {"param", nullptr}, {"code", code}}}}, status);
}

// The n of a request (images.generate's JSON number, or an edit's form text), 1 to 10.
int images_wanted(const json& n) {
  int wanted = 1;
  if (n.is_number_integer()) wanted = n.get<int>();
  if (n.is_string()) wanted = std::atoi(n.get<std::string>().c_str());
  return std::clamp(wanted, 1, 10);
}

std::string value_of(const std::string& header, const std::string& key) {
  const std::size_t at = header.find(key + "=");
  if (at == std::string::npos) return {};
  std::string value = header.substr(at + key.size() + 1);
  if (!value.empty() && value.front() == '"') value = value.substr(1, value.find('"', 1) - 1);
  return value.substr(0, value.find(';'));
}

// Splits a multipart/form-data body into text fields and files.
void parse_multipart(const std::string& body, const std::string& boundary, json& fields,
                     std::vector<FakeOpenAi::FilePart>& files) {
  const std::string delimiter = "--" + boundary;
  std::size_t pos = body.find(delimiter);
  while (pos != std::string::npos) {
    pos += delimiter.size();
    if (body.compare(pos, 2, "--") == 0) break;
    pos += 2;  // CRLF
    const std::size_t headers_end = body.find("\r\n\r\n", pos);
    if (headers_end == std::string::npos) break;
    const std::string headers = body.substr(pos, headers_end - pos);
    const std::size_t next = body.find("\r\n" + delimiter, headers_end + 4);
    if (next == std::string::npos) break;
    std::string content = body.substr(headers_end + 4, next - headers_end - 4);
    const std::string name = value_of(headers, "name");
    const std::string filename = value_of(headers, "filename");
    if (filename.empty()) {
      fields[name] = std::move(content);
    } else {
      std::string content_type;
      const std::size_t type_at = headers.find("Content-Type: ");
      if (type_at != std::string::npos) {
        content_type = headers.substr(type_at + 14, headers.find("\r\n", type_at) - type_at - 14);
      }
      files.push_back({name, filename, content_type, std::move(content)});
    }
    pos = next + 2;
  }
}

}  // namespace

FakeOpenAi::FakeOpenAi() : ScriptedImageFake(Script::kB64) {
  server_.on("POST", "/v1/images/generations",
             [this](const FakeHttpRequest& request) { return answer(request, false); });
  server_.on("POST", "/v1/images/edits",
             [this](const FakeHttpRequest& request) { return answer(request, true); });
}

std::string FakeOpenAi::api_base() const { return server_.base_url() + "/v1"; }

FakeHttpResponse FakeOpenAi::answer(const FakeHttpRequest& request, bool edit) {
  Call call;
  const std::string authorization = request.header("authorization");
  call.key = authorization.rfind("Bearer ", 0) == 0 ? authorization.substr(7) : "";
  call.path = request.path();
  call.content_type = request.header("content-type");
  if (edit) {
    call.body = json::object();
    parse_multipart(request.body, value_of(call.content_type, "boundary"), call.body, call.files);
  } else {
    call.body = json::parse(request.body, nullptr, false);
  }
  const json request_n = call.body.is_object() ? call.body.value("n", json(1)) : json(1);
  switch (take_script(std::move(call))) {
    case Script::kB64: {
      // One data[] entry per image asked for (n; a number in JSON, text in a form).
      json data = json::array();
      for (int i = 0; i < images_wanted(request_n); ++i) {
        data.push_back({{"b64_json", onebot::base64_encode(answer_png("openai"))}});
      }
      return FakeHttpResponse::json({{"created", 1713833628},
                                     {"data", std::move(data)},
                                     {"output_format", "png"},
                                     {"usage", {{"total_tokens", 100}}}});
    }
    case Script::kUrl: {
      const std::string url = answer_png_file("openai-url", "img");
      return FakeHttpResponse::json(
          {{"created", 1713833628},
           {"data", json::array({{{"url", url}, {"revised_prompt", "a revised prompt"}}})}});
    }
    case Script::k400:
      return error(400, "invalid_request_error", "invalid_value", "Invalid size '7x7'.");
    case Script::kContentPolicy:
      return error(400, "invalid_request_error", "content_policy_violation",
                   "Your request was rejected as a result of our safety system.");
    case Script::k401:
      return error(401, "invalid_request_error", "invalid_api_key", "Incorrect API key provided.");
    case Script::k429: {
      FakeHttpResponse response =
          error(429, "requests", "rate_limit_exceeded", "Rate limit reached for images per minute.");
      response.headers.emplace_back("Retry-After", "1");
      return response;
    }
    case Script::kHang: {
      FakeHttpResponse response;
      response.action = FakeHttpResponse::Action::kHang;
      return response;
    }
    case Script::k500:
      return error(500, "server_error", "server_error", "The server had an error processing your request.");
  }
  return FakeHttpResponse::text("unscripted", 500);
}

}  // namespace picbot::testing
