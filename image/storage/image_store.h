// ImageStore: the host's one store of images (drawings, the gateway's
// pictures), by unguessable id. The host builds it from the `storage` config
// section and hands it to every plugin (PluginContext::image_store()), and
// serves GET /images/<id> from it (image/storage/image_route.h), so every
// plugin shares one store, one URL space and one gallery.
//
// LocalImageStore (local_image_store.h) keeps the images on disk for a while;
// with a bucket (ObjectBucket) they also live remotely.
//
// Threading: save(), read(), remove(), stats() and cleanup calls run on the
// event loop's executor (they never block it: disk work goes to the
// WorkerPool); find(), recent(), url() and local_file() may be called from any
// thread.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "bot/core/clock.h"
#include "bot/core/result.h"

namespace picbot::image {

// Returns 2 * bytes lower-case hex characters from the kernel's CSPRNG
// (getrandom). Thread-safe. Throws std::system_error if the kernel refuses.
std::string random_hex(std::size_t bytes);

// What is known of an image besides its bytes.
struct ImageMeta {
  std::string prompt;
  std::int64_t user_id = 0, group_id = 0;  // group_id 0: a private chat
  std::string model;                       // the model that drew it
  std::string source;                      // who stored it: a plugin's name ("gemini_pic_gen", ...)
};

struct StoredImage {
  std::string id;               // 32 lower-case hex characters from a CSPRNG
  std::string sha256;           // of the bytes, lower-case hex
  std::string extension, mime;  // "png" / "image/png", ...
  std::size_t size = 0;
  Clock::time_point created;
  ImageMeta meta;
  bool local = true;    // a copy is on this machine's disk
  bool remote = false;  // a copy is in the bucket
};

// The figures of the console's storage page.
struct StorageStats {
  std::size_t images = 0;        // known ids (local or remote)
  std::size_t local = 0;         // ids with a local copy
  std::size_t remote = 0;        // ids with a copy in the bucket
  std::uint64_t disk_bytes = 0;  // bytes of the local files (each shared file once)
  std::uint64_t cap_bytes = 0;   // storage.local.max_cache_mb in bytes; 0: no cap
};

class ImageStore {
 public:
  virtual ~ImageStore() = default;

  // Stores bytes as a new image and returns it with a fresh id. extension is
  // "png", "jpg" ("jpeg" is taken as "jpg") or "webp". Errors:
  // "bad_extension"; "disk" with the path and the OS message. Nothing is left
  // behind on failure.
  virtual boost::asio::awaitable<Result<StoredImage>> save(std::string_view bytes, std::string_view extension,
                                                           ImageMeta meta) = 0;

  // The image with this id, or nullopt when unknown, removed, or expired
  // (its local copy is gone and it is in no bucket).
  virtual std::optional<StoredImage> find(std::string_view id) const = 0;

  // Up to n images find() knows, newest first (the gallery).
  virtual std::vector<StoredImage> recent(std::size_t n) const = 0;

  // The image's bytes: the local copy, or the bucket's (cached locally
  // again). Errors: "not_found" when no copy is left, "disk", the bucket's.
  virtual boost::asio::awaitable<Result<std::string>> read(const StoredImage& image) = 0;

  // A link to the image: the bucket's URL once it is uploaded, else
  // <public base URL>/images/<id>; "" when neither is known.
  virtual std::string url(const StoredImage& image) const = 0;

  // Until when the local copy is kept (for Cache-Control).
  virtual Clock::time_point expires(const StoredImage& image) const = 0;
  // How long a local copy is kept (storage.local.ttl_minutes).
  virtual std::chrono::minutes local_ttl() const = 0;

  // The absolute path of the local copy (for `file` delivery), or nullopt
  // when there is none. The file may vanish once the image expires.
  virtual std::optional<std::filesystem::path> local_file(const StoredImage& image) const = 0;

  // Forgets the image and deletes its local copy (when no other id shares
  // it). Errors: "not_found" for an unknown id, "disk".
  virtual boost::asio::awaitable<Status> remove(std::string_view id) = 0;

  virtual boost::asio::awaitable<StorageStats> stats() = 0;
};

}  // namespace picbot::image
