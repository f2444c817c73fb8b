#include "batch/batch_options.h"

#include <charconv>

#include "bot/core/message_table.h"
#include "image/format.h"

namespace picbot::batch {
namespace {

std::optional<int> parse_int(std::string_view text) {
  int value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc{} || end != text.data() + text.size()) return std::nullopt;
  return value;
}

std::string env_value(const Environment& env, const std::string& name) {
  const auto found = env.find(name);
  return found == env.end() ? std::string{} : found->second;
}

Error bad(std::string message) { return Error{"bad_option", std::move(message)}; }

// The value of a count: the command line's, else the environment variable's, else fallback.
Result<int> count_option(const std::optional<int>& given, const Environment& env, const std::string& variable,
                         std::string_view flag, int fallback, int max, std::string_view language) {
  int value = fallback;
  std::string source(flag);
  if (given) {
    value = *given;
  } else if (const std::string text = env_value(env, variable); !text.empty()) {
    const auto parsed = parse_int(text);
    if (!parsed) {
      return bad(tr(language, "batch.bad_count", fmt::arg("option", variable), fmt::arg("value", text),
                    fmt::arg("max", max)));
    }
    value = *parsed;
    source = variable;
  }
  if (value < 1 || value > max) {
    return bad(tr(language, "batch.bad_count", fmt::arg("option", source), fmt::arg("value", value),
                  fmt::arg("max", max)));
  }
  return value;
}

}  // namespace

std::string_view archive_format_name(ArchiveFormat format) {
  switch (format) {
    case ArchiveFormat::kZip:
      return "zip";
    case ArchiveFormat::kTar:
      return "tar";
    case ArchiveFormat::kNone:
      break;
  }
  return "none";
}

Result<ResolvedOptions> resolve_options(const BatchOptions& options, const Environment& env,
                                        std::string_view language) {
  ResolvedOptions r;
  if (options.input_dir.empty())
    return bad(tr(language, "batch.missing_option", fmt::arg("option", "--input-dir")));
  if (options.prompt.empty())
    return bad(tr(language, "batch.missing_option", fmt::arg("option", "--prompt")));
  r.input_dir = options.input_dir;
  r.prompt = options.prompt;
  if (options.output_dir) {
    r.output_dir = *options.output_dir;
  } else if (std::string dir = env_value(env, "OUTPUT_DIR"); !dir.empty()) {
    r.output_dir = std::move(dir);
  }
  auto concurrent = count_option(options.max_concurrent, env, "MAX_CONCURRENT_REQUESTS", "--max-concurrent",
                                 5, kMaxConcurrent, language);
  if (!concurrent) return concurrent.error();
  r.max_concurrent = *concurrent;
  auto retries =
      count_option(options.max_retries, env, "MAX_RETRIES", "--max-retries", 5, kMaxRetries, language);
  if (!retries) return retries.error();
  r.max_retries = *retries;

  if (options.archive_format == "zip") {
    r.archive = ArchiveFormat::kZip;
  } else if (options.archive_format == "tar") {
    r.archive = ArchiveFormat::kTar;
  } else if (options.archive_format != "none") {
    return bad(tr(language, "batch.bad_archive_format", fmt::arg("value", options.archive_format)));
  }
  if (!options.size.empty()) {
    const auto wish = image::parse_size_wish(options.size);
    if (!wish || wish->is_ratio) return bad(tr(language, "batch.bad_size", fmt::arg("value", options.size)));
  }
  if (!options.aspect_ratio.empty()) {
    const auto wish = image::parse_size_wish(options.aspect_ratio);
    if (!wish || !wish->is_ratio) {
      return bad(tr(language, "batch.bad_ratio", fmt::arg("value", options.aspect_ratio)));
    }
  }
  r.size = options.size;
  r.aspect_ratio = options.aspect_ratio;
  r.prompt_optimization = options.prompt_optimization;
  r.dry_run = options.dry_run;
  r.provider = options.provider;
  r.recursive = options.recursive;
  r.resume = options.resume;
  r.json = options.json;
  r.gemini_api_key = env_value(env, "GEMINI_API_KEY");
  return r;
}

}  // namespace picbot::batch
