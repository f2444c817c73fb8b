#include "bot/core/logging.h"

#include <spdlog/sinks/base_sink.h>
#include <spdlog/sinks/rotating_file_sink.h>
#include <spdlog/sinks/stdout_color_sinks.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <filesystem>
#include <mutex>

#include "bot/core/log_language.h"
#include "bot/core/secret.h"
#include "bot/core/utf8.h"

namespace picbot::log {
namespace {

// Redacts secrets, then forwards to the real sinks; also keeps a ring of
// recent lines for the web console.
class RedactingSink final : public spdlog::sinks::base_sink<std::mutex> {
 public:
  void set_targets(std::vector<spdlog::sink_ptr> targets) {
    std::lock_guard lock(mutex_);
    targets_ = std::move(targets);
  }
  std::vector<std::string> recent(std::size_t max_lines) {
    std::lock_guard lock(mutex_);
    std::vector<std::string> out;
    const std::size_t n = std::min(max_lines, ring_.size());
    for (auto it = ring_.end() - static_cast<std::ptrdiff_t>(n); it != ring_.end(); ++it)
      out.push_back(it->text);
    return out;
  }
  std::vector<Line> recent_lines(std::size_t max_lines, const LineFilter& filter) {
    std::lock_guard lock(mutex_);
    std::vector<Line> out;
    // Newest first, then reversed: the last max_lines that match.
    for (auto it = ring_.rbegin(); it != ring_.rend() && out.size() < max_lines; ++it) {
      if (it->level >= filter.min_level && contains_ignoring_case(it->text, filter.contains))
        out.push_back(*it);
    }
    std::reverse(out.begin(), out.end());
    return out;
  }
  std::vector<std::string> recent_problems(std::size_t max_lines) {
    std::lock_guard lock(mutex_);
    return tail(problems_, max_lines);
  }

 protected:
  void sink_it_(const spdlog::details::log_msg& msg) override {
    const std::string_view payload(msg.payload.data(), msg.payload.size());
    const std::string clean = SecretRegistry::instance().redact(payload);
    spdlog::details::log_msg copy(msg);
    copy.payload = spdlog::string_view_t(clean.data(), clean.size());
    for (auto& target : targets_) {
      if (target->should_log(copy.level)) target->log(copy);
    }
    spdlog::memory_buf_t line;
    formatter_->format(copy, line);
    std::string text(line.data(), line.size());
    while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
    if (copy.level >= spdlog::level::warn) {
      problems_.push_back(text);
      if (problems_.size() > kProblemRingSize) problems_.pop_front();
    }
    ring_.push_back(Line{copy.level, std::move(text)});
    if (ring_.size() > kRingSize) ring_.pop_front();
  }
  void flush_() override {
    for (auto& target : targets_) target->flush();
  }

 private:
  static bool contains_ignoring_case(std::string_view text, std::string_view needle) {
    const auto lower = [](char c) { return static_cast<char>(std::tolower(static_cast<unsigned char>(c))); };
    return std::search(text.begin(), text.end(), needle.begin(), needle.end(),
                       [&](char a, char b) { return lower(a) == lower(b); }) != text.end();
  }
  static std::vector<std::string> tail(const std::deque<std::string>& ring, std::size_t max_lines) {
    const std::size_t n = std::min(max_lines, ring.size());
    return {ring.end() - static_cast<std::ptrdiff_t>(n), ring.end()};
  }

  static constexpr std::size_t kRingSize = 1000;
  static constexpr std::size_t kProblemRingSize = 100;
  std::vector<spdlog::sink_ptr> targets_;
  std::deque<Line> ring_;
  std::deque<std::string> problems_;  // warn and above
};

// Lines at this level and above reach the file at once: a crash must not
// lose the lines that explain it. Lower ones wait at most kFlushInterval.
constexpr auto kFlushLevel = spdlog::level::warn;
constexpr auto kFlushInterval = std::chrono::seconds(1);

struct State {
  std::mutex mutex;
  std::shared_ptr<RedactingSink> sink = std::make_shared<RedactingSink>();
  spdlog::level::level_enum level = spdlog::level::info;
  bool configured = false;
};

State& state() {
  static State s;
  return s;
}

void ensure_default_targets(State& s) {
  if (s.configured) return;
  s.sink->set_targets({std::make_shared<spdlog::sinks::stdout_color_sink_mt>()});
  s.configured = true;
}

}  // namespace

void init(const Options& options) {
  State& s = state();
  std::lock_guard lock(s.mutex);
  std::vector<spdlog::sink_ptr> targets;
  if (options.console_to_stderr)
    targets.push_back(std::make_shared<spdlog::sinks::stderr_color_sink_mt>());
  else
    targets.push_back(std::make_shared<spdlog::sinks::stdout_color_sink_mt>());
  if (!options.directory.empty()) {
    std::error_code ec;
    std::filesystem::create_directories(options.directory, ec);
    targets.push_back(std::make_shared<spdlog::sinks::rotating_file_sink_mt>(
        (std::filesystem::path(options.directory) / "picbot.log").string(), options.max_file_bytes,
        options.max_files));
  }
  s.sink->set_targets(std::move(targets));
  s.configured = true;
  s.level = spdlog::level::from_str(options.level);
  spdlog::apply_all([&](const std::shared_ptr<spdlog::logger>& l) { l->set_level(s.level); });
  // Sets the level on the loggers that exist now; get() sets it on later ones.
  spdlog::flush_on(kFlushLevel);
  spdlog::flush_every(kFlushInterval);
}

std::shared_ptr<spdlog::logger> get(const std::string& module) {
  if (auto existing = spdlog::get(module)) return existing;
  State& s = state();
  std::lock_guard lock(s.mutex);
  if (auto existing = spdlog::get(module)) return existing;
  ensure_default_targets(s);
  auto logger = std::make_shared<spdlog::logger>(module, s.sink);
  logger->set_level(s.level);
  // register_logger does not apply spdlog::flush_on to a logger made later.
  logger->flush_on(kFlushLevel);
  spdlog::register_logger(logger);
  return logger;
}

bool set_level(std::string_view level) {
  const auto parsed = spdlog::level::from_str(std::string(level));
  if (parsed == spdlog::level::off && level != "off") return false;
  State& s = state();
  std::lock_guard lock(s.mutex);
  s.level = parsed;
  spdlog::apply_all([&](const std::shared_ptr<spdlog::logger>& l) { l->set_level(parsed); });
  return true;
}

std::vector<std::string> recent(std::size_t max_lines) { return state().sink->recent(max_lines); }

std::vector<Line> recent_lines(std::size_t max_lines, const LineFilter& filter) {
  return state().sink->recent_lines(max_lines, filter);
}

std::vector<std::string> recent_problems(std::size_t max_lines) {
  return state().sink->recent_problems(max_lines);
}

std::string truncate(std::string_view text, std::size_t max_chars) {
  if (text.size() <= max_chars) return std::string(text);
  return std::string(utf8_prefix(text, max_chars)) + "…(" + std::to_string(text.size()) + " bytes)";
}

std::string exception_message(std::exception_ptr error) {
  try {
    std::rethrow_exception(error);
  } catch (const std::exception& e) {
    return e.what();
  } catch (...) {
    return "a non-standard exception";
  }
}

std::function<void(std::exception_ptr)> log_failure(std::shared_ptr<spdlog::logger> logger,
                                                    std::string what_key) {
  return [logger = std::move(logger), what_key = std::move(what_key)](std::exception_ptr error) {
    if (error)
      logger->error("{}", text("log.task_failed", fmt::arg("what", text(what_key)),
                               fmt::arg("reason", exception_message(error))));
  };
}

}  // namespace picbot::log
