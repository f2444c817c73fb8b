// Logging: one named spdlog logger per module, all writing to the console and
// to a rotating file under data_dir/logs. Every line passes through the
// SecretRegistry, so a secret that slips into a message is masked.
#pragma once

#include <spdlog/spdlog.h>

#include <deque>
#include <exception>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace picbot::log {

struct Options {
  std::string level = "info";      // trace, debug, info, warn, error
  std::string directory;           // empty: console only
  bool console_to_stderr = false;  // stdout stays for a command's own output (picbot batch --json)
  std::size_t max_file_bytes = 10 * 1024 * 1024;
  std::size_t max_files = 5;
};

// Configures every logger. Safe to call again (on config reload); existing
// logger handles stay valid. Every logger, made before or after, flushes on
// each warn line and above; the rest reach the file within about a second.
void init(const Options& options);

// Returns the logger for a module ("onebot", "dispatch", ...), creating it on
// first use. Thread-safe.
std::shared_ptr<spdlog::logger> get(const std::string& module);

// Sets the level of all loggers. Returns false for an unknown level name.
bool set_level(std::string_view level);

// The most recent lines (already redacted), for the web console. Thread-safe.
std::vector<std::string> recent(std::size_t max_lines);

// One formatted, redacted log line and its level.
struct Line {
  spdlog::level::level_enum level = spdlog::level::info;
  std::string text;
};
// Which recent lines recent_lines() returns: those at min_level or above
// whose text contains `contains` (ASCII case-insensitive; empty: every line).
struct LineFilter {
  spdlog::level::level_enum min_level = spdlog::level::trace;
  std::string contains;
};
// The last max_lines lines that pass filter, oldest first, out of the last
// 1000 lines logged (a bounded ring). Thread-safe.
std::vector<Line> recent_lines(std::size_t max_lines, const LineFilter& filter = {});
// The most recent warn/error/critical lines (already redacted), for the
// console's "last errors". Thread-safe.
std::vector<std::string> recent_problems(std::size_t max_lines);

// Shortens text for a log line: at most max_chars bytes, never ending inside
// a UTF-8 character, with a marker when cut.
std::string truncate(std::string_view text, std::size_t max_chars = 512);

// The message of an escaped exception (e.what(), or a fixed text for a
// non-standard one). REQUIRES: error is not null.
std::string exception_message(std::exception_ptr error);

// A co_spawn completion handler for background work: logs an exception that
// escaped it on `logger` as "<what> failed: <message>", in the log language;
// what_key is the message-table key of <what> (text that is no key is shown
// as is).
std::function<void(std::exception_ptr)> log_failure(std::shared_ptr<spdlog::logger> logger,
                                                    std::string what_key);

}  // namespace picbot::log
