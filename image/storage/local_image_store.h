// LocalImageStore: the ImageStore on this machine's disk, with an in-memory
// index that gives each image an unguessable id (for the gallery and the
// /images/<id> URL) and deletes them once they are older than the TTL, on a
// timer.
//
// Files are named gemini_image_YYYYmmdd_HHMMSS_<8 hex>.<png|jpg|webp> (local
// time) and written atomically (temp file in the same directory, then
// rename). Next to each image a sidecar <image>.json holds its id, prompt,
// user, group, time and model, so the gallery survives a restart; it is
// written (atomically) before the image and deleted after it, so an image
// on disk always has its sidecar. All disk work runs on the WorkerPool,
// never on the event loop.
//
// Threading: save(), remove(), read(), cleanup_expired(), start() and stop()
// run on the executor's thread; find() and recent() may be called from any
// thread. REQUIRES: pool and clock outlive the store, and the store outlives
// the executor's run loop (the sweep loop refers to it until it ends).
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "bot/core/clock.h"
#include "bot/core/result.h"
#include "bot/core/worker_pool.h"
#include "image/storage/image_store.h"

namespace picbot::image {

// True for names this store creates (and may therefore delete):
// gemini_image_\d{8}_\d{6}_[0-9a-f]{8}\.(png|jpg|webp).
bool is_store_file_name(std::string_view name);

// The sidecar of an image file: "<image>.json" in the same directory.
std::filesystem::path sidecar_path(const std::filesystem::path& image);

class LocalImageStore final : public ImageStore {
 public:
  struct Options {
    std::filesystem::path dir;
    std::chrono::minutes ttl{15};
    std::chrono::seconds sweep_interval{60};
    // The host's public base URL ("https://bot.example.com", no trailing
    // '/'), "" when unknown; url() builds <base>/images/<id> from it. May be empty.
    std::function<std::string()> public_base_url;
  };

  LocalImageStore(boost::asio::any_io_executor executor, WorkerPool& pool, const Clock& clock,
                  Options options);
  LocalImageStore(const LocalImageStore&) = delete;
  LocalImageStore& operator=(const LocalImageStore&) = delete;

  // Writes bytes as a new image, with its sidecar (creating the directory if
  // needed), and indexes it. extension is "png", "jpg" ("jpeg" is taken as
  // "jpg") or "webp". Errors: "bad_extension"; "disk" with the path and the
  // OS message (read-only or missing directory, full disk, ...). Nothing is
  // left behind on failure.
  boost::asio::awaitable<Result<StoredImage>> save(std::string_view bytes, std::string_view extension,
                                                   ImageMeta meta) override;

  // The indexed image with this id, or nullopt when unknown, removed or
  // older than the TTL.
  std::optional<StoredImage> find(std::string_view id) const override;

  // Up to n unexpired images, newest first.
  std::vector<StoredImage> recent(std::size_t n) const override;

  // Forgets the image and deletes its file and sidecar. Errors: "not_found"
  // for an unknown id, "disk" when a file could not be deleted (the image is
  // forgotten anyway).
  boost::asio::awaitable<Status> remove(std::string_view id) override;

  // The file's bytes. Errors: "not_found" when the file is gone, "disk".
  boost::asio::awaitable<Result<std::string>> read(const StoredImage& image) override;

  std::string url(const StoredImage& image) const override;
  Clock::time_point expires(const StoredImage& image) const override;
  std::chrono::minutes local_ttl() const override { return options_.ttl; }
  std::optional<std::filesystem::path> local_file(const StoredImage& image) const override;
  boost::asio::awaitable<StorageStats> stats() override;

  // Deletes the regular files in the directory whose names match
  // is_store_file_name and that are at least ttl old: by the index's created
  // time, or by modification time for files not in the index (left from a
  // previous run), each with its sidecar; and sidecars at least ttl old whose
  // image is gone. Other files, symlinks and directories are never touched.
  // Expired entries leave the index. Returns how many images were deleted.
  boost::asio::awaitable<std::size_t> cleanup_expired();

  // Indexes the unexpired images a previous run left, with the id and meta
  // of their sidecars (an image without a readable sidecar gets a new id,
  // empty meta and its modification time), and deletes the temp files of
  // writes a crash interrupted. Images already indexed are kept as they are.
  // Returns how many images it indexed.
  boost::asio::awaitable<std::size_t> restore();

  // Runs restore(), then cleanup_expired() every sweep_interval. Idempotent;
  // does nothing after stop().
  void start();
  // Stops the sweep for good. Idempotent.
  void stop();

  const Options& options() const { return options_; }

 private:
  boost::asio::awaitable<void> sweep_loop();
  bool expired(const StoredImage& image, Clock::time_point now) const;

  boost::asio::any_io_executor executor_;
  WorkerPool& pool_;
  const Clock& clock_;
  const Options options_;
  boost::asio::steady_timer sweep_timer_;
  bool started_ = false;
  bool stopped_ = false;

  mutable std::mutex mu_;
  struct Entry {
    StoredImage image;
    std::filesystem::path path;
  };
  std::map<std::string, Entry, std::less<>> index_;  // by id; guarded by mu_
};

}  // namespace picbot::image
