#include "bot/app/image_storage.h"

#include "bot/app/app_logger.h"
#include "image/storage/object_key.h"
#include "image/storage/storage_messages.h"

namespace picbot {
namespace asio = boost::asio;

ImageStorage::ImageStorage(asio::any_io_executor executor, WorkerPool& workers, net::HttpClient& http,
                           const Clock& clock, StorageSettings settings,
                           const std::filesystem::path& data_dir,
                           std::function<std::string()> public_base_url)
    : executor_(std::move(executor)),
      workers_(workers),
      clock_(clock),
      settings_(std::move(settings)),
      uploads_file_(data_dir / "uploads.sqlite3") {
  if (settings_.backend == "s3") {
    auto made = image::s3::S3Client::create(settings_.s3, http, workers, clock);
    if (made)
      bucket_ = std::move(made).value();
    else
      bucket_status_ = made.error();
  }
  store_ = std::make_unique<image::LocalImageStore>(executor_, workers, clock,
                                                    store_options(data_dir, std::move(public_base_url)));
}

ImageStorage::~ImageStorage() = default;

image::LocalImageStore::Options ImageStorage::store_options(const std::filesystem::path& data_dir,
                                                            std::function<std::string()> public_base_url) {
  image::LocalImageStore::Options options{.dir = data_dir / "images",
                                          .ttl = settings_.ttl,
                                          .sweep_interval = std::chrono::seconds(60),
                                          .public_base_url = std::move(public_base_url),
                                          .catalog = data_dir / "images.sqlite3",
                                          .max_cache_bytes = settings_.max_cache_bytes,
                                          .metadata_retention = settings_.metadata_retention,
                                          .delete_remote_on_expiry = settings_.delete_remote_on_expiry};
  if (!bucket_) return options;
  options.remote = bucket_.get();
  options.key_prefix = settings_.s3.key_prefix;
  options.presign = std::chrono::seconds(settings_.s3.presign_seconds);
  // Until the queue is open nothing may be evicted: its rows are not known.
  options.may_evict = [this](std::string_view sha256) { return uploads_ && uploads_->may_evict(sha256); };
  options.on_saved = [this](const image::StoredImage& image) { return enqueue(image); };
  return options;
}

asio::awaitable<void> ImageStorage::enqueue(const image::StoredImage& image) {
  if (!uploads_) co_return;
  Status queued = co_await uploads_->enqueue(
      image.sha256, image::object_key(settings_.s3.key_prefix, image.sha256, image.extension), image.mime);
  // The image is saved and served locally either way; without its row it
  // stays local only, and the log says why.
  if (!queued)
    app_logger()->error("{}", image::storage_log_text("log.storage.enqueue_failed", fmt::arg("id", image.id),
                                                      fmt::arg("reason", queued.error().to_string())));
}

Status ImageStorage::start() {
  const std::string cap = settings_.max_cache_bytes == 0
                              ? image::storage_log_text("log.storage.no_cap")
                              : std::to_string(settings_.max_cache_bytes / (1024 * 1024)) + " MB";
  app_logger()->info(
      "{}", image::storage_log_text("log.storage.settings", fmt::arg("backend", settings_.backend),
                                    fmt::arg("minutes", settings_.ttl.count()), fmt::arg("cap", cap)));
  if (settings_.ttl_alias)
    app_logger()->warn("{}",
                       image::storage_log_text("log.storage.ttl_alias", fmt::arg("key", *settings_.ttl_alias),
                                               fmt::arg("minutes", settings_.ttl.count())));
  if (settings_.backend == "s3") {
    if (!bucket_) return bucket_status_;
    image::UploadQueue::ReadLocal read_local = [this](std::string sha256) {
      return store_->read_content(std::move(sha256));
    };
    image::UploadQueueOptions options;
    options.file = uploads_file_;
    options.max_parallel_uploads = settings_.s3.max_parallel_uploads;
    auto opened = image::UploadQueue::open_before_loop(executor_, workers_, clock_, *bucket_,
                                                       std::move(read_local), std::move(options));
    if (!opened) return opened.error();
    uploads_ = std::move(opened).value();
    uploads_->set_uploaded_callback([this](const std::string& sha256,
                                           const std::string&) -> asio::awaitable<void> {
      Status marked = co_await store_->mark_remote(sha256);
      if (!marked)
        app_logger()->error("{}", image::storage_log_text("log.storage.mark_remote_failed",
                                                          fmt::arg("sha256", sha256.substr(0, 12)),
                                                          fmt::arg("reason", marked.error().to_string())));
    });
    const image::s3::S3Settings& s3 = settings_.s3;
    app_logger()->info(
        "{}", image::storage_log_text("log.storage.bucket", fmt::arg("bucket", s3.bucket),
                                      fmt::arg("endpoint", s3.endpoint), fmt::arg("prefix", s3.key_prefix)));
  }
  stopped_ = false;
  store_->start();
  if (uploads_) uploads_->start();
  return {};
}

asio::awaitable<void> ImageStorage::stop() {
  store_->stop();
  if (uploads_) co_await uploads_->stop();
  stopped_ = true;
}

}  // namespace picbot
