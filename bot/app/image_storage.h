// ImageStorage: the host's images as the `storage` section says. With
// backend local, the LocalImageStore alone. With backend s3, also the bucket
// (S3Client) and the durable UploadQueue, wired both ways: every save is in
// the queue before save() returns, every finished upload marks the image
// remote (its URL becomes the bucket's, its local copy may then expire or be
// evicted), and retention never deletes a local copy the bucket lacks.
//
// Threading: the event loop's, like the parts it owns. REQUIRES: the
// executor, pool, HTTP client and clock outlive it; stop() has completed
// before it is destroyed when start() succeeded.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>

#include "bot/app/storage_settings.h"
#include "bot/core/clock.h"
#include "bot/core/result.h"
#include "bot/core/worker_pool.h"
#include "bot/net/http_client.h"
#include "image/storage/local_image_store.h"
#include "image/storage/s3/s3_client.h"
#include "image/storage/upload_queue.h"

namespace picbot {

class ImageStorage {
 public:
  // public_base_url: picbot's own base URL for /images/<id> links.
  ImageStorage(boost::asio::any_io_executor executor, WorkerPool& workers, net::HttpClient& http,
               const Clock& clock, StorageSettings settings, const std::filesystem::path& data_dir,
               std::function<std::string()> public_base_url);
  ~ImageStorage();
  ImageStorage(const ImageStorage&) = delete;
  ImageStorage& operator=(const ImageStorage&) = delete;

  // Says where images go, opens the upload queue (s3: uploads.sqlite3, before
  // the loop runs, so no save finds it missing), then starts the store's
  // listing and sweep and the uploads. Errors: the bucket settings', the
  // queue's database's.
  Status start();
  // Stops the sweep and the uploads; an upload cut short stays pending for
  // the next start.
  boost::asio::awaitable<void> stop();
  // True once stop() has completed, or when start() never started anything.
  bool stopped() const { return stopped_; }

  image::LocalImageStore& store() { return *store_; }
  // Null for backend local.
  image::UploadQueue* uploads() { return uploads_.get(); }
  image::s3::S3Client* bucket() { return bucket_.get(); }
  const StorageSettings& settings() const { return settings_; }

 private:
  image::LocalImageStore::Options store_options(const std::filesystem::path& data_dir,
                                                std::function<std::string()> public_base_url);
  boost::asio::awaitable<void> enqueue(const image::StoredImage& image);

  boost::asio::any_io_executor executor_;
  WorkerPool& workers_;
  const Clock& clock_;
  const StorageSettings settings_;
  const std::filesystem::path uploads_file_;
  Status bucket_status_;                         // why there is no bucket for backend s3
  std::unique_ptr<image::s3::S3Client> bucket_;  // backend s3 only
  std::unique_ptr<image::LocalImageStore> store_;
  std::unique_ptr<image::UploadQueue> uploads_;  // backend s3, once start() opened it
  bool stopped_ = true;                          // until start() starts something
};

}  // namespace picbot
