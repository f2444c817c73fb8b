// LocalImageStore: the ImageStore on this machine's disk, content-addressed,
// with a metadata catalog in SQLite.
//
// Layout: the bytes live once per content, at <dir>/<sha256[0:2]>/<sha256>.<ext>,
// written atomically (temp file in the same directory, then rename); two
// ids with identical bytes share one file, which is deleted only when no
// unexpired id refers to it. The catalog (<catalog>, `images` table) maps
// each id to its sha256, extension, MIME type, size, created time, meta, and
// whether a local and a remote copy exist; an in-memory index mirrors it, so
// find(), recent() and stats() never touch the disk.
//
// Retention: a local copy is kept `ttl` from when it was written; the sweep
// (every sweep_interval, and cleanup_expired()) deletes expired copies, ids
// with no copy left, remote-only ids older than metadata_retention (and
// their bucket objects when delete_remote_on_expiry), and over
// max_cache_bytes (checked after each save too) the oldest local files
// may_evict() allows, down to 90 %.
//
// Upgrade: restore() imports the previous layout (gemini_image_*.<ext> with a
// <image>.json sidecar, in <dir>) into the catalog, keeping ids and meta.
//
// Threading: every disk and catalog job runs on the WorkerPool, one at a time
// (a Serial), never on the event loop; find(), recent(), url(), expires() and
// local_file() may be called from any thread. REQUIRES: pool and clock
// outlive the store, and the store outlives the executor's run loop.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "bot/core/clock.h"
#include "bot/core/result.h"
#include "bot/core/worker_pool.h"
#include "image/storage/image_store.h"
#include "image/storage/object_bucket.h"

namespace picbot::store {
class Database;
}

namespace picbot::image {

// True for the image names of the layout before content addressing (what
// restore() imports): gemini_image_\d{8}_\d{6}_[0-9a-f]{8}\.(png|jpg|webp).
bool is_legacy_file_name(std::string_view name);

// What a sweep did.
struct SweepReport {
  std::size_t expired = 0;          // local copies deleted for their age
  std::size_t evicted = 0;          // local files deleted for the cap
  std::size_t forgotten = 0;        // ids removed from the catalog
  std::size_t kept_for_upload = 0;  // files over the cap may_evict() refused
};

class LocalImageStore final : public ImageStore {
 public:
  struct Options {
    std::filesystem::path dir{};
    std::chrono::minutes ttl{15};
    std::chrono::seconds sweep_interval{60};
    // The host's public base URL ("https://bot.example.com", no trailing
    // '/'), "" when unknown; url() builds <base>/images/<id> from it. May be empty.
    std::function<std::string()> public_base_url{};
    // The catalog's file; empty: <dir>/../images.sqlite3.
    std::filesystem::path catalog{};
    std::uint64_t max_cache_bytes = 0;  // 0: no cap
    std::chrono::hours metadata_retention{24 * 365};
    bool delete_remote_on_expiry = false;
    // The bucket remote copies live in; null for storage.backend: local.
    ObjectBucket* remote = nullptr;
    std::string key_prefix{};            // of the bucket's keys (object_key.h)
    std::chrono::seconds presign{3600};  // of presigned URLs
    // Whether the local file of this content may be deleted for the cap (its
    // upload is done). Called on a worker thread; empty: always true.
    std::function<bool(std::string_view sha256)> may_evict{};
    // Awaited on the executor after each save, before save() returns (the
    // upload queue's row is on disk by then). May be empty.
    std::function<boost::asio::awaitable<void>(const StoredImage&)> on_saved{};
  };

  LocalImageStore(boost::asio::any_io_executor executor, WorkerPool& pool, const Clock& clock,
                  Options options);
  ~LocalImageStore() override;
  LocalImageStore(const LocalImageStore&) = delete;
  LocalImageStore& operator=(const LocalImageStore&) = delete;

  // Hashes the bytes, writes them unless identical bytes are already on
  // disk, and catalogs a new id (see ImageStore::save). Errors also
  // "catalog" when the SQLite file cannot be opened or written.
  boost::asio::awaitable<Result<StoredImage>> save(std::string_view bytes, std::string_view extension,
                                                   ImageMeta meta) override;
  std::optional<StoredImage> find(std::string_view id) const override;
  std::vector<StoredImage> recent(std::size_t n) const override;
  boost::asio::awaitable<Status> remove(std::string_view id) override;
  boost::asio::awaitable<Result<std::string>> read(const StoredImage& image) override;
  std::string url(const StoredImage& image) const override;
  Clock::time_point expires(const StoredImage& image) const override;
  std::chrono::minutes local_ttl() const override { return options_.ttl; }
  std::optional<std::filesystem::path> local_file(const StoredImage& image) const override;
  boost::asio::awaitable<StorageStats> stats() override;

  // The bytes of the local copy with this content hash (the upload queue's
  // source); Error::not_found when no id of them has a local copy left.
  boost::asio::awaitable<Result<std::string>> read_content(std::string sha256);

  // Records that the bytes with this hash are in the bucket: every id of
  // them becomes remote (the upload queue calls it once an upload is done).
  boost::asio::awaitable<Status> mark_remote(std::string sha256);

  // One sweep now (see the header comment). Returns what it did.
  boost::asio::awaitable<SweepReport> sweep();
  // The number of local copies a sweep deleted for their age (the console's
  // "clean expired now"; the old interface's name).
  boost::asio::awaitable<std::size_t> cleanup_expired();
  // Deletes every local file may_evict() allows (the console's "clear the
  // local cache"): ids stay known when remote. Returns how many files went.
  boost::asio::awaitable<std::size_t> clear_local_cache();

  // Loads the catalog into the index, imports the previous layout, drops
  // the temp files of interrupted writes, and marks ids whose file is gone.
  // Returns how many ids it indexed.
  boost::asio::awaitable<std::size_t> restore();

  // Runs restore(), then sweep() every sweep_interval. Idempotent; does
  // nothing after stop().
  void start();
  // Stops the sweep for good. Idempotent.
  void stop();

  const Options& options() const { return options_; }

 private:
  struct Entry {
    StoredImage image;
    Clock::time_point local_since;  // when the local copy was written
  };
  struct Catalog;  // the Database and its blocking jobs (local_image_store.cpp)

  boost::asio::awaitable<void> sweep_loop();
  boost::asio::awaitable<SweepReport> run_sweep(bool clear_cache);
  boost::asio::awaitable<void> sweep_detached();
  // Bytes of the distinct local files. REQUIRES: mu_ held.
  std::uint64_t local_bytes_locked(Clock::time_point now) const;
  bool local_alive(const Entry& entry, Clock::time_point now) const;
  std::filesystem::path file_path(const StoredImage& image) const;

  boost::asio::any_io_executor executor_;
  WorkerPool& pool_;
  WorkerPool::Serial serial_;  // every disk and catalog job
  const Clock& clock_;
  const Options options_;
  std::unique_ptr<Catalog> catalog_;  // used only inside serial_ jobs
  boost::asio::steady_timer sweep_timer_;
  bool started_ = false;
  bool stopped_ = false;

  mutable std::mutex mu_;
  std::map<std::string, Entry, std::less<>> index_;  // by id; guarded by mu_
};

}  // namespace picbot::image
