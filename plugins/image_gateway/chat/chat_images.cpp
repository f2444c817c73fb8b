#include "plugins/image_gateway/chat/chat_images.h"

#include "image/format.h"

namespace picbot::gateway {
namespace {

using boost::asio::awaitable;
using nlohmann::json;

constexpr std::string_view kDataImagePrefix = "data:image/";
constexpr std::string_view kBase64Marker = ";base64,";
constexpr std::size_t kMaxSubtypeChars = 32;  // "png", "jpeg", "svg+xml", "vnd.microsoft.icon"
constexpr std::size_t kMaxAltChars = 256;

bool is_subtype_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '+' || c == '-';
}

// True when `whole` starts with `part` (ASCII case-insensitive): `part` may
// still become `whole`.
bool is_prefix_of(std::string_view part, std::string_view whole) {
  return image::starts_with_ci(whole, part);
}

// A data URL image starting at i. b64_scanned: from i, how far the payload is
// known to be base64 (in/out).
ScanResult match_data_url(std::string_view s, std::size_t i, bool at_end, std::size_t& end,
                          std::size_t& b64_scanned) {
  const std::size_t n = s.size();
  if (n - i < kDataImagePrefix.size()) {
    return !at_end && is_prefix_of(s.substr(i), kDataImagePrefix) ? ScanResult::kPartial : ScanResult::kNone;
  }
  if (!image::starts_with_ci(s.substr(i), kDataImagePrefix)) return ScanResult::kNone;
  std::size_t j = i + kDataImagePrefix.size();
  const std::size_t subtype = j;
  while (j < n && is_subtype_char(s[j]) && j - subtype <= kMaxSubtypeChars) ++j;
  if (j - subtype > kMaxSubtypeChars) return ScanResult::kNone;
  if (j == n) return at_end ? ScanResult::kNone : ScanResult::kPartial;
  if (j == subtype) return ScanResult::kNone;
  const std::string_view marker = s.substr(j, kBase64Marker.size());
  if (!is_prefix_of(marker, kBase64Marker)) return ScanResult::kNone;
  if (marker.size() < kBase64Marker.size()) return at_end ? ScanResult::kNone : ScanResult::kPartial;
  j += kBase64Marker.size();
  const std::size_t payload = j;
  if (b64_scanned > j - i) j = i + b64_scanned;
  while (j < n && image::is_base64_char(s[j])) ++j;
  b64_scanned = j - i;
  if (j == n && !at_end) return ScanResult::kPartial;
  if (j == payload) return ScanResult::kNone;
  end = j;
  return ScanResult::kFound;
}

// A markdown image `![alt](data:...)` starting at i (s[i] == '!').
ScanResult match_markdown(std::string_view s, std::size_t i, bool at_end, ImageInText& found,
                          std::size_t& b64_scanned) {
  const std::size_t n = s.size();
  const ScanResult cut = at_end ? ScanResult::kNone : ScanResult::kPartial;
  if (i + 1 == n) return cut;
  if (s[i + 1] != '[') return ScanResult::kNone;
  std::size_t j = i + 2;
  while (j < n && s[j] != ']' && s[j] != '\n' && j - (i + 2) <= kMaxAltChars) ++j;
  if (j == n) return cut;
  if (s[j] != ']') return ScanResult::kNone;
  const std::string_view alt = s.substr(i + 2, j - (i + 2));
  ++j;
  if (j == n) return cut;
  if (s[j] != '(') return ScanResult::kNone;
  ++j;
  const std::size_t url_start = j;
  std::size_t url_b64 = b64_scanned > url_start - i ? b64_scanned - (url_start - i) : 0;
  std::size_t end = 0;
  const ScanResult url = match_data_url(s, url_start, at_end, end, url_b64);
  b64_scanned = url_b64 + (url_start - i);
  if (url != ScanResult::kFound) return url;
  if (end < n && s[end] != ')') return ScanResult::kNone;  // not a markdown image: the URL is found bare
  if (end == n && !at_end) return ScanResult::kPartial;
  found = ImageInText{i, end < n ? end + 1 : end, alt, s.substr(url_start, end - url_start), true};
  return ScanResult::kFound;
}

std::string link(std::string_view alt, const std::string& url) {
  return "![" + std::string(alt.empty() ? std::string_view("image") : alt) + "](" + url + ")";
}

Error bad_image(const llm::ProviderError& error) { return Error{"bad_image", error.message}; }

}  // namespace

ScanResult find_image_in_text(std::string_view text, std::size_t from, bool at_end, ImageInText& found,
                              std::size_t& b64_scanned) {
  for (std::size_t i = text.find_first_of("!dD", from); i != std::string_view::npos;
       i = text.find_first_of("!dD", i + 1)) {
    std::size_t b64 = i == from ? b64_scanned : 0;  // the hint belongs to a match at `from`
    ScanResult result = ScanResult::kNone;
    if (text[i] == '!') {
      result = match_markdown(text, i, at_end, found, b64);
    } else {
      std::size_t end = 0;
      result = match_data_url(text, i, at_end, end, b64);
      if (result == ScanResult::kFound) found = ImageInText{i, end, {}, text.substr(i, end - i), false};
    }
    if (result == ScanResult::kNone) continue;
    b64_scanned = b64;
    if (result == ScanResult::kPartial) found = ImageInText{i, text.size(), {}, {}, false};
    return result;
  }
  b64_scanned = 0;
  return ScanResult::kNone;
}

ChatImages::ChatImages(StoreImage store, ChatImageOptions options)
    : store_(std::move(store)), options_(options) {}

awaitable<Result<std::string>> ChatImages::store_data_url(std::string_view data_url) {
  if (data_url.size() > options_.max_image_bytes) {
    co_return Error{"image_too_large", "an image in the answer exceeds " +
                                           std::to_string(options_.max_image_bytes) + " bytes of base64"};
  }
  Result<image::GeneratedImage, llm::ProviderError> decoded = llm::ProviderError{};
  if (options_.workers != nullptr && data_url.size() >= options_.worker_decode_bytes) {
    decoded = co_await options_.workers->run([&data_url] { return image::decode_data_url(data_url); });
  } else {
    decoded = image::decode_data_url(data_url);
  }
  if (!decoded.ok()) co_return bad_image(decoded.error());
  std::string bytes = std::move(decoded->bytes);
  std::string mime = std::move(decoded->mime);
  auto url = co_await store_(std::move(bytes), std::move(mime));
  if (url.ok()) ++stored_;
  co_return url;
}

awaitable<Result<std::string>> ChatImages::store_base64(std::string_view base64) {
  if (image::starts_with_ci(base64, "data:")) co_return co_await store_data_url(base64);
  if (base64.size() > options_.max_image_bytes) {
    co_return Error{"image_too_large", "an image in the answer exceeds " +
                                           std::to_string(options_.max_image_bytes) + " bytes of base64"};
  }
  Result<image::GeneratedImage, llm::ProviderError> decoded = llm::ProviderError{};
  if (options_.workers != nullptr && base64.size() >= options_.worker_decode_bytes) {
    decoded = co_await options_.workers->run(
        [&base64] { return image::decode_base64_image(base64, std::nullopt); });
  } else {
    decoded = image::decode_base64_image(base64, std::nullopt);
  }
  if (!decoded.ok()) co_return bad_image(decoded.error());
  std::string bytes = std::move(decoded->bytes);
  std::string mime = std::move(decoded->mime);
  auto url = co_await store_(std::move(bytes), std::move(mime));
  if (url.ok()) ++stored_;
  co_return url;
}

awaitable<Result<std::string>> ChatImages::store_bytes(std::string bytes, std::string mime) {
  auto url = co_await store_(std::move(bytes), std::move(mime));
  if (url.ok()) ++stored_;
  co_return url;
}

awaitable<Result<std::string>> ChatImages::rewrite_text(std::string_view text) {
  std::string out;
  std::size_t pos = 0;
  for (;;) {
    ImageInText found;
    std::size_t b64 = 0;
    if (find_image_in_text(text, pos, /*at_end=*/true, found, b64) != ScanResult::kFound) break;
    out.append(text.substr(pos, found.begin - pos));
    auto url = co_await store_data_url(found.data_url);
    if (!url.ok()) co_return url.error();
    out += link(found.markdown ? found.alt : std::string_view(), *url);
    pos = found.end;
  }
  out.append(text.substr(pos));
  co_return out;
}

awaitable<Result<std::string>> ChatImages::images_markdown(const json& images) {
  std::string out;
  if (!images.is_array()) co_return out;
  for (const json& entry : images) {
    if (!entry.is_object()) continue;
    const json* url = nullptr;
    if (auto it = entry.find("image_url"); it != entry.end() && it->is_object()) {
      if (auto u = it->find("url"); u != it->end() && u->is_string()) url = &*u;
    } else if (auto u = entry.find("url"); u != entry.end() && u->is_string()) {
      url = &*u;
    }
    if (url == nullptr) continue;
    const std::string& text = url->get_ref<const std::string&>();
    std::string target;
    if (image::is_http_url(text)) {
      target = text;
    } else {
      auto stored = co_await store_data_url(text);
      if (!stored.ok()) co_return stored.error();
      target = std::move(stored).value();
    }
    if (!out.empty()) out += "\n";
    out += link({}, target);
  }
  co_return out;
}

awaitable<Status> ChatImages::rewrite_message(json& message) {
  if (!message.is_object()) co_return Status();
  auto content = message.find("content");
  if (content != message.end() && content->is_string()) {
    auto text = co_await rewrite_text(content->get_ref<const std::string&>());
    if (!text.ok()) co_return text.error();
    *content = std::move(text).value();
  } else if (content != message.end() && content->is_array()) {
    for (json& part : *content) {
      if (!part.is_object()) continue;
      const std::string type = part.value("type", "");
      if (type == "text" && part.contains("text") && part["text"].is_string()) {
        auto text = co_await rewrite_text(part["text"].get_ref<const std::string&>());
        if (!text.ok()) co_return text.error();
        part["text"] = std::move(text).value();
      } else if (type == "image_url" && part.contains("image_url")) {
        json& image_url = part["image_url"];
        json* url = image_url.is_object() && image_url.contains("url") ? &image_url["url"] : &image_url;
        if (!url->is_string() || !image::starts_with_ci(url->get_ref<const std::string&>(), "data:"))
          continue;
        auto stored = co_await store_data_url(url->get_ref<const std::string&>());
        if (!stored.ok()) co_return stored.error();
        part["image_url"] = json{{"url", std::move(stored).value()}};
      } else if (type == "image" && part.contains("image") && part["image"].is_string()) {
        auto stored = co_await store_base64(part["image"].get_ref<const std::string&>());
        if (!stored.ok()) co_return stored.error();
        part = json{{"type", "image_url"}, {"image_url", {{"url", std::move(stored).value()}}}};
      }
    }
  }
  auto images = message.find("images");
  if (images == message.end()) co_return Status();
  auto markdown = co_await images_markdown(*images);
  if (!markdown.ok()) co_return markdown.error();
  message.erase("images");
  if (markdown->empty()) co_return Status();
  content = message.find("content");
  if (content != message.end() && content->is_array()) {
    content->push_back(json{{"type", "text"}, {"text", *markdown}});
  } else {
    std::string text = content != message.end() && content->is_string() ? content->get<std::string>() : "";
    if (!text.empty()) text += "\n";
    message["content"] = text + *markdown;
  }
  co_return Status();
}

awaitable<Status> ChatImages::rewrite_completion(json& completion) {
  auto choices = completion.find("choices");
  if (choices == completion.end() || !choices->is_array()) co_return Status();
  for (json& choice : *choices) {
    if (!choice.is_object() || !choice.contains("message")) continue;
    auto status = co_await rewrite_message(choice["message"]);
    if (!status.ok()) co_return status;
  }
  co_return Status();
}

}  // namespace picbot::gateway
