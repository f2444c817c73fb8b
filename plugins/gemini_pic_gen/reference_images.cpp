#include "plugins/gemini_pic_gen/reference_images.h"

#include <algorithm>
#include <array>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <memory>
#include <optional>

#include "bot/core/log_language.h"
#include "bot/core/logging.h"
#include "bot/onebot/base64.h"
#include "bot/onebot/ids.h"
#include "image/format.h"

namespace picbot::gemini {
namespace {

using boost::asio::awaitable;
using Reason = ReferenceFailure::Reason;
using image::image_mime;
using image::sniff_image_format;

std::shared_ptr<spdlog::logger> logger() {
  static auto instance = log::get("gemini");
  return instance;
}

constexpr std::string_view kBase64Scheme = "base64://";

// Inline data or a downloaded body above this is decoded and checked on the
// worker pool.
constexpr std::size_t kCheckOnWorkersBytes = 64 * 1024;

bool starts_with(std::string_view text, std::string_view prefix) {
  return text.substr(0, prefix.size()) == prefix;
}

bool is_http_url(std::string_view text) {
  return starts_with(text, "http://") || starts_with(text, "https://");
}

// What went wrong with one candidate (its index is added by the caller).
struct Problem {
  Reason reason;
  std::string detail;
};
using Fetched = Result<ReferenceImage, Problem>;

Fetched as_reference(std::string bytes) {
  const auto format = sniff_image_format(bytes);
  if (!format) return Problem{Reason::kNotAnImage, "not PNG, JPEG or WEBP"};
  std::string mime(image_mime(*format));
  return ReferenceImage{std::move(bytes), std::move(mime)};
}

Fetched decode_inline(std::string_view data, const ReferenceOptions& options) {
  // 4 base64 characters carry 3 bytes: refuse oversized data before decoding it.
  if (data.size() / 4 * 3 > options.max_bytes + 3) return Problem{Reason::kTooLarge, "inline data too large"};
  auto decoded = onebot::base64_decode(data);
  if (!decoded) return Problem{Reason::kNotAnImage, decoded.error().message};
  if (decoded->size() > options.max_bytes) return Problem{Reason::kTooLarge, "inline data too large"};
  return as_reference(std::move(decoded.value()));
}

Reason reason_for(net::HttpError::Kind kind) {
  switch (kind) {
    case net::HttpError::Kind::kTooLarge:
      return Reason::kTooLarge;
    case net::HttpError::Kind::kBlockedAddress:
      return Reason::kBlockedAddress;
    case net::HttpError::Kind::kBadUrl:
      return Reason::kUnsupportedScheme;
    default:
      return Reason::kDownloadFailed;
  }
}

// What fetch() needs besides the image.
struct FetchDeps {
  net::HttpClient& http;
  WorkerPool& workers;
};

// Runs check(data) on a worker when data is large: decoding or checking
// megabytes would hold up every other message on the event loop.
template <class Check>
awaitable<Fetched> check_off_loop(WorkerPool& workers, std::size_t data_bytes, Check check) {
  if (data_bytes <= kCheckOnWorkersBytes) co_return check();
  co_return co_await workers.run(std::move(check));
}

awaitable<Fetched> download(FetchDeps deps, std::string url, ReferenceOptions options) {
  net::HttpRequest request;
  request.url = std::move(url);
  request.max_redirects = 3;
  request.max_response_bytes = options.max_bytes;
  request.block_private_addresses = !options.allow_private_network;
  request.total_timeout = options.timeout;
  request.connect_timeout = std::min(options.timeout, std::chrono::milliseconds(10'000));
  auto response = co_await deps.http.request(std::move(request));
  if (!response) co_return Problem{reason_for(response.error().kind), net::to_string(response.error().kind)};
  if (response->status < 200 || response->status > 299) {
    co_return Problem{Reason::kDownloadFailed, "HTTP " + std::to_string(response->status)};
  }
  std::string& body = response->body;
  auto check = [&body] { return as_reference(std::move(body)); };
  co_return co_await check_off_loop(deps.workers, body.size(), check);
}

// Fetches one image segment: url if usable, else file; base64:// is decoded.
awaitable<Fetched> fetch(FetchDeps deps, onebot::Image image, ReferenceOptions options) {
  const std::array<const std::string*, 2> sources{&image.url, &image.file};
  for (const std::string* source : sources) {
    if (starts_with(*source, kBase64Scheme)) {
      const std::string_view data = std::string_view(*source).substr(kBase64Scheme.size());
      auto decode = [data, &options] { return decode_inline(data, options); };
      co_return co_await check_off_loop(deps.workers, data.size(), decode);
    }
    if (is_http_url(*source)) co_return co_await download(deps, *source, options);
  }
  const std::string& given = image.url.empty() ? image.file : image.url;
  const auto colon = given.find(':');
  std::string scheme =
      colon == std::string::npos ? "no scheme" : given.substr(0, std::min<std::size_t>(colon, 16));
  co_return Problem{Reason::kUnsupportedScheme, std::move(scheme)};
}

// The image segments of the quoted message, or why they are unavailable.
awaitable<Result<std::vector<onebot::Image>, std::string>> quoted_images(MessageContext& ctx,
                                                                         const std::string& reply_id,
                                                                         const ReferenceOptions& options) {
  const auto id = onebot::json_to_int(nlohmann::json(reply_id));
  if (!id) co_return std::string("reply id \"" + log::truncate(reply_id, 32) + "\" is not a number");
  onebot::CallOptions call_options;
  call_options.timeout = options.timeout;
  // Built outside the co_await: GCC 12 miscompiles braced JSON temporaries there.
  nlohmann::json params = {{"message_id", *id}};
  auto answer = co_await ctx.call_api(std::string("get_msg"), std::move(params), std::move(call_options));
  if (!answer) co_return answer.error().describe();
  nlohmann::json& data = answer.value();
  if (!data.is_object() || !data.contains("message")) co_return std::string("get_msg answer has no message");
  auto message = onebot::parse_message(std::move(data["message"]));
  if (!message) co_return message.error().to_string();
  std::vector<onebot::Image> images;
  for (auto& segment : message.value()) {
    if (auto* image = std::get_if<onebot::Image>(&segment)) images.push_back(std::move(*image));
  }
  co_return images;
}

// Results of concurrent fetches, filled in as each one finishes.
struct PendingFetches {
  PendingFetches(boost::asio::any_io_executor executor, std::size_t count)
      : all_done(executor, boost::asio::steady_timer::time_point::max()), results(count), remaining(count) {}
  boost::asio::steady_timer all_done;
  std::vector<std::optional<Fetched>> results;
  std::size_t remaining;
};

awaitable<void> fetch_into(std::shared_ptr<PendingFetches> pending, std::size_t slot, FetchDeps deps,
                           onebot::Image image, ReferenceOptions options) {
  try {
    pending->results[slot].emplace(co_await fetch(deps, std::move(image), std::move(options)));
  } catch (const std::exception& e) {
    pending->results[slot].emplace(Problem{Reason::kDownloadFailed, e.what()});
  }
  if (--pending->remaining == 0) pending->all_done.cancel();
}

// Runs fetch() for every candidate at once and waits for all of them; each
// has its own timeout, so the wait is bounded.
awaitable<std::vector<Fetched>> fetch_all(FetchDeps deps, const std::vector<onebot::Image>& candidates,
                                          const ReferenceOptions& options) {
  auto executor = co_await boost::asio::this_coro::executor;
  auto pending = std::make_shared<PendingFetches>(executor, candidates.size());
  for (std::size_t i = 0; i < candidates.size(); ++i) {
    boost::asio::co_spawn(executor, fetch_into(pending, i, deps, candidates[i], options),
                          boost::asio::detached);
  }
  if (pending->remaining > 0) {
    boost::system::error_code ignored;
    co_await pending->all_done.async_wait(boost::asio::redirect_error(boost::asio::use_awaitable, ignored));
  }
  std::vector<Fetched> results;
  results.reserve(candidates.size());
  for (auto& result : pending->results) {
    // Unfilled only when this coroutine's wait was cancelled from outside.
    if (!result) result.emplace(Problem{Reason::kDownloadFailed, "cancelled"});
    results.push_back(std::move(*result));
  }
  co_return results;
}

}  // namespace

std::string_view to_string(ReferenceFailure::Reason reason) {
  switch (reason) {
    case Reason::kDownloadFailed:
      return "download_failed";
    case Reason::kTooLarge:
      return "too_large";
    case Reason::kNotAnImage:
      return "not_an_image";
    case Reason::kUnsupportedScheme:
      return "unsupported_scheme";
    case Reason::kBlockedAddress:
      return "blocked_address";
    case Reason::kQuoteUnavailable:
      return "quote_unavailable";
    case Reason::kTooMany:
      return "too_many";
  }
  return "unknown";
}

awaitable<CollectedReferences> collect_reference_images(MessageContext& ctx, net::HttpClient& http,
                                                        WorkerPool& workers,
                                                        const ReferenceOptions& options) {
  CollectedReferences collected;
  std::vector<onebot::Image> candidates;
  std::optional<std::string> reply_id;
  for (const auto& segment : ctx.event().message) {
    if (const auto* image = std::get_if<onebot::Image>(&segment)) candidates.push_back(*image);
    const auto* reply = std::get_if<onebot::Reply>(&segment);
    if (reply == nullptr || reply_id) continue;
    if (!reply->id.empty()) {
      reply_id = reply->id;
    } else if (reply->seq) {
      // OneBot has no action that loads a message by its QQ seq (get_msg takes message_id).
      logger()->info("{}", log::text("log.quote_by_seq", fmt::arg("seq", *reply->seq)));
      collected.failures.push_back({0, Reason::kQuoteUnavailable, "quoted by seq only"});
    }
  }
  if (reply_id) {
    auto quoted = co_await quoted_images(ctx, *reply_id, options);
    if (quoted) {
      for (auto& image : quoted.value()) candidates.push_back(std::move(image));
    } else {
      logger()->warn("{}", log::text("log.quote_unavailable", fmt::arg("id", log::truncate(*reply_id, 32)),
                                     fmt::arg("reason", quoted.error())));
      collected.failures.push_back({0, Reason::kQuoteUnavailable, quoted.error()});
    }
  }
  for (std::size_t i = options.max_count; i < candidates.size(); ++i) {
    collected.failures.push_back(
        {static_cast<int>(i + 1), Reason::kTooMany, "limit " + std::to_string(options.max_count)});
  }
  if (candidates.size() > options.max_count) candidates.resize(options.max_count);

  const FetchDeps deps{http, workers};
  auto fetched = co_await fetch_all(deps, candidates, options);
  for (std::size_t i = 0; i < fetched.size(); ++i) {
    if (fetched[i]) {
      collected.images.push_back(std::move(fetched[i].value()));
      continue;
    }
    const Problem& problem = fetched[i].error();
    logger()->warn(
        "{}", log::text("log.reference_skipped", fmt::arg("index", i + 1),
                        fmt::arg("reason", to_string(problem.reason)), fmt::arg("detail", problem.detail)));
    collected.failures.push_back({static_cast<int>(i + 1), problem.reason, problem.detail});
  }
  std::stable_sort(collected.failures.begin(), collected.failures.end(),
                   [](const ReferenceFailure& a, const ReferenceFailure& b) { return a.index < b.index; });
  co_return collected;
}

bool may_have_reference_images(const onebot::MessageEvent& event) {
  return std::any_of(event.message.begin(), event.message.end(), [](const onebot::Segment& segment) {
    return std::holds_alternative<onebot::Image>(segment) || std::holds_alternative<onebot::Reply>(segment);
  });
}

void register_reference_messages() {
  MessageTable::instance().add({
      {"gemini.ref.download_failed", "第 {index} 张参考图下载失败，已跳过。",
       "Reference image {index} could not be downloaded and was skipped."},
      {"gemini.ref.too_large", "第 {index} 张参考图太大，已跳过。",
       "Reference image {index} is too large and was skipped."},
      {"gemini.ref.not_an_image", "第 {index} 张参考图不是 PNG/JPEG/WEBP 图片，已跳过。",
       "Reference image {index} is not a PNG, JPEG or WEBP image and was skipped."},
      {"gemini.ref.unsupported_scheme", "第 {index} 张参考图的地址无法识别，已跳过。",
       "Reference image {index} has an address that cannot be used and was skipped."},
      {"gemini.ref.blocked_address", "第 {index} 张参考图指向内网地址，已跳过。",
       "Reference image {index} points to a private network address and was skipped."},
      {"gemini.ref.quote_unavailable", "无法读取被引用的消息（可能已过期），其中的图片未被使用。",
       "The quoted message could not be loaded (it may have expired); its images were not used."},
      {"gemini.ref.too_many", "最多使用 {max} 张参考图，其余 {count} 张已忽略。",
       "Only the first {max} reference images were used; {count} more were ignored."},
  });
}

std::string describe_failures(const std::vector<ReferenceFailure>& failures, std::string_view language) {
  const std::string_view separator = language == "en" ? " " : "";
  std::string text;
  auto append = [&](std::string sentence) {
    if (!text.empty()) text += separator;
    text += sentence;
  };
  std::size_t too_many = 0;
  int first_extra = 0;
  for (const auto& failure : failures) {
    if (failure.reason == Reason::kTooMany) {
      if (too_many++ == 0 || failure.index < first_extra) first_extra = failure.index;
      continue;
    }
    const std::string key = "gemini.ref." + std::string(to_string(failure.reason));
    append(tr(language, key, fmt::arg("index", failure.index)));
  }
  if (too_many > 0) {
    append(tr(language, "gemini.ref.too_many", fmt::arg("max", std::max(first_extra - 1, 0)),
              fmt::arg("count", too_many)));
  }
  return text;
}

}  // namespace picbot::gemini
