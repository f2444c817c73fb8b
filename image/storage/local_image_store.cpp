#include "image/storage/local_image_store.h"

#include <fcntl.h>
#include <sys/random.h>
#include <unistd.h>

#include <algorithm>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <cerrno>
#include <cstring>
#include <ctime>
#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>
#include <system_error>

#include "bot/core/json_limits.h"
#include "bot/core/log_language.h"
#include "bot/core/logging.h"
#include "bot/core/millis.h"
#include "image/format.h"
#include "image/storage/storage_messages.h"

namespace picbot::image {
namespace {

namespace fs = std::filesystem;
using boost::asio::awaitable;
using nlohmann::json;

constexpr std::string_view kSidecarSuffix = ".json";

std::shared_ptr<spdlog::logger> logger() {
  static auto instance = log::get("storage");
  return instance;
}

Error disk_error(std::string_view what, const fs::path& path, int error_number) {
  return Error::make("disk", std::string(what) + " " + path.string() + ": " + std::strerror(error_number));
}

// The canonical extension and its MIME type, or nullopt for other formats.
std::optional<ImageFormat> format_for_extension(std::string_view extension) {
  if (extension == "jpeg") extension = "jpg";
  for (ImageFormat format : {ImageFormat::kPng, ImageFormat::kJpeg, ImageFormat::kWebp}) {
    if (image_extension(format) == extension) return format;
  }
  return std::nullopt;
}

bool is_id(std::string_view text) {
  return text.size() == 32 && text.find_first_not_of("0123456789abcdef") == std::string_view::npos;
}

// "<store file name>.json".
bool is_sidecar_name(std::string_view name) {
  return name.ends_with(kSidecarSuffix) &&
         is_store_file_name(name.substr(0, name.size() - kSidecarSuffix.size()));
}

// ".<image or sidecar name>.tmp": what write_atomically leaves when a crash
// interrupts it.
bool is_temp_name(std::string_view name) {
  constexpr std::string_view kTemp = ".tmp";
  if (!name.starts_with('.') || !name.ends_with(kTemp)) return false;
  const std::string_view inner = name.substr(1, name.size() - 1 - kTemp.size());
  return is_store_file_name(inner) || is_sidecar_name(inner);
}

// The sidecar's text. A prompt that is not valid UTF-8 is stored with
// U+FFFD in place of the bad bytes rather than failing the save.
std::string sidecar_text(std::string_view id, Clock::time_point created, const ImageMeta& meta) {
  const json sidecar{{"id", id},
                     {"prompt", meta.prompt},
                     {"user_id", meta.user_id},
                     {"group_id", meta.group_id},
                     {"time", to_epoch_ms(created)},
                     {"model", meta.model}};
  return sidecar.dump(-1, ' ', false, json::error_handler_t::replace);
}

// The id, time and meta a sidecar holds, into image; false when the text is
// not a sidecar this store wrote.
bool read_sidecar(std::string_view text, StoredImage& image) {
  const auto parsed = parse_json(text);
  if (!parsed || !parsed->is_object()) return false;
  const json& sidecar = *parsed;
  const json id = sidecar.value("id", json()), time = sidecar.value("time", json());
  if (!id.is_string() || !is_id(id.get<std::string>()) || !time.is_number_integer()) return false;
  image.id = id.get<std::string>();
  image.created = Clock::time_point(std::chrono::milliseconds(time.get<std::int64_t>()));
  const json prompt = sidecar.value("prompt", json()), model = sidecar.value("model", json());
  const json user = sidecar.value("user_id", json()), group = sidecar.value("group_id", json());
  if (prompt.is_string()) image.meta.prompt = prompt.get<std::string>();
  if (model.is_string()) image.meta.model = model.get<std::string>();
  if (user.is_number_integer()) image.meta.user_id = user.get<std::int64_t>();
  if (group.is_number_integer()) image.meta.group_id = group.get<std::int64_t>();
  return true;
}

std::string file_name_for(Clock::time_point now, std::string_view extension) {
  const std::time_t seconds = Clock::time_point::clock::to_time_t(now);
  std::tm local{};
  localtime_r(&seconds, &local);
  char stamp[32];
  std::strftime(stamp, sizeof stamp, "%Y%m%d_%H%M%S", &local);
  return std::string("gemini_image_") + stamp + "_" + random_hex(4) + "." + std::string(extension);
}

// Writes bytes to a temp file next to target, then renames it over target, so
// readers see either nothing or the whole image. Blocking. No fsync: the file
// is a 15-minute cache of an image already on its way to the chat, and a 2 MB
// fsync would add milliseconds to every delivery; after a power cut the
// sweep removes whatever is left.
Status write_atomically(const fs::path& target, std::string_view bytes) {
  const fs::path temp = target.parent_path() / ("." + target.filename().string() + ".tmp");
  const int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0) return disk_error("cannot create", temp, errno);
  std::size_t written = 0;
  int failure = 0;
  while (written < bytes.size()) {
    const ssize_t n = ::write(fd, bytes.data() + written, bytes.size() - written);
    if (n < 0) {
      if (errno == EINTR) continue;
      failure = errno;
      break;
    }
    written += static_cast<std::size_t>(n);
  }
  if (::close(fd) != 0 && failure == 0) failure = errno;
  if (failure == 0 && ::rename(temp.c_str(), target.c_str()) != 0) failure = errno;
  if (failure != 0) {
    ::unlink(temp.c_str());
    return disk_error("cannot write", target, failure);
  }
  return {};
}

// Writes the sidecar, then the image: an image on disk always has its sidecar.
Result<fs::path> save_blocking(const fs::path& dir, std::string_view bytes, std::string_view extension,
                               Clock::time_point now, std::string_view sidecar) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return Error::make("disk", "cannot create directory " + dir.string() + ": " + ec.message());
  fs::path path;
  // 8 random hex digits make a clash within one second unlikely; retry anyway.
  for (int attempt = 0; attempt < 4; ++attempt) {
    path = dir / file_name_for(now, extension);
    if (!fs::exists(fs::symlink_status(path, ec))) break;
  }
  const fs::path meta_path = sidecar_path(path);
  if (auto written = write_atomically(meta_path, sidecar); !written) return written.error();
  if (auto written = write_atomically(path, bytes); !written) {
    ::unlink(meta_path.c_str());
    return written.error();
  }
  return path;
}

// Age of a file the index does not know, by its modification time.
std::optional<Clock::time_point> modification_time(const fs::directory_entry& entry) {
  std::error_code ec;
  const auto mtime = entry.last_write_time(ec);
  if (ec) return std::nullopt;
  return std::chrono::time_point_cast<Clock::time_point::duration>(std::chrono::file_clock::to_sys(mtime));
}

// Deletes a file that may already be gone; true when it is gone. Logs
// other failures, naming the file by the message key what_key.
bool remove_quietly(const fs::path& path, std::string_view what_key) {
  std::error_code ec;
  fs::remove(path, ec);
  if (ec)
    logger()->warn("{}",
                   storage_log_text("log.storage.cannot_delete", fmt::arg("what", storage_log_text(what_key)),
                                    fmt::arg("path", path.string()), fmt::arg("reason", ec.message())));
  return !ec;
}

// Calls visit(entry, file name) for each regular file in dir; symlinks are
// never visited. A missing dir has no files; another listing error is logged.
// Blocking.
template <typename Visit>
void for_each_regular_file(const fs::path& dir, Visit visit) {
  std::error_code ec;
  fs::directory_iterator it(dir, ec);
  if (ec && ec != std::errc::no_such_file_or_directory)
    logger()->warn("{}", storage_log_text("log.storage.cannot_list", fmt::arg("dir", dir.string()),
                                          fmt::arg("reason", ec.message())));
  for (; !ec && it != fs::directory_iterator(); it.increment(ec)) {
    const fs::directory_entry& entry = *it;
    // symlink_status: a link is never followed nor deleted, even if it has our name.
    std::error_code status_error;
    if (!fs::is_regular_file(entry.symlink_status(status_error))) continue;
    visit(entry, entry.path().filename().string());
  }
}

// Deletes expired store files in dir, each with its sidecar, and sidecars
// at least ttl old whose image is gone. created holds the index's times by
// file name. Returns the image names deleted. Blocking.
std::vector<std::string> delete_expired(const fs::path& dir,
                                        const std::map<std::string, Clock::time_point>& created,
                                        Clock::time_point now, std::chrono::minutes ttl) {
  std::vector<std::string> deleted;
  for_each_regular_file(dir, [&](const fs::directory_entry& entry, const std::string& name) {
    const bool is_image = is_store_file_name(name);
    if (!is_image && !is_sidecar_name(name)) return;
    std::optional<Clock::time_point> born;
    if (auto known = created.find(name); is_image && known != created.end()) {
      born = known->second;
    } else {
      born = modification_time(entry);
    }
    if (!born || now - *born < ttl) return;
    if (!is_image) {
      // An orphan: its image was deleted by hand, or a crash came between the two deletions.
      const fs::path image = dir / name.substr(0, name.size() - kSidecarSuffix.size());
      std::error_code image_error;
      if (!fs::exists(fs::symlink_status(image, image_error)))
        remove_quietly(entry.path(), "log.storage.expired_sidecar");
      return;
    }
    if (remove_quietly(entry.path(), "log.storage.expired_image")) {
      deleted.push_back(name);
      remove_quietly(sidecar_path(entry.path()), "log.storage.expired_sidecar");
    }
  });
  return deleted;
}

// The unexpired images in dir with what their sidecars say, and deletes
// interrupted writes' temp files. Blocking.
std::vector<std::pair<StoredImage, fs::path>> restore_blocking(const fs::path& dir, Clock::time_point now,
                                                               std::chrono::minutes ttl) {
  std::vector<std::pair<StoredImage, fs::path>> found;
  for_each_regular_file(dir, [&](const fs::directory_entry& entry, const std::string& name) {
    if (is_temp_name(name)) {
      if (remove_quietly(entry.path(), "log.storage.stale_temp_file"))
        logger()->info("{}", storage_log_text("log.storage.deleted_temp_file", fmt::arg("name", name)));
      return;
    }
    if (!is_store_file_name(name)) return;
    const auto format = format_for_extension(name.substr(name.rfind('.') + 1));
    StoredImage image;
    image.extension = std::string(image_extension(*format));
    image.mime = std::string(image_mime(*format));
    std::error_code size_error;
    image.size = static_cast<std::size_t>(entry.file_size(size_error));
    std::ifstream in(sidecar_path(entry.path()), std::ios::binary);
    const std::string sidecar((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (!in.is_open() || !read_sidecar(sidecar, image)) {
      logger()->warn("{}", storage_log_text("log.storage.no_sidecar", fmt::arg("name", name)));
      const auto mtime = modification_time(entry);
      if (!mtime) return;
      image.id = random_hex(16);
      image.created = *mtime;
    }
    if (now - image.created >= ttl) return;  // the sweep deletes it
    found.emplace_back(std::move(image), entry.path());
  });
  return found;
}

}  // namespace

std::string random_hex(std::size_t bytes) {
  std::string raw(bytes, '\0');
  std::size_t filled = 0;
  while (filled < bytes) {
    const ssize_t n = ::getrandom(raw.data() + filled, bytes - filled, 0);
    if (n < 0) {
      if (errno == EINTR) continue;
      throw std::system_error(errno, std::generic_category(), "getrandom");
    }
    filled += static_cast<std::size_t>(n);
  }
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string hex;
  hex.reserve(bytes * 2);
  for (unsigned char c : raw) {
    hex.push_back(kDigits[c >> 4]);
    hex.push_back(kDigits[c & 0x0F]);
  }
  return hex;
}

bool is_store_file_name(std::string_view name) {
  static const std::regex pattern(R"(gemini_image_\d{8}_\d{6}_[0-9a-f]{8}\.(png|jpg|webp))");
  return std::regex_match(name.begin(), name.end(), pattern);
}

fs::path sidecar_path(const fs::path& image) {
  return fs::path(image.string() + std::string(kSidecarSuffix));
}

LocalImageStore::LocalImageStore(boost::asio::any_io_executor executor, WorkerPool& pool, const Clock& clock,
                                 Options options)
    : executor_(executor), pool_(pool), clock_(clock), options_(std::move(options)), sweep_timer_(executor) {}

awaitable<Result<StoredImage>> LocalImageStore::save(std::string_view bytes, std::string_view extension,
                                                     ImageMeta meta) {
  const auto format = format_for_extension(extension);
  if (!format) {
    co_return Error::make("bad_extension", "unsupported image extension \"" + std::string(extension) + "\"");
  }
  const Clock::time_point now = clock_.now();
  const std::string_view canonical = image_extension(*format);
  std::string id = random_hex(16);
  const std::string sidecar = sidecar_text(id, now, meta);
  auto saved =
      co_await pool_.run([&] { return save_blocking(options_.dir, bytes, canonical, now, sidecar); });
  if (!saved) {
    logger()->error(
        "{}", storage_log_text("log.storage.save_failed", fmt::arg("reason", saved.error().to_string())));
    co_return saved.error();
  }
  Entry entry{.image = {}, .path = std::move(saved.value())};
  StoredImage& image = entry.image;
  image.id = std::move(id);
  image.size = bytes.size();
  image.created = now;
  image.extension = std::string(canonical);
  image.mime = std::string(image_mime(*format));
  image.meta = std::move(meta);
  logger()->info(
      "{}", storage_log_text("log.storage.saved", fmt::arg("id", image.id), fmt::arg("bytes", image.size),
                             fmt::arg("path", entry.path.string())));
  StoredImage result = image;
  {
    std::lock_guard lock(mu_);
    index_[result.id] = std::move(entry);
  }
  co_return result;
}

bool LocalImageStore::expired(const StoredImage& image, Clock::time_point now) const {
  return now - image.created >= options_.ttl;
}

std::optional<StoredImage> LocalImageStore::find(std::string_view id) const {
  const Clock::time_point now = clock_.now();
  std::lock_guard lock(mu_);
  auto it = index_.find(id);
  if (it == index_.end() || expired(it->second.image, now)) return std::nullopt;
  return it->second.image;
}

std::vector<StoredImage> LocalImageStore::recent(std::size_t n) const {
  const Clock::time_point now = clock_.now();
  std::vector<std::pair<StoredImage, std::string>> images;
  {
    std::lock_guard lock(mu_);
    for (const auto& [id, entry] : index_) {
      if (!expired(entry.image, now)) images.emplace_back(entry.image, entry.path.filename().string());
    }
  }
  std::sort(images.begin(), images.end(), [](const auto& a, const auto& b) {
    if (a.first.created != b.first.created) return a.first.created > b.first.created;
    return a.second > b.second;
  });
  if (images.size() > n) images.resize(n);
  std::vector<StoredImage> newest;
  newest.reserve(images.size());
  for (auto& [image, name] : images) newest.push_back(std::move(image));
  return newest;
}

awaitable<Status> LocalImageStore::remove(std::string_view id) {
  fs::path path;
  {
    std::lock_guard lock(mu_);
    auto it = index_.find(id);
    if (it == index_.end()) co_return Error::not_found("no image with that id");
    path = it->second.path;
    index_.erase(it);
  }
  // The image first: a sidecar without its image is an orphan the sweep
  // removes; an image without its sidecar would lose its prompt.
  std::error_code ec;
  co_await pool_.run([&] {
    fs::remove(path, ec);
    if (!ec) fs::remove(sidecar_path(path), ec);
  });
  if (ec) co_return Error::make("disk", "cannot delete " + path.string() + ": " + ec.message());
  logger()->info("{}", storage_log_text("log.storage.deleted", fmt::arg("name", path.filename().string())));
  co_return Status{};
}

std::optional<fs::path> LocalImageStore::local_file(const StoredImage& image) const {
  std::lock_guard lock(mu_);
  auto it = index_.find(image.id);
  if (it == index_.end()) return std::nullopt;
  std::error_code ec;
  fs::path absolute = fs::absolute(it->second.path, ec);
  if (ec) return std::nullopt;
  return absolute;
}

std::string LocalImageStore::url(const StoredImage& image) const {
  std::string base = options_.public_base_url ? options_.public_base_url() : std::string();
  if (base.empty()) return base;
  while (!base.empty() && base.back() == '/') base.pop_back();
  return base + "/images/" + image.id;
}

Clock::time_point LocalImageStore::expires(const StoredImage& image) const {
  return image.created + options_.ttl;
}

awaitable<StorageStats> LocalImageStore::stats() {
  const Clock::time_point now = clock_.now();
  StorageStats stats;
  std::lock_guard lock(mu_);
  for (const auto& [id, entry] : index_) {
    if (expired(entry.image, now)) continue;
    ++stats.images;
    ++stats.local;
    stats.disk_bytes += entry.image.size;
  }
  co_return stats;
}

awaitable<Result<std::string>> LocalImageStore::read(const StoredImage& image) {
  std::optional<fs::path> file = local_file(image);
  if (!file) co_return Error::not_found("no image with that id");
  const fs::path path = *file;
  co_return co_await pool_.run([&]() -> Result<std::string> {
    std::error_code ec;
    if (!fs::exists(path, ec)) return Error::not_found("image file " + path.string() + " is gone");
    std::ifstream in(path, std::ios::binary);
    if (!in) return disk_error("cannot open", path, errno);
    std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (in.bad()) return Error::make("disk", "cannot read " + path.string());
    return bytes;
  });
}

awaitable<std::size_t> LocalImageStore::cleanup_expired() {
  const Clock::time_point now = clock_.now();
  std::map<std::string, Clock::time_point> created;
  {
    std::lock_guard lock(mu_);
    for (auto it = index_.begin(); it != index_.end();) {
      created[it->second.path.filename().string()] = it->second.image.created;
      it = expired(it->second.image, now) ? index_.erase(it) : std::next(it);
    }
  }
  const auto deleted =
      co_await pool_.run([&] { return delete_expired(options_.dir, created, now, options_.ttl); });
  if (!deleted.empty())
    logger()->info("{}", storage_log_text("log.storage.expired", fmt::arg("count", deleted.size()),
                                          fmt::arg("dir", options_.dir.string())));
  co_return deleted.size();
}

awaitable<std::size_t> LocalImageStore::restore() {
  const Clock::time_point now = clock_.now();
  auto found = co_await pool_.run([&] { return restore_blocking(options_.dir, now, options_.ttl); });
  std::size_t added = 0;
  {
    std::lock_guard lock(mu_);
    std::set<fs::path> indexed;
    for (const auto& [id, entry] : index_) indexed.insert(entry.path);
    for (auto& [image, path] : found) {
      if (indexed.contains(path)) continue;
      std::string id = image.id;
      added += index_.emplace(std::move(id), Entry{std::move(image), std::move(path)}).second;
    }
  }
  if (added > 0) logger()->info("{}", storage_log_text("log.storage.listed_again", fmt::arg("count", added)));
  co_return added;
}

void LocalImageStore::start() {
  if (started_ || stopped_) return;
  started_ = true;
  boost::asio::co_spawn(executor_, sweep_loop(), boost::asio::detached);
}

void LocalImageStore::stop() {
  stopped_ = true;
  sweep_timer_.cancel();
}

awaitable<void> LocalImageStore::sweep_loop() {
  try {
    co_await restore();
  } catch (const std::exception& e) {
    logger()->error("{}", storage_log_text("log.storage.listing_failed", fmt::arg("reason", e.what())));
  }
  while (!stopped_) {
    sweep_timer_.expires_after(options_.sweep_interval);
    boost::system::error_code ec;
    co_await sweep_timer_.async_wait(boost::asio::redirect_error(boost::asio::use_awaitable, ec));
    if (stopped_) break;
    try {
      co_await cleanup_expired();
    } catch (const std::exception& e) {
      logger()->error("{}", storage_log_text("log.storage.cleanup_failed", fmt::arg("reason", e.what())));
    }
  }
}

}  // namespace picbot::image
