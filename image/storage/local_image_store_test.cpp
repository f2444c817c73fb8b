#include "image/storage/local_image_store.h"

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>

#include "bot/core/millis.h"
#include "image/storage/object_key.h"
#include "tests/fakes/openrouter/fake_images.h"
#include "tests/support/memory_bucket.h"
#include "tests/support/run_coroutine.h"
#include "tests/support/temp_dir.h"

namespace picbot::image {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

// Every file under dir, as paths relative to it.
std::set<std::string> list_tree(const fs::path& dir) {
  std::set<std::string> names;
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(dir, ec); !ec && it != fs::recursive_directory_iterator();
       it.increment(ec)) {
    if (it->is_regular_file()) names.insert(fs::relative(it->path(), dir).string());
  }
  return names;
}

std::string slurp(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

void set_mtime(const fs::path& path, Clock::time_point when) {
  fs::last_write_time(path, std::chrono::file_clock::from_sys(when));
}

ImageMeta meta(std::string prompt, std::int64_t user = 0, std::int64_t group = 0, std::string model = "") {
  return ImageMeta{
      .prompt = std::move(prompt), .user_id = user, .group_id = group, .model = std::move(model)};
}

class LocalImageStoreTest : public ::testing::Test {
 protected:
  template <class T>
  T run(boost::asio::awaitable<T> task) {
    return testing::run_coroutine(io_, std::move(task), std::chrono::seconds(10));
  }

  StoredImage save(std::string_view bytes, std::string_view extension = "png", ImageMeta info = {}) {
    auto saved = run(store_->save(bytes, extension, std::move(info)));
    EXPECT_TRUE(saved.ok()) << saved.error().to_string();
    return saved.value_or(StoredImage{});
  }

  fs::path images() const { return dir_.path() / "images"; }
  fs::path content_file(const StoredImage& image) const {
    return images() / image.sha256.substr(0, 2) / (image.sha256 + "." + image.extension);
  }

  void reopen(LocalImageStore::Options options) {
    if (options.dir.empty()) options.dir = images();
    store_ = std::make_unique<LocalImageStore>(io_.get_executor(), pool_, clock_, std::move(options));
  }

  testing::TempDir dir_;
  ManualClock clock_;
  boost::asio::io_context io_;
  WorkerPool pool_{2};
  std::unique_ptr<LocalImageStore> store_ = std::make_unique<LocalImageStore>(
      io_.get_executor(), pool_, clock_,
      LocalImageStore::Options{.dir = dir_.path() / "images", .ttl = 15min});
};

TEST(ObjectKey, IsThePrefixTheShardAndTheHash) {
  const std::string sha(64, 'a');
  EXPECT_EQ(object_key("picbot", sha, "png"), "picbot/aa/" + sha + ".png");
  EXPECT_EQ(object_key("/picbot/img/", sha, "jpg"), "picbot/img/aa/" + sha + ".jpg");
  EXPECT_EQ(object_key("", sha, "webp"), "aa/" + sha + ".webp");
}

TEST(LocalImageStoreNames, LegacyNamesAndRandomIds) {
  EXPECT_TRUE(is_legacy_file_name("gemini_image_20250101_120000_0123abcd.png"));
  EXPECT_FALSE(is_legacy_file_name("gemini_image_20250101_120000_0123ABCD.png"));
  EXPECT_FALSE(is_legacy_file_name("gemini_image_20250101_120000_0123abcd.png.json"));
  const std::string a = random_hex(16), b = random_hex(16);
  EXPECT_EQ(a.size(), 32u);
  EXPECT_NE(a, b);
  EXPECT_EQ(sha256_hex("hello world"), "b94d27b9934d3e08a52e52d7da7dabfac484efe37a5380ee9088f7ace2efcde9");
}

TEST_F(LocalImageStoreTest, SavesUnderItsContentAddressWithAnUnguessableId) {
  const std::string png = testing::make_png("first", 2000);
  const StoredImage image = save(png, "png", meta("a red fox", 42, 7, "google/gemini-2.5-flash-image"));

  EXPECT_EQ(image.id.size(), 32u);
  EXPECT_EQ(image.id.find_first_not_of("0123456789abcdef"), std::string::npos);
  EXPECT_EQ(image.sha256, sha256_hex(png));
  EXPECT_EQ(image.extension, "png");
  EXPECT_EQ(image.mime, "image/png");
  EXPECT_EQ(image.size, png.size());
  EXPECT_EQ(image.created, clock_.now());
  EXPECT_TRUE(image.local);
  EXPECT_FALSE(image.remote);
  // Only the final file: the temp file was renamed, not left behind.
  EXPECT_EQ(list_tree(images()),
            (std::set<std::string>{image.sha256.substr(0, 2) + "/" + image.sha256 + ".png"}));
  EXPECT_EQ(slurp(content_file(image)), png);
  EXPECT_EQ(store_->local_file(image), fs::absolute(content_file(image)));
  EXPECT_TRUE(fs::exists(dir_.path() / "images.sqlite3"));

  const auto found = store_->find(image.id);
  ASSERT_TRUE(found);
  EXPECT_EQ(found->meta.prompt, "a red fox");
  EXPECT_EQ(found->meta.user_id, 42);
  EXPECT_EQ(found->meta.group_id, 7);
  EXPECT_EQ(found->meta.model, "google/gemini-2.5-flash-image");
  EXPECT_FALSE(store_->find("0123456789abcdef0123456789abcdef"));
  auto bytes = run(store_->read(image));
  ASSERT_TRUE(bytes.ok());
  EXPECT_EQ(*bytes, png);
}

TEST_F(LocalImageStoreTest, IdenticalBytesAreStoredOnceAndDeletedWithTheirLastId) {
  const std::string png = testing::make_png("same");
  const StoredImage first = save(png, "png", meta("one"));
  const StoredImage second = save(png, "png", meta("two"));
  EXPECT_NE(first.id, second.id);
  EXPECT_EQ(first.sha256, second.sha256);
  EXPECT_EQ(list_tree(images()).size(), 1u);
  EXPECT_EQ(run(store_->stats()).disk_bytes, png.size()) << "a shared file counts once";

  ASSERT_TRUE(run(store_->remove(first.id)).ok());
  EXPECT_TRUE(fs::exists(content_file(second))) << "the other id still refers to it";
  EXPECT_TRUE(run(store_->read(*store_->find(second.id))).ok());
  ASSERT_TRUE(run(store_->remove(second.id)).ok());
  EXPECT_FALSE(fs::exists(content_file(second)));
  EXPECT_FALSE(fs::exists(content_file(second).parent_path())) << "an emptied shard folder goes too";
  auto again = run(store_->remove(second.id));
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().code, "not_found");
}

TEST_F(LocalImageStoreTest, NormalisesJpegAndRejectsOtherExtensions) {
  const StoredImage jpeg = save(testing::make_jpeg(), "jpeg");
  EXPECT_EQ(jpeg.extension, "jpg");
  EXPECT_EQ(jpeg.mime, "image/jpeg");
  EXPECT_EQ(store_->local_file(jpeg)->extension(), ".jpg");
  EXPECT_EQ(save(testing::make_webp(), "webp").mime, "image/webp");
  auto gif = run(store_->save("GIF89a", "gif", {}));
  ASSERT_FALSE(gif.ok());
  EXPECT_EQ(gif.error().code, "bad_extension");
}

TEST_F(LocalImageStoreTest, RecentIsNewestFirst) {
  const StoredImage first = save("one");
  clock_.advance(1min);
  const StoredImage second = save("two");
  clock_.advance(1min);
  const StoredImage third = save("three");
  auto recent = store_->recent(2);
  ASSERT_EQ(recent.size(), 2u);
  EXPECT_EQ(recent[0].id, third.id);
  EXPECT_EQ(recent[1].id, second.id);
  ASSERT_TRUE(run(store_->remove(second.id)).ok());
  EXPECT_EQ(store_->recent(10).size(), 2u);
  EXPECT_EQ(store_->recent(10)[1].id, first.id);
}

TEST_F(LocalImageStoreTest, TheSweepDeletesCopiesOlderThanTheTtl) {
  const StoredImage image = save("bytes");
  clock_.advance(14min);
  EXPECT_TRUE(store_->find(image.id));
  EXPECT_EQ(run(store_->sweep()).expired, 0u);
  EXPECT_TRUE(fs::exists(content_file(image)));
  clock_.advance(1min);
  EXPECT_FALSE(store_->find(image.id)) << "expired before the sweep runs";
  EXPECT_FALSE(store_->local_file(image));
  const SweepReport report = run(store_->sweep());
  EXPECT_EQ(report.expired, 1u);
  EXPECT_EQ(report.forgotten, 1u) << "no copy left anywhere";
  EXPECT_FALSE(fs::exists(content_file(image)));
  EXPECT_TRUE(fs::is_empty(images())) << "no file and no emptied shard folder left";
  EXPECT_TRUE(store_->recent(10).empty());
  EXPECT_EQ(run(store_->stats()).images, 0u);
}

TEST_F(LocalImageStoreTest, ASharedFileLivesAsLongAsItsNewestId) {
  const StoredImage older = save("same bytes");
  clock_.advance(10min);
  const StoredImage newer = save("same bytes");
  clock_.advance(6min);
  EXPECT_EQ(run(store_->sweep()).expired, 0u) << "the newer id still needs the file";
  EXPECT_FALSE(store_->find(older.id));
  EXPECT_TRUE(store_->find(newer.id));
  EXPECT_TRUE(fs::exists(content_file(newer)));
  clock_.advance(10min);
  EXPECT_EQ(run(store_->sweep()).expired, 1u);
  EXPECT_FALSE(fs::exists(content_file(newer)));
}

TEST_F(LocalImageStoreTest, ARestartKeepsIdsMetaAndFiles) {
  const StoredImage kept = save(testing::make_png("kept"), "png", meta("一只猫", 43, 0, "m2"));
  reopen({.ttl = 15min});
  EXPECT_FALSE(store_->find(kept.id)) << "not restored yet";
  EXPECT_EQ(run(store_->restore()), 1u);
  const auto found = store_->find(kept.id);
  ASSERT_TRUE(found);
  EXPECT_EQ(found->meta.prompt, "一只猫");
  EXPECT_EQ(found->meta.user_id, 43);
  EXPECT_EQ(found->created, kept.created);
  EXPECT_EQ(found->sha256, kept.sha256);
  EXPECT_EQ(*run(store_->read(*found)), testing::make_png("kept"));
  EXPECT_EQ(run(store_->restore()), 0u) << "already indexed ids are not listed twice";
}

TEST_F(LocalImageStoreTest, ARowWhoseFileIsGoneIsForgottenAtRestart) {
  const StoredImage image = save("will vanish");
  fs::remove(content_file(image));
  reopen({.ttl = 15min});
  run(store_->restore());
  EXPECT_FALSE(store_->find(image.id));
  EXPECT_EQ(run(store_->sweep()).forgotten, 1u);
}

TEST_F(LocalImageStoreTest, TheOldLayoutIsImportedWithItsIdsAndMeta) {
  const Clock::time_point now = clock_.now();
  const std::string png = testing::make_png("legacy");
  const std::string id = "0123456789abcdef0123456789abcdef";
  const auto fresh = dir_.write_file("images/gemini_image_20250101_120000_0123abcd.png", png);
  dir_.write_file("images/gemini_image_20250101_120000_0123abcd.png.json",
                  nlohmann::json{{"id", id},
                                 {"prompt", "a red fox"},
                                 {"user_id", 42},
                                 {"group_id", 7},
                                 {"time", to_epoch_ms(now - 5min)},
                                 {"model", "m1"}}
                      .dump());
  // No sidecar: aged by modification time, listed without meta.
  const auto bare =
      dir_.write_file("images/gemini_image_20250101_120000_89abcdef.webp", testing::make_webp());
  set_mtime(bare, now - 2min);
  // Expired: deleted as the old sweep would have.
  const auto stale = dir_.write_file("images/gemini_image_20240101_000000_aaaaaaaa.jpg", "stale");
  set_mtime(stale, now - 1h);
  dir_.write_file("images/.gemini_image_20240101_000000_bbbbbbbb.png.tmp", "half");
  dir_.write_file("images/notes.txt", "not ours");

  EXPECT_EQ(run(store_->restore()), 2u);
  const auto found = store_->find(id);
  ASSERT_TRUE(found) << "the sidecar's id keeps working: links already sent stay valid";
  EXPECT_EQ(found->meta.prompt, "a red fox");
  EXPECT_EQ(found->meta.user_id, 42);
  EXPECT_EQ(found->meta.model, "m1");
  EXPECT_EQ(found->created, now - 5min);
  EXPECT_EQ(*run(store_->read(*found)), png);
  EXPECT_EQ(store_->recent(10).size(), 2u);

  const std::string webp_sha = sha256_hex(testing::make_webp());
  EXPECT_EQ(list_tree(images()),
            (std::set<std::string>{"notes.txt", sha256_hex(png).substr(0, 2) + "/" + sha256_hex(png) + ".png",
                                   webp_sha.substr(0, 2) + "/" + webp_sha + ".webp"}));
  clock_.advance(11min);
  run(store_->sweep());
  EXPECT_FALSE(store_->find(id)) << "an imported image expires from its first creation";
}

TEST_F(LocalImageStoreTest, OverTheCapTheOldestGoFirstDownToNinetyPercent) {
  reopen({.ttl = 15min, .max_cache_bytes = 3500});
  std::vector<StoredImage> saved;
  for (char c : std::string("abc")) {
    saved.push_back(save(std::string(1000, c)));
    clock_.advance(1s);
  }
  EXPECT_EQ(run(store_->stats()).disk_bytes, 3000u);
  EXPECT_EQ(run(store_->sweep()).evicted, 0u) << "under the cap";
  // The fourth save goes over the cap and starts a sweep by itself.
  saved.push_back(save(std::string(1000, 'd')));
  const auto give_up = std::chrono::steady_clock::now() + 10s;
  while (fs::exists(content_file(saved[0])) && std::chrono::steady_clock::now() < give_up)
    io_.run_one_for(50ms);
  EXPECT_FALSE(fs::exists(content_file(saved[0]))) << "4000 bytes down to 3150: the oldest file";
  EXPECT_EQ(run(store_->sweep()).evicted, 0u);
  EXPECT_FALSE(store_->find(saved[0].id));
  EXPECT_FALSE(fs::exists(content_file(saved[0])));
  for (std::size_t i = 1; i < saved.size(); ++i) EXPECT_TRUE(store_->find(saved[i].id)) << i;
  const StorageStats stats = run(store_->stats());
  EXPECT_EQ(stats.disk_bytes, 3000u);
  EXPECT_EQ(stats.cap_bytes, 3500u);
}

TEST_F(LocalImageStoreTest, AnImageMayEvictRefusesIsNeverEvicted) {
  std::set<std::string> uploaded;
  reopen({.ttl = 15min, .max_cache_bytes = 2500, .may_evict = [&](std::string_view sha256) {
            return uploaded.contains(std::string(sha256));
          }});
  const StoredImage a = save(std::string(1000, 'a'));
  clock_.advance(1s);
  const StoredImage b = save(std::string(1000, 'b'));
  clock_.advance(1s);
  const StoredImage c = save(std::string(1000, 'c'));
  SweepReport report = run(store_->sweep());
  EXPECT_EQ(report.evicted, 0u);
  EXPECT_EQ(report.kept_for_upload, 3u);
  for (const auto& image : {a, b, c}) EXPECT_TRUE(fs::exists(content_file(image)));

  uploaded.insert(b.sha256);  // only b's upload is done
  report = run(store_->sweep());
  EXPECT_EQ(report.evicted, 1u);
  EXPECT_TRUE(fs::exists(content_file(a))) << "older, but not uploaded";
  EXPECT_FALSE(fs::exists(content_file(b)));
  EXPECT_TRUE(fs::exists(content_file(c)));
}

TEST_F(LocalImageStoreTest, AnUploadedImageOutlivesItsLocalCopyAndIsCachedAgain) {
  testing::MemoryBucket bucket;
  reopen({.ttl = 15min, .remote = &bucket, .key_prefix = "picbot"});
  const std::string png = testing::make_png("remote");
  const StoredImage image = save(png);
  EXPECT_EQ(store_->url(image), "") << "no public base URL, not uploaded";
  const std::string key = object_key("picbot", image.sha256, "png");
  bucket.objects[key].bytes = png;
  ASSERT_TRUE(run(store_->mark_remote(image.sha256)).ok());
  const auto uploaded = store_->find(image.id);
  ASSERT_TRUE(uploaded);
  EXPECT_TRUE(uploaded->remote);
  EXPECT_EQ(store_->url(*uploaded), bucket.object_url(key, std::chrono::seconds(3600)))
      << "the bucket's URL, presigned for presign (3600 s by default)";
  // Identical bytes saved later are in the bucket already.
  EXPECT_TRUE(save(png).remote);

  clock_.advance(16min);
  run(store_->sweep());
  EXPECT_FALSE(fs::exists(content_file(image)));
  const auto remote_only = store_->find(image.id);
  ASSERT_TRUE(remote_only) << "the bucket still has it";
  EXPECT_FALSE(remote_only->local);
  EXPECT_EQ(run(store_->stats()).local, 0u);
  auto bytes = run(store_->read(*remote_only));
  ASSERT_TRUE(bytes.ok()) << bytes.error().to_string();
  EXPECT_EQ(*bytes, png);
  EXPECT_EQ(slurp(content_file(image)), png) << "cached locally again";
  EXPECT_TRUE(store_->find(image.id)->local);
}

TEST_F(LocalImageStoreTest, ClearingTheCacheKeepsImagesNotUploaded) {
  testing::MemoryBucket bucket;
  reopen({.ttl = 15min, .remote = &bucket});
  const StoredImage uploaded = save("uploaded");
  const StoredImage pending = save("pending");
  ASSERT_TRUE(run(store_->mark_remote(uploaded.sha256)).ok());
  EXPECT_EQ(run(store_->clear_local_cache()), 1u);
  EXPECT_FALSE(fs::exists(content_file(uploaded)));
  EXPECT_TRUE(fs::exists(content_file(pending)));
  EXPECT_TRUE(store_->find(uploaded.id)) << "still in the bucket";
}

TEST_F(LocalImageStoreTest, RemoteOnlyRecordsGoAfterTheRetentionWithTheirObjects) {
  testing::MemoryBucket bucket;
  reopen({.ttl = 15min, .metadata_retention = 48h, .delete_remote_on_expiry = true, .remote = &bucket});
  const StoredImage image = save("old");
  const std::string key = object_key("", image.sha256, "png");
  bucket.objects[key].bytes = "old";
  ASSERT_TRUE(run(store_->mark_remote(image.sha256)).ok());
  clock_.advance(47h);
  run(store_->sweep());
  EXPECT_TRUE(store_->find(image.id));
  clock_.advance(1h);
  EXPECT_EQ(run(store_->sweep()).forgotten, 1u);
  EXPECT_FALSE(store_->find(image.id));
  EXPECT_FALSE(bucket.objects.contains(key));
}

TEST_F(LocalImageStoreTest, AnOrphanFileOlderThanTheTtlIsDeleted) {
  const std::string sha(64, 'e');
  const auto orphan = dir_.write_file("images/ee/" + sha + ".png", "crashed before its row");
  set_mtime(orphan, clock_.now() - 1h);
  const auto fresh = dir_.write_file("images/ee/" + std::string(63, 'e') + "f.png", "just written");
  set_mtime(fresh, clock_.now());
  const auto foreign = dir_.write_file("images/ee/notes.png", "not ours");
  set_mtime(foreign, clock_.now() - 24h);
  run(store_->sweep());
  EXPECT_FALSE(fs::exists(orphan));
  EXPECT_TRUE(fs::exists(fresh));
  EXPECT_TRUE(fs::exists(foreign));
}

TEST_F(LocalImageStoreTest, TimerSweepsWithoutANewSave) {
  reopen({.ttl = 15min, .sweep_interval = 1s});
  const StoredImage image = save("swept by the timer");
  const fs::path file = content_file(image);
  clock_.advance(16min);
  store_->start();
  io_.restart();
  const auto give_up = std::chrono::steady_clock::now() + 10s;
  while (fs::exists(file) && std::chrono::steady_clock::now() < give_up) io_.run_one_for(100ms);
  EXPECT_FALSE(fs::exists(file));
  store_->stop();
  io_.run_for(2s);  // the loop ends once stopped, so run() returns early
}

TEST_F(LocalImageStoreTest, UnwritableDirectoryIsAClearDiskError) {
  // Root ignores permission bits, so make the directory impossible instead:
  // its parent is a regular file.
  const auto blocker = dir_.write_file("blocker", "a file, not a directory");
  reopen({.dir = blocker / "images", .catalog = dir_.path() / "images.sqlite3"});
  auto saved = run(store_->save(testing::make_png(), "png", {}));
  ASSERT_FALSE(saved.ok());
  EXPECT_EQ(saved.error().code, "disk");
  EXPECT_NE(saved.error().message.find("Not a directory"), std::string::npos) << saved.error().message;
  EXPECT_TRUE(store_->recent(10).empty());
}

TEST_F(LocalImageStoreTest, PromptThatIsNotUtf8IsStillSaved) {
  const StoredImage image = save("bytes", "png", meta(std::string("bad \xff byte")));
  reopen({.ttl = 15min});
  run(store_->restore());
  ASSERT_TRUE(store_->find(image.id));
  EXPECT_EQ(store_->find(image.id)->meta.prompt, std::string("bad \xff byte"));
}

}  // namespace
}  // namespace picbot::image
