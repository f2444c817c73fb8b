#include "plugins/image_gateway/chat/chat_inputs.h"

#include "bot/core/text.h"
#include "image/format.h"

namespace picbot::gateway {
namespace {

using boost::asio::awaitable;
using nlohmann::json;

constexpr std::size_t kMaxIdChars = 128;

bool is_id_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-';
}

// Gathers one request's references under its limits.
class ReferenceReader {
 public:
  ReferenceReader(const ReadOwnImage& read_own, net::HttpClient& http, const ChatInputOptions& options)
      : read_own_(read_own), http_(http), options_(options) {}

  awaitable<Status> add_url(std::string_view url) {
    if (auto full = check_count(); !full.ok()) co_return full;
    if (image::starts_with_ci(url, "data:")) co_return co_await add_data_url(url);
    if (auto id = own_image_id(url)) {
      auto own = co_await read_own_(*id);
      if (!own.ok())
        co_return Error{"image_not_found", "image " + *id + " is not (or no longer) stored here"};
      references_.push_back(std::move(own).value());
      co_return Status();
    }
    if (!image::is_http_url(url)) co_return Error{"bad_image", "an image URL must be a data: URL or http(s)"};
    if (!options_.allow_external_image_fetch) {
      co_return Error{
          "external_image_refused",
          "image URLs of other sites are not fetched (allow_external_image_fetch is off); send the "
          "image as a data: URL"};
    }
    const std::string target(url);
    auto bytes = co_await image::download_image(http_, target, options_.download);
    if (!bytes.ok())
      co_return Error{"image_download_failed", "the image could not be fetched: " + bytes.error().message};
    auto format = image::verify_image(*bytes);
    if (!format.ok()) co_return Error{"bad_image", "the fetched URL is not a PNG, JPEG or WEBP image"};
    references_.push_back(
        image::ReferenceImage{std::move(bytes).value(), std::string(image::image_mime(*format))});
    co_return Status();
  }

  awaitable<Status> add_base64(std::string_view base64) {
    if (auto full = check_count(); !full.ok()) co_return full;
    if (image::starts_with_ci(base64, "data:")) co_return co_await add_data_url(base64);
    if (base64.size() > options_.max_data_url_bytes) co_return too_large();
    auto decoded =
        co_await decode([base64] { return image::decode_base64_image(base64, std::nullopt); }, base64.size());
    if (!decoded.ok()) co_return decoded.error();
    references_.push_back(std::move(decoded).value());
    co_return Status();
  }

  std::vector<image::ReferenceImage> take() { return std::move(references_); }

 private:
  Status check_count() const {
    if (references_.size() < options_.max_references) return Status();
    return Error{"too_many_images",
                 "at most " + std::to_string(options_.max_references) + " images per request"};
  }

  Error too_large() const {
    return Error{"image_too_large",
                 "an image exceeds " + std::to_string(options_.max_data_url_bytes) + " bytes as a data URL"};
  }

  awaitable<Status> add_data_url(std::string_view url) {
    if (url.size() > options_.max_data_url_bytes) co_return too_large();
    auto decoded = co_await decode([url] { return image::decode_data_url(url); }, url.size());
    if (!decoded.ok()) co_return decoded.error();
    references_.push_back(std::move(decoded).value());
    co_return Status();
  }

  template <class Decode>
  awaitable<Result<image::ReferenceImage>> decode(Decode fn, std::size_t size) {
    Result<image::GeneratedImage, llm::ProviderError> decoded = llm::ProviderError{};
    if (options_.workers != nullptr && size >= options_.worker_decode_bytes) {
      decoded = co_await options_.workers->run([&fn] { return fn(); });
    } else {
      decoded = fn();
    }
    if (!decoded.ok())
      co_return Error{"bad_image", "an image is not a PNG, JPEG or WEBP: " + decoded.error().message};
    co_return image::ReferenceImage{std::move(decoded->bytes), std::move(decoded->mime)};
  }

  const ReadOwnImage& read_own_;
  net::HttpClient& http_;
  const ChatInputOptions& options_;
  std::vector<image::ReferenceImage> references_;
};

// The URL of an image_url part: {"url": "..."} or the string itself.
const std::string* part_url(const json& part) {
  auto it = part.find("image_url");
  if (it == part.end()) return nullptr;
  if (it->is_string()) return &it->get_ref<const std::string&>();
  if (!it->is_object()) return nullptr;
  auto url = it->find("url");
  return url != it->end() && url->is_string() ? &url->get_ref<const std::string&>() : nullptr;
}

// Markdown images in text whose URL is a data URL or an own link: taken as
// references and cut out of the prompt.
awaitable<Result<std::string>> take_markdown_images(std::string_view text, ReferenceReader& reader) {
  std::string prompt;
  std::size_t pos = 0;
  for (std::size_t start = text.find("![", pos); start != std::string_view::npos;
       start = text.find("![", pos)) {
    const std::size_t close = text.find("](", start + 2);
    const std::size_t end = close == std::string_view::npos ? close : text.find(')', close + 2);
    if (end == std::string_view::npos) break;
    const std::string_view url = text.substr(close + 2, end - close - 2);
    const bool ours = image::starts_with_ci(url, "data:image/") || own_image_id(url).has_value();
    if (!ours || text.substr(start + 2, close - start - 2).find('\n') != std::string_view::npos) {
      prompt.append(text.substr(pos, start + 2 - pos));
      pos = start + 2;
      continue;
    }
    prompt.append(text.substr(pos, start - pos));
    auto added = co_await reader.add_url(url);
    if (!added.ok()) co_return added.error();
    pos = end + 1;
  }
  prompt.append(text.substr(pos));
  co_return prompt;
}

}  // namespace

std::optional<std::string> own_image_id(std::string_view url) {
  std::string_view path = url;
  if (image::is_http_url(url)) {
    const std::size_t authority = url.find("://") + 3;
    const std::size_t slash = url.find('/', authority);
    if (slash == std::string_view::npos) return std::nullopt;
    path = url.substr(slash);
  }
  const std::size_t query = path.find_first_of("?#");
  if (query != std::string_view::npos) path = path.substr(0, query);
  constexpr std::string_view kPrefix = "/images/";
  if (!path.starts_with(kPrefix)) return std::nullopt;
  const std::string_view id = path.substr(kPrefix.size());
  if (id.empty() || id.size() > kMaxIdChars || id.find("..") != std::string_view::npos) return std::nullopt;
  for (char c : id) {
    if (!is_id_char(c)) return std::nullopt;
  }
  return std::string(id);
}

awaitable<Result<ChatImagePrompt>> read_chat_prompt(const json& messages, const ReadOwnImage& read_own,
                                                    net::HttpClient& http, const ChatInputOptions& options) {
  const json* last_user = nullptr;
  if (messages.is_array()) {
    for (const json& message : messages) {
      if (message.is_object() && message.value("role", "") == "user") last_user = &message;
    }
  }
  if (last_user == nullptr || !last_user->contains("content")) {
    co_return Error{"no_prompt", "the request has no user message to draw from"};
  }
  ReferenceReader reader(read_own, http, options);
  ChatImagePrompt out;
  const json& content = (*last_user)["content"];
  if (content.is_string()) {
    auto prompt = co_await take_markdown_images(content.get_ref<const std::string&>(), reader);
    if (!prompt.ok()) co_return prompt.error();
    out.prompt = std::move(prompt).value();
  } else if (content.is_array()) {
    for (const json& part : content) {
      if (!part.is_object()) continue;
      const std::string type = part.value("type", "");
      if (type == "text" && part.contains("text") && part["text"].is_string()) {
        auto text = co_await take_markdown_images(part["text"].get_ref<const std::string&>(), reader);
        if (!text.ok()) co_return text.error();
        if (!out.prompt.empty() && !text->empty()) out.prompt += "\n";
        out.prompt += *text;
      } else if (type == "image_url") {
        const std::string* url = part_url(part);
        if (url == nullptr) co_return Error{"bad_image", "an image_url part has no url"};
        auto added = co_await reader.add_url(*url);
        if (!added.ok()) co_return added.error();
      } else if (type == "image" && part.contains("image") && part["image"].is_string()) {
        auto added = co_await reader.add_base64(part["image"].get_ref<const std::string&>());
        if (!added.ok()) co_return added.error();
      }
    }
  }
  out.prompt = std::string(trim(out.prompt));
  if (out.prompt.empty()) co_return Error{"no_prompt", "the last user message has no text to draw from"};
  out.references = reader.take();
  co_return out;
}

}  // namespace picbot::gateway
