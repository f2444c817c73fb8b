#include "image/storage/local_image_store.h"

#include <fcntl.h>
#include <openssl/evp.h>
#include <sys/random.h>
#include <unistd.h>

#include <algorithm>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>
#include <system_error>
#include <unordered_map>

#include "bot/core/json_limits.h"
#include "bot/core/logging.h"
#include "bot/core/millis.h"
#include "bot/store/database.h"
#include "image/format.h"
#include "image/storage/object_key.h"
#include "image/storage/storage_messages.h"

namespace picbot::image {
namespace {

namespace fs = std::filesystem;
using boost::asio::awaitable;
using nlohmann::json;
using store::Database;
using store::Statement;

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

// Writes bytes to a temp file next to target, then renames it over target, so
// readers see either nothing or the whole image. Blocking; callers run one
// at a time (the store's Serial), so the temp name is theirs. No fsync: the
// file is a cache of an image already on its way to the chat, and a 2 MB
// fsync would add milliseconds to every delivery; after a power cut restore()
// finds a missing or short file and the sweep removes whatever is left.
Status write_atomically(const fs::path& target, std::string_view bytes) {
  const fs::path temp = target.parent_path() / ("." + target.filename().string() + ".tmp");
  const int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0644);
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

// Age of a file the catalog does not know, by its modification time.
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

char hex_digit(unsigned value) { return "0123456789abcdef"[value & 0x0F]; }

std::string to_hex(const unsigned char* bytes, std::size_t size) {
  std::string hex;
  hex.reserve(size * 2);
  for (std::size_t i = 0; i < size; ++i) {
    hex.push_back(hex_digit(bytes[i] >> 4));
    hex.push_back(hex_digit(bytes[i]));
  }
  return hex;
}

// Deletes a content file, then its shard folder if that left it empty (rmdir
// refuses a folder that is not). Blocking; run in the store's Serial, so no
// save is writing into the folder meanwhile.
bool remove_content_file(const fs::path& file, std::string_view what_key) {
  if (!remove_quietly(file, what_key)) return false;
  ::rmdir(file.parent_path().c_str());
  return true;
}

bool is_sha256(std::string_view text) {
  return text.size() == 64 && text.find_first_not_of("0123456789abcdef") == std::string_view::npos;
}

// "<sha256>.<png|jpg|webp>": a file of the content-addressed layout.
bool is_content_file_name(std::string_view name) {
  const auto dot = name.find('.');
  return dot == 64 && is_sha256(name.substr(0, 64)) && format_for_extension(name.substr(65)) &&
         name.substr(65) != "jpeg";
}

fs::path content_path(const fs::path& dir, std::string_view sha256, std::string_view extension) {
  return dir / std::string(sha256.substr(0, 2)) / (std::string(sha256) + "." + std::string(extension));
}

std::int64_t ms(Clock::time_point t) { return to_epoch_ms(t); }
Clock::time_point from_ms(std::int64_t value) { return Clock::time_point(std::chrono::milliseconds(value)); }

const std::vector<store::Migration>& migrations() {
  static const std::vector<store::Migration> steps = {
      {1, R"(CREATE TABLE images (
               id TEXT PRIMARY KEY,
               sha256 TEXT NOT NULL,
               extension TEXT NOT NULL,
               mime TEXT NOT NULL,
               size INTEGER NOT NULL,
               created_ms INTEGER NOT NULL,
               local_since_ms INTEGER NOT NULL,
               prompt TEXT NOT NULL DEFAULT '',
               user_id INTEGER NOT NULL DEFAULT 0,
               group_id INTEGER NOT NULL DEFAULT 0,
               model TEXT NOT NULL DEFAULT '',
               source TEXT NOT NULL DEFAULT '',
               local INTEGER NOT NULL DEFAULT 1,
               remote INTEGER NOT NULL DEFAULT 0);
             CREATE INDEX images_by_sha256 ON images(sha256);
             CREATE INDEX images_by_created ON images(created_ms);)"},
  };
  return steps;
}

constexpr std::string_view kColumns =
    "id, sha256, extension, mime, size, created_ms, local_since_ms, prompt, user_id, group_id, model, "
    "source, "
    "local, remote";

struct Row {
  StoredImage image;
  Clock::time_point local_since;
};

Row read_row(const Statement& s) {
  Row row;
  StoredImage& image = row.image;
  image.id = std::string(s.column_text(0));
  image.sha256 = std::string(s.column_text(1));
  image.extension = std::string(s.column_text(2));
  image.mime = std::string(s.column_text(3));
  image.size = static_cast<std::size_t>(s.column_int64(4));
  image.created = from_ms(s.column_int64(5));
  row.local_since = from_ms(s.column_int64(6));
  image.meta.prompt = std::string(s.column_text(7));
  image.meta.user_id = s.column_int64(8);
  image.meta.group_id = s.column_int64(9);
  image.meta.model = std::string(s.column_text(10));
  image.meta.source = std::string(s.column_text(11));
  image.local = s.column_int64(12) != 0;
  image.remote = s.column_int64(13) != 0;
  return row;
}

Status insert_row(Database& db, const Row& row) {
  const StoredImage& image = row.image;
  Statement& insert = db.prepare(
      "INSERT INTO images (id, sha256, extension, mime, size, created_ms, local_since_ms, prompt, user_id, "
      "group_id, model, source, local, remote) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, "
      "?13, "
      "?14)");
  return insert.bind_text(1, image.id)
      .bind_text(2, image.sha256)
      .bind_text(3, image.extension)
      .bind_text(4, image.mime)
      .bind_int64(5, static_cast<std::int64_t>(image.size))
      .bind_int64(6, ms(image.created))
      .bind_int64(7, ms(row.local_since))
      .bind_text(8, image.meta.prompt)
      .bind_int64(9, image.meta.user_id)
      .bind_int64(10, image.meta.group_id)
      .bind_text(11, image.meta.model)
      .bind_text(12, image.meta.source)
      .bind_int64(13, image.local ? 1 : 0)
      .bind_int64(14, image.remote ? 1 : 0)
      .run();
}

// Whether any id with this content is in the bucket.
Result<bool> content_is_remote(Database& db, std::string_view sha256) {
  Statement& select = db.prepare("SELECT 1 FROM images WHERE sha256 = ?1 AND remote = 1 LIMIT 1");
  select.bind_text(1, sha256);
  auto step = select.step();
  if (!step) return step.error();
  const bool found = *step == Statement::Step::kRow;
  select.reset();
  return found;
}

// Whether any id still keeps a local copy of this content.
Result<bool> content_is_local(Database& db, std::string_view sha256) {
  Statement& select = db.prepare("SELECT 1 FROM images WHERE sha256 = ?1 AND local = 1 LIMIT 1");
  select.bind_text(1, sha256);
  auto step = select.step();
  if (!step) return step.error();
  const bool found = *step == Statement::Step::kRow;
  select.reset();
  return found;
}

// Every row the query selects (its columns must be kColumns).
Result<std::vector<Row>> select_rows(Database& db, const std::string& where,
                                     const std::function<void(Statement&)>& bind = nullptr) {
  Statement& select = db.prepare("SELECT " + std::string(kColumns) + " FROM images " + where);
  if (bind) bind(select);
  std::vector<Row> rows;
  for (;;) {
    auto step = select.step();
    if (!step) return step.error();
    if (*step == Statement::Step::kDone) break;
    rows.push_back(read_row(select));
  }
  return rows;
}

Result<std::string> read_file(const fs::path& path) {
  std::error_code ec;
  if (!fs::is_regular_file(fs::symlink_status(path, ec)))
    return Error::not_found("image file " + path.string() + " is gone");
  std::ifstream in(path, std::ios::binary);
  if (!in) return disk_error("cannot open", path, errno);
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) return Error::make("disk", "cannot read " + path.string());
  return bytes;
}

// Writes bytes at their content path unless a file is already there.
// Returns whether it wrote one. Blocking.
Result<bool> store_content(const fs::path& dir, std::string_view sha256, std::string_view extension,
                           std::string_view bytes) {
  const fs::path path = content_path(dir, sha256, extension);
  std::error_code ec;
  fs::create_directories(path.parent_path(), ec);
  if (ec)
    return Error::make("disk",
                       "cannot create directory " + path.parent_path().string() + ": " + ec.message());
  const auto status = fs::symlink_status(path, ec);
  if (fs::is_regular_file(status) && fs::file_size(path, ec) == bytes.size()) return false;
  if (Status written = write_atomically(path, bytes); !written) return written.error();
  return true;
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

std::string sha256_hex(std::string_view bytes) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_Digest(bytes.data(), bytes.size(), digest, &length, EVP_sha256(), nullptr);
  return to_hex(digest, length);
}

bool is_legacy_file_name(std::string_view name) {
  static const std::regex pattern(R"(gemini_image_\d{8}_\d{6}_[0-9a-f]{8}\.(png|jpg|webp))");
  return std::regex_match(name.begin(), name.end(), pattern);
}

// The catalog connection, opened on first use inside a Serial job.
struct LocalImageStore::Catalog {
  fs::path file;
  std::unique_ptr<Database> db;

  Result<Database*> get() {
    if (db) return db.get();
    std::error_code ec;
    fs::create_directories(file.parent_path(), ec);
    auto opened = Database::open(file);
    if (!opened)
      return Error::make("catalog", "cannot open " + file.string() + ": " + opened.error().message);
    if (Status migrated = (*opened)->migrate(migrations()); !migrated)
      return Error::make("catalog", "cannot migrate " + file.string() + ": " + migrated.error().message);
    db = std::move(*opened);
    return db.get();
  }
};

LocalImageStore::LocalImageStore(boost::asio::any_io_executor executor, WorkerPool& pool, const Clock& clock,
                                 Options options)
    : executor_(executor),
      pool_(pool),
      serial_(pool.make_serial()),
      clock_(clock),
      options_(std::move(options)),
      catalog_(std::make_unique<Catalog>()),
      sweep_timer_(executor) {
  catalog_->file =
      options_.catalog.empty() ? options_.dir.parent_path() / "images.sqlite3" : options_.catalog;
}

LocalImageStore::~LocalImageStore() = default;

bool LocalImageStore::local_alive(const Entry& entry, Clock::time_point now) const {
  return entry.image.local && now - entry.local_since < options_.ttl;
}

fs::path LocalImageStore::file_path(const StoredImage& image) const {
  std::error_code ec;
  fs::path path = content_path(options_.dir, image.sha256, image.extension);
  fs::path absolute = fs::absolute(path, ec);
  return ec ? path : absolute;
}

awaitable<Result<StoredImage>> LocalImageStore::save(std::string_view bytes, std::string_view extension,
                                                     ImageMeta meta) {
  const auto format = format_for_extension(extension);
  if (!format) {
    co_return Error::make("bad_extension", "unsupported image extension \"" + std::string(extension) + "\"");
  }
  Row row;
  StoredImage& image = row.image;
  image.id = random_hex(16);
  image.extension = std::string(image_extension(*format));
  image.mime = std::string(image_mime(*format));
  image.size = bytes.size();
  image.created = clock_.now();
  image.meta = std::move(meta);
  row.local_since = image.created;
  auto saved = co_await pool_.run(serial_, [&]() -> Status {
    image.sha256 = sha256_hex(bytes);
    auto db = catalog_->get();
    if (!db) return db.error();
    auto remote = content_is_remote(**db, image.sha256);
    if (!remote) return Error::make("catalog", remote.error().message);
    image.remote = *remote;
    auto wrote = store_content(options_.dir, image.sha256, image.extension, bytes);
    if (!wrote) return wrote.error();
    if (Status inserted = insert_row(**db, row); !inserted) {
      auto shared = content_is_local(**db, image.sha256);
      if (*wrote && shared && !*shared) {
        std::error_code ignored;
        fs::remove(content_path(options_.dir, image.sha256, image.extension), ignored);
      }
      return Error::make("catalog", inserted.error().message);
    }
    return {};
  });
  if (!saved) {
    logger()->error(
        "{}", storage_log_text("log.storage.save_failed", fmt::arg("reason", saved.error().to_string())));
    co_return saved.error();
  }
  logger()->info(
      "{}", storage_log_text(
                "log.storage.saved", fmt::arg("id", image.id), fmt::arg("bytes", image.size),
                fmt::arg("path", image.sha256.substr(0, 2) + "/" + image.sha256 + "." + image.extension)));
  StoredImage result = image;
  bool over_cap = false;
  {
    std::lock_guard lock(mu_);
    index_[result.id] = Entry{std::move(row.image), row.local_since};
    over_cap = options_.max_cache_bytes > 0 && local_bytes_locked(clock_.now()) > options_.max_cache_bytes;
  }
  if (options_.on_saved) co_await options_.on_saved(result);
  // Over the cap: a sweep now, not at the next tick (it queues behind this
  // save's job and never delays the caller).
  if (over_cap && !stopped_) boost::asio::co_spawn(executor_, sweep_detached(), boost::asio::detached);
  co_return result;
}

std::optional<StoredImage> LocalImageStore::find(std::string_view id) const {
  const Clock::time_point now = clock_.now();
  std::lock_guard lock(mu_);
  auto it = index_.find(id);
  if (it == index_.end()) return std::nullopt;
  const bool local = local_alive(it->second, now);
  if (!local && !it->second.image.remote) return std::nullopt;
  StoredImage image = it->second.image;
  image.local = local;
  return image;
}

std::vector<StoredImage> LocalImageStore::recent(std::size_t n) const {
  const Clock::time_point now = clock_.now();
  std::vector<StoredImage> images;
  {
    std::lock_guard lock(mu_);
    for (const auto& [id, entry] : index_) {
      const bool local = local_alive(entry, now);
      if (!local && !entry.image.remote) continue;
      images.push_back(entry.image);
      images.back().local = local;
    }
  }
  const std::size_t keep = std::min(n, images.size());
  std::partial_sort(images.begin(), images.begin() + static_cast<std::ptrdiff_t>(keep), images.end(),
                    [](const StoredImage& a, const StoredImage& b) {
                      if (a.created != b.created) return a.created > b.created;
                      return a.id > b.id;
                    });
  images.resize(keep);
  return images;
}

awaitable<Status> LocalImageStore::remove(std::string_view id) {
  StoredImage image;
  {
    std::lock_guard lock(mu_);
    auto it = index_.find(id);
    if (it == index_.end()) co_return Error::not_found("no image with that id");
    image = it->second.image;
    index_.erase(it);
  }
  // The row first: a file without a row is an orphan the sweep removes; a
  // row without its file would be listed and fail to load.
  Status removed = co_await pool_.run(serial_, [&]() -> Status {
    auto db = catalog_->get();
    if (!db) return db.error();
    if (Status s = (*db)->prepare("DELETE FROM images WHERE id = ?1").bind_text(1, image.id).run(); !s)
      return Error::make("catalog", s.error().message);
    auto shared = content_is_local(**db, image.sha256);
    if (!shared) return Error::make("catalog", shared.error().message);
    if (*shared) return {};
    const fs::path path = content_path(options_.dir, image.sha256, image.extension);
    std::error_code ec;
    fs::remove(path, ec);
    if (ec) return Error::make("disk", "cannot delete " + path.string() + ": " + ec.message());
    ::rmdir(path.parent_path().c_str());  // the shard folder, if now empty
    return {};
  });
  if (!removed) co_return removed;
  logger()->info("{}", storage_log_text("log.storage.deleted", fmt::arg("name", image.id)));
  co_return Status{};
}

std::optional<fs::path> LocalImageStore::local_file(const StoredImage& image) const {
  const Clock::time_point now = clock_.now();
  std::lock_guard lock(mu_);
  auto it = index_.find(image.id);
  if (it == index_.end() || !local_alive(it->second, now)) return std::nullopt;
  return file_path(it->second.image);
}

std::string LocalImageStore::url(const StoredImage& image) const {
  // The image as the store knows it now: an upload may have finished since
  // the caller's copy was made.
  bool remote = image.remote;
  {
    std::lock_guard lock(mu_);
    if (auto it = index_.find(image.id); it != index_.end()) remote = remote || it->second.image.remote;
  }
  if (options_.remote && remote)
    return options_.remote->object_url(object_key(options_.key_prefix, image.sha256, image.extension),
                                       options_.presign);
  std::string base = options_.public_base_url ? options_.public_base_url() : std::string();
  if (base.empty()) return base;
  while (!base.empty() && base.back() == '/') base.pop_back();
  return base + "/images/" + image.id;
}

Clock::time_point LocalImageStore::expires(const StoredImage& image) const {
  std::lock_guard lock(mu_);
  auto it = index_.find(image.id);
  const Clock::time_point since = it == index_.end() ? image.created : it->second.local_since;
  return since + options_.ttl;
}

std::uint64_t LocalImageStore::local_bytes_locked(Clock::time_point now) const {
  std::unordered_map<std::string_view, std::size_t> files;  // sha256 -> size: a shared file counts once
  for (const auto& [id, entry] : index_) {
    if (local_alive(entry, now)) files.emplace(entry.image.sha256, entry.image.size);
  }
  std::uint64_t bytes = 0;
  for (const auto& [sha256, size] : files) bytes += size;
  return bytes;
}

awaitable<StorageStats> LocalImageStore::stats() {
  const Clock::time_point now = clock_.now();
  StorageStats stats;
  stats.cap_bytes = options_.max_cache_bytes;
  std::lock_guard lock(mu_);
  for (const auto& [id, entry] : index_) {
    const bool local = local_alive(entry, now);
    if (!local && !entry.image.remote) continue;
    ++stats.images;
    stats.local += local;
    stats.remote += entry.image.remote;
  }
  stats.disk_bytes = local_bytes_locked(now);
  co_return stats;
}

awaitable<Result<std::string>> LocalImageStore::read(const StoredImage& image) {
  if (std::optional<fs::path> file = local_file(image)) {
    const fs::path path = *file;
    Result<std::string> bytes = co_await pool_.run([&] { return read_file(path); });
    if (bytes || !bytes.error().is_not_found() || !image.remote || !options_.remote) co_return bytes;
  } else if (!image.remote || !options_.remote) {
    co_return Error::not_found("image " + image.id + " has no local copy left");
  }
  // The local copy expired: stream it back from the bucket and cache it again.
  auto fetched =
      co_await options_.remote->get(object_key(options_.key_prefix, image.sha256, image.extension));
  if (!fetched) co_return fetched.error();
  const std::string& bytes = *fetched;
  const Clock::time_point now = clock_.now();
  Status cached = co_await pool_.run(serial_, [&]() -> Status {
    auto db = catalog_->get();
    if (!db) return db.error();
    auto wrote = store_content(options_.dir, image.sha256, image.extension, bytes);
    if (!wrote) return wrote.error();
    return (*db)
        ->prepare("UPDATE images SET local = 1, local_since_ms = ?2 WHERE sha256 = ?1")
        .bind_text(1, image.sha256)
        .bind_int64(2, ms(now))
        .run();
  });
  if (cached) {
    std::lock_guard lock(mu_);
    for (auto& [id, entry] : index_) {
      if (entry.image.sha256 != image.sha256) continue;
      entry.image.local = true;
      entry.local_since = now;
    }
  } else {
    logger()->warn("{}", storage_log_text("log.storage.recache_failed", fmt::arg("id", image.id),
                                          fmt::arg("reason", cached.error().to_string())));
  }
  co_return std::move(*fetched);
}

awaitable<Result<std::string>> LocalImageStore::read_content(std::string sha256) {
  std::optional<fs::path> path;
  {
    const Clock::time_point now = clock_.now();
    std::lock_guard lock(mu_);
    for (const auto& [id, entry] : index_) {
      if (entry.image.sha256 != sha256 || !local_alive(entry, now)) continue;
      path = file_path(entry.image);
      break;
    }
  }
  if (!path) co_return Error::not_found("no local copy of " + sha256);
  // A named frame variable, not a lambda capture inside `co_return co_await`
  // (GCC 12 destroys that temporary twice).
  const fs::path file = *path;
  Result<std::string> bytes = co_await pool_.run([&file] { return read_file(file); });
  co_return bytes;
}

awaitable<Status> LocalImageStore::mark_remote(std::string sha256) {
  Status marked = co_await pool_.run(serial_, [&]() -> Status {
    auto db = catalog_->get();
    if (!db) return db.error();
    return (*db)->prepare("UPDATE images SET remote = 1 WHERE sha256 = ?1").bind_text(1, sha256).run();
  });
  if (!marked) co_return marked;
  std::lock_guard lock(mu_);
  for (auto& [id, entry] : index_) {
    if (entry.image.sha256 == sha256) entry.image.remote = true;
  }
  co_return Status{};
}

namespace {

// What one sweep job decided, to mirror into the index.
struct SweepOutcome {
  SweepReport report;
  std::vector<std::string> no_longer_local;  // ids
  std::vector<std::string> forgotten;        // ids
  std::vector<std::string> remote_keys;      // bucket objects to delete
  Status status;
};

struct SweepPolicy {
  fs::path dir;
  Clock::time_point now;
  std::chrono::minutes ttl;
  std::chrono::hours retention;
  std::uint64_t cap = 0;
  bool clear_cache = false;
  bool delete_remote = false;
  std::string key_prefix;
  const std::function<bool(std::string_view)>* may_evict = nullptr;
};

Status mark_not_local(Database& db, std::string_view sha256, std::vector<std::string>& ids) {
  Statement& select = db.prepare("SELECT id FROM images WHERE sha256 = ?1 AND local = 1");
  select.bind_text(1, sha256);
  for (;;) {
    auto step = select.step();
    if (!step) return step.error();
    if (*step == Statement::Step::kDone) break;
    ids.emplace_back(select.column_text(0));
  }
  return db.prepare("UPDATE images SET local = 0 WHERE sha256 = ?1").bind_text(1, sha256).run();
}

// The catalog part of a sweep, in one transaction. Returns the files whose
// last local reference it dropped.
Result<std::vector<fs::path>> sweep_catalog(Database& db, const SweepPolicy& policy, SweepOutcome& out) {
  std::vector<fs::path> released;
  const std::int64_t cutoff = ms(policy.now - policy.ttl);
  // 1. Local copies past the TTL.
  auto expired = select_rows(db, "WHERE local = 1 AND local_since_ms <= ?1",
                             [&](Statement& s) { s.bind_int64(1, cutoff); });
  if (!expired) return expired.error();
  for (const Row& row : *expired) out.no_longer_local.push_back(row.image.id);
  if (Status s = db.prepare("UPDATE images SET local = 0 WHERE local = 1 AND local_since_ms <= ?1")
                     .bind_int64(1, cutoff)
                     .run();
      !s)
    return s.error();
  std::set<std::pair<std::string, std::string>> expired_files;
  for (const Row& row : *expired) expired_files.emplace(row.image.sha256, row.image.extension);
  for (const auto& [sha256, extension] : expired_files) {
    auto still = content_is_local(db, sha256);
    if (!still) return still.error();
    if (*still) continue;
    released.push_back(content_path(policy.dir, sha256, extension));
    ++out.report.expired;
  }
  // 2. The cap (or the whole cache): the files least recently written first.
  if (policy.clear_cache || policy.cap > 0) {
    Statement& files = db.prepare(
        "SELECT sha256, extension, MAX(size), MAX(local_since_ms) AS newest, MIN(remote) FROM images "
        "WHERE local = 1 GROUP BY sha256, extension ORDER BY newest ASC");
    struct File {
      std::string sha256, extension;
      std::uint64_t size;
      bool remote;
    };
    std::vector<File> on_disk;
    std::uint64_t total = 0;
    for (;;) {
      auto step = files.step();
      if (!step) return step.error();
      if (*step == Statement::Step::kDone) break;
      on_disk.push_back(File{std::string(files.column_text(0)), std::string(files.column_text(1)),
                             static_cast<std::uint64_t>(files.column_int64(2)), files.column_int64(4) != 0});
      total += on_disk.back().size;
    }
    const std::uint64_t target = policy.clear_cache ? 0 : (total > policy.cap ? policy.cap / 10 * 9 : total);
    for (const File& file : on_disk) {
      if (total <= target) break;
      if (policy.clear_cache && !file.remote) continue;  // "uploaded images only"
      const bool allowed = !*policy.may_evict || (*policy.may_evict)(file.sha256);
      if (!allowed) {
        ++out.report.kept_for_upload;
        continue;
      }
      if (Status s = mark_not_local(db, file.sha256, out.no_longer_local); !s) return s.error();
      released.push_back(content_path(policy.dir, file.sha256, file.extension));
      total -= file.size;
      ++out.report.evicted;
    }
  }
  // 3. Ids with no copy left, and remote-only ids past the metadata retention.
  const std::int64_t retention_cutoff = ms(policy.now - policy.retention);
  auto gone = select_rows(db, "WHERE local = 0 AND (remote = 0 OR created_ms <= ?1)",
                          [&](Statement& s) { s.bind_int64(1, retention_cutoff); });
  if (!gone) return gone.error();
  for (const Row& row : *gone) out.forgotten.push_back(row.image.id);
  if (Status s = db.prepare("DELETE FROM images WHERE local = 0 AND (remote = 0 OR created_ms <= ?1)")
                     .bind_int64(1, retention_cutoff)
                     .run();
      !s)
    return s.error();
  out.report.forgotten = gone->size();
  if (policy.delete_remote) {
    std::set<std::pair<std::string, std::string>> objects;
    for (const Row& row : *gone) {
      if (row.image.remote) objects.emplace(row.image.sha256, row.image.extension);
    }
    for (const auto& [sha256, extension] : objects) {
      Statement& other = db.prepare("SELECT 1 FROM images WHERE sha256 = ?1 LIMIT 1");
      other.bind_text(1, sha256);
      auto step = other.step();
      if (!step) return step.error();
      const bool still_used = *step == Statement::Step::kRow;
      other.reset();
      if (!still_used) out.remote_keys.push_back(object_key(policy.key_prefix, sha256, extension));
    }
  }
  return released;
}

// Files of the layout no local row refers to and older than the TTL: left by
// a crash between writing a file and cataloguing it. Blocking.
void delete_orphans(Database& db, const SweepPolicy& policy) {
  std::error_code ec;
  for (fs::directory_iterator shard(policy.dir, ec); !ec && shard != fs::directory_iterator();
       shard.increment(ec)) {
    std::error_code status_error;
    const std::string shard_name = shard->path().filename().string();
    if (shard_name.size() != 2 || !fs::is_directory(shard->symlink_status(status_error))) continue;
    for_each_regular_file(shard->path(), [&](const fs::directory_entry& entry, const std::string& name) {
      if (!is_content_file_name(name) || name.substr(0, 2) != shard_name) return;
      const auto born = modification_time(entry);
      if (!born || policy.now - *born < policy.ttl) return;
      auto referred = content_is_local(db, name.substr(0, 64));
      if (referred && !*referred) remove_content_file(entry.path(), "log.storage.expired_image");
    });
  }
}

}  // namespace

awaitable<SweepReport> LocalImageStore::run_sweep(bool clear_cache) {
  SweepPolicy policy{.dir = options_.dir,
                     .now = clock_.now(),
                     .ttl = options_.ttl,
                     .retention = options_.metadata_retention,
                     .cap = options_.max_cache_bytes,
                     .clear_cache = clear_cache,
                     .delete_remote = options_.delete_remote_on_expiry && options_.remote != nullptr,
                     .key_prefix = options_.key_prefix,
                     .may_evict = &options_.may_evict};
  SweepOutcome out = co_await pool_.run(serial_, [&] {
    SweepOutcome outcome;
    auto db = catalog_->get();
    if (!db) {
      outcome.status = db.error();
      return outcome;
    }
    auto released = (*db)->transaction([&]() -> Result<std::vector<fs::path>> {
      outcome = SweepOutcome{};  // a retried transaction starts again
      return sweep_catalog(**db, policy, outcome);
    });
    if (!released) {
      outcome = SweepOutcome{};
      outcome.status = released.error();
      return outcome;
    }
    for (const fs::path& file : *released) remove_content_file(file, "log.storage.expired_image");
    delete_orphans(**db, policy);
    return outcome;
  });
  if (!out.status) {
    logger()->error("{}", storage_log_text("log.storage.cleanup_failed",
                                           fmt::arg("reason", out.status.error().to_string())));
    co_return SweepReport{};
  }
  {
    std::lock_guard lock(mu_);
    for (const std::string& id : out.no_longer_local) {
      if (auto it = index_.find(id); it != index_.end()) it->second.image.local = false;
    }
    for (const std::string& id : out.forgotten) index_.erase(id);
  }
  for (const std::string& key : out.remote_keys) {
    Status removed = co_await options_.remote->remove(key);
    if (!removed)
      logger()->warn("{}", storage_log_text("log.storage.remote_delete_failed", fmt::arg("key", key),
                                            fmt::arg("reason", removed.error().to_string())));
  }
  const SweepReport& r = out.report;
  if (r.expired + r.evicted + r.forgotten > 0)
    logger()->info("{}",
                   storage_log_text("log.storage.swept", fmt::arg("expired", r.expired),
                                    fmt::arg("evicted", r.evicted), fmt::arg("forgotten", r.forgotten)));
  if (r.kept_for_upload > 0)
    logger()->warn("{}",
                   storage_log_text("log.storage.kept_for_upload", fmt::arg("count", r.kept_for_upload)));
  co_return r;
}

awaitable<SweepReport> LocalImageStore::sweep() { co_return co_await run_sweep(false); }

awaitable<void> LocalImageStore::sweep_detached() {
  try {
    co_await run_sweep(false);
  } catch (const std::exception& e) {
    logger()->error("{}", storage_log_text("log.storage.cleanup_failed", fmt::arg("reason", e.what())));
  }
}

awaitable<std::size_t> LocalImageStore::cleanup_expired() {
  const SweepReport report = co_await run_sweep(false);
  co_return report.expired;
}

awaitable<std::size_t> LocalImageStore::clear_local_cache() {
  const SweepReport report = co_await run_sweep(true);
  co_return report.evicted;
}

namespace {

struct Restored {
  std::vector<Row> rows;
  std::size_t imported = 0;
  Status status;
};

// Moves one image of the previous layout (and its sidecar) into the
// content-addressed layout and the catalog, or deletes it when expired.
void import_legacy(Database& db, const fs::directory_entry& entry, const std::string& name,
                   Clock::time_point now, std::chrono::minutes ttl, const fs::path& dir, Restored& out) {
  const fs::path sidecar = fs::path(entry.path().string() + std::string(kSidecarSuffix));
  Row row;
  StoredImage& image = row.image;
  std::ifstream in(sidecar, std::ios::binary);
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (text.empty() || !read_sidecar(text, image)) {
    logger()->warn("{}", storage_log_text("log.storage.no_sidecar", fmt::arg("name", name)));
    const auto mtime = modification_time(entry);
    if (!mtime) return;
    image.id = random_hex(16);
    image.created = *mtime;
  }
  if (now - image.created >= ttl) {
    if (remove_quietly(entry.path(), "log.storage.expired_image"))
      remove_quietly(sidecar, "log.storage.expired_sidecar");
    return;
  }
  auto bytes = read_file(entry.path());
  if (!bytes) return;
  const auto format = format_for_extension(name.substr(name.rfind('.') + 1));
  image.extension = std::string(image_extension(*format));
  image.mime = std::string(image_mime(*format));
  image.size = bytes->size();
  image.sha256 = sha256_hex(*bytes);
  image.meta.source = "gemini_pic_gen";  // the only writer of that layout
  row.local_since = image.created;
  Statement& known = db.prepare("SELECT 1 FROM images WHERE id = ?1");
  known.bind_text(1, image.id);
  auto step = known.step();
  const bool taken = step && *step == Statement::Step::kRow;
  known.reset();
  if (taken) image.id = random_hex(16);
  const fs::path target = content_path(dir, image.sha256, image.extension);
  std::error_code ec;
  fs::create_directories(target.parent_path(), ec);
  if (fs::is_regular_file(fs::symlink_status(target, ec))) {
    fs::remove(entry.path(), ec);
  } else if (::rename(entry.path().c_str(), target.c_str()) != 0) {
    return;
  }
  if (!insert_row(db, row)) return;
  remove_quietly(sidecar, "log.storage.expired_sidecar");
  ++out.imported;
}

Restored restore_blocking(Database& db, const fs::path& dir, Clock::time_point now,
                          std::chrono::minutes ttl) {
  Restored out;
  // The previous layout, in <dir> itself, and temp files of interrupted writes.
  for_each_regular_file(dir, [&](const fs::directory_entry& entry, const std::string& name) {
    if (name.starts_with('.') && name.ends_with(".tmp")) {
      const std::string inner = name.substr(1, name.size() - 5);
      const bool ours = is_legacy_file_name(inner) ||
                        (inner.ends_with(kSidecarSuffix) &&
                         is_legacy_file_name(inner.substr(0, inner.size() - kSidecarSuffix.size())));
      if (ours && remove_quietly(entry.path(), "log.storage.stale_temp_file"))
        logger()->info("{}", storage_log_text("log.storage.deleted_temp_file", fmt::arg("name", name)));
      return;
    }
    if (is_legacy_file_name(name)) import_legacy(db, entry, name, now, ttl, dir, out);
  });
  // Sidecars left without their image.
  for_each_regular_file(dir, [&](const fs::directory_entry& entry, const std::string& name) {
    if (name.ends_with(kSidecarSuffix) &&
        is_legacy_file_name(name.substr(0, name.size() - kSidecarSuffix.size())))
      remove_quietly(entry.path(), "log.storage.expired_sidecar");
  });
  std::error_code ec;
  for (fs::directory_iterator shard(dir, ec); !ec && shard != fs::directory_iterator(); shard.increment(ec)) {
    std::error_code status_error;
    if (shard->path().filename().string().size() != 2 ||
        !fs::is_directory(shard->symlink_status(status_error)))
      continue;
    for_each_regular_file(shard->path(), [&](const fs::directory_entry& entry, const std::string& name) {
      if (name.starts_with('.') && name.ends_with(".tmp") &&
          is_content_file_name(name.substr(1, name.size() - 5)) &&
          remove_quietly(entry.path(), "log.storage.stale_temp_file"))
        logger()->info("{}", storage_log_text("log.storage.deleted_temp_file", fmt::arg("name", name)));
    });
  }
  // Rows whose local file is gone (deleted by hand, or never flushed).
  auto local = select_rows(db, "WHERE local = 1");
  if (!local) {
    out.status = local.error();
    return out;
  }
  for (const Row& row : *local) {
    std::error_code size_error;
    const fs::path path = content_path(dir, row.image.sha256, row.image.extension);
    if (fs::is_regular_file(fs::symlink_status(path, size_error)) &&
        fs::file_size(path, size_error) == row.image.size)
      continue;
    if (Status s = db.prepare("UPDATE images SET local = 0 WHERE id = ?1").bind_text(1, row.image.id).run();
        !s) {
      out.status = s;
      return out;
    }
  }
  auto rows = select_rows(db, "");
  if (!rows) {
    out.status = rows.error();
    return out;
  }
  out.rows = std::move(*rows);
  return out;
}

}  // namespace

awaitable<std::size_t> LocalImageStore::restore() {
  const Clock::time_point now = clock_.now();
  Restored restored = co_await pool_.run(serial_, [&] {
    auto db = catalog_->get();
    if (!db) {
      Restored failed;
      failed.status = db.error();
      return failed;
    }
    return restore_blocking(**db, options_.dir, now, options_.ttl);
  });
  if (!restored.status) {
    logger()->error("{}", storage_log_text("log.storage.listing_failed",
                                           fmt::arg("reason", restored.status.error().to_string())));
    co_return 0;
  }
  std::size_t added = 0;
  {
    std::lock_guard lock(mu_);
    for (Row& row : restored.rows) {
      std::string id = row.image.id;
      added += index_.emplace(std::move(id), Entry{std::move(row.image), row.local_since}).second;
    }
  }
  if (restored.imported > 0)
    logger()->info("{}", storage_log_text("log.storage.imported", fmt::arg("count", restored.imported)));
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
    if (!stopped_) co_await sweep();
  } catch (const std::exception& e) {
    // A stop during the first listing refuses its worker: not an error.
    if (!stopped_)
      logger()->error("{}", storage_log_text("log.storage.listing_failed", fmt::arg("reason", e.what())));
  }
  while (!stopped_) {
    sweep_timer_.expires_after(options_.sweep_interval);
    boost::system::error_code ec;
    co_await sweep_timer_.async_wait(boost::asio::redirect_error(boost::asio::use_awaitable, ec));
    if (stopped_) break;
    try {
      co_await sweep();
    } catch (const std::exception& e) {
      logger()->error("{}", storage_log_text("log.storage.cleanup_failed", fmt::arg("reason", e.what())));
    }
  }
}

}  // namespace picbot::image
