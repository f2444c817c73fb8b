#include "image/storage/local_image_store.h"

#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <ctime>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>

#include "bot/core/millis.h"
#include "tests/fakes/openrouter/fake_images.h"
#include "tests/support/run_coroutine.h"
#include "tests/support/temp_dir.h"

namespace picbot::image {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

std::set<std::string> list_dir(const fs::path& dir) {
  std::set<std::string> names;
  for (const auto& entry : fs::directory_iterator(dir)) names.insert(entry.path().filename().string());
  return names;
}

std::string slurp(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

void set_mtime(const fs::path& path, Clock::time_point when) {
  fs::last_write_time(path, std::chrono::file_clock::from_sys(when));
}

class ImageStoreTest : public ::testing::Test {
 protected:
  template <class T>
  T run(boost::asio::awaitable<T> task) {
    return testing::run_coroutine(io_, std::move(task), std::chrono::seconds(10));
  }

  StoredImage save(std::string_view bytes = "", std::string_view extension = "png", ImageMeta meta = {}) {
    const std::string png = testing::make_png("store");
    auto saved = run(store_.save(bytes.empty() ? std::string_view(png) : bytes, extension, std::move(meta)));
    EXPECT_TRUE(saved.ok()) << saved.error().to_string();
    return saved.value();
  }

  fs::path images() const { return dir_.path() / "images"; }
  fs::path path_of(const StoredImage& image) const {
    auto path = store_.local_file(image);
    EXPECT_TRUE(path) << image.id;
    return path.value_or(fs::path());
  }

  testing::TempDir dir_;
  ManualClock clock_;
  boost::asio::io_context io_;
  WorkerPool pool_{1};
  LocalImageStore store_{io_.get_executor(), pool_, clock_, {dir_.path() / "images", 15min, 1s}};
};

TEST(ImageStoreNames, MatchesOnlyTheStorePattern) {
  EXPECT_TRUE(is_store_file_name("gemini_image_20250101_120000_0123abcd.png"));
  EXPECT_TRUE(is_store_file_name("gemini_image_20250101_120000_0123abcd.jpg"));
  EXPECT_TRUE(is_store_file_name("gemini_image_20250101_120000_0123abcd.webp"));
  EXPECT_FALSE(is_store_file_name("gemini_image_20250101_120000_0123ABCD.png"));
  EXPECT_FALSE(is_store_file_name("gemini_image_20250101_120000_0123abcd.gif"));
  EXPECT_FALSE(is_store_file_name("gemini_image_2025011_120000_0123abcd.png"));
  EXPECT_FALSE(is_store_file_name(".gemini_image_20250101_120000_0123abcd.png.tmp"));
  EXPECT_FALSE(is_store_file_name("xgemini_image_20250101_120000_0123abcd.png"));
  EXPECT_FALSE(is_store_file_name("gemini_image_20250101_120000_0123abcd.png.bak"));
}

TEST(ImageStoreNames, RandomHexIsFreshEachTime) {
  const std::string a = random_hex(16), b = random_hex(16);
  EXPECT_EQ(a.size(), 32u);
  EXPECT_EQ(a.find_first_not_of("0123456789abcdef"), std::string::npos);
  EXPECT_NE(a, b);
}

TEST_F(ImageStoreTest, SavesAtomicallyUnderTheStoreNameWithAnUnguessableId) {
  const std::string png = testing::make_png("first", 2000);
  const StoredImage image = save(png, "png", {"a red fox", 42, 7, "google/gemini-2.5-flash-image"});

  // Name: gemini_image_<local YYYYmmdd_HHMMSS of the injected clock>_<8 hex>.png
  const std::time_t t = std::chrono::system_clock::to_time_t(clock_.now());
  std::tm local{};
  localtime_r(&t, &local);
  char stamp[32];
  std::strftime(stamp, sizeof stamp, "%Y%m%d_%H%M%S", &local);
  const std::string name = path_of(image).filename().string();
  EXPECT_TRUE(is_store_file_name(name)) << name;
  EXPECT_EQ(name.rfind(std::string("gemini_image_") + stamp + "_", 0), 0u) << name;
  EXPECT_EQ(path_of(image).parent_path(), images());

  EXPECT_EQ(image.id.size(), 32u);
  EXPECT_EQ(image.id.find_first_not_of("0123456789abcdef"), std::string::npos);
  EXPECT_EQ(image.extension, "png");
  EXPECT_EQ(image.mime, "image/png");
  EXPECT_EQ(image.size, png.size());
  EXPECT_EQ(image.created, clock_.now());
  EXPECT_EQ(image.meta.prompt, "a red fox");
  EXPECT_EQ(image.meta.user_id, 42);
  EXPECT_EQ(image.meta.group_id, 7);

  EXPECT_EQ(image.meta.model, "google/gemini-2.5-flash-image");

  EXPECT_EQ(slurp(path_of(image)), png);
  // Only the final files: the temp files were renamed, not left behind.
  EXPECT_EQ(list_dir(images()), (std::set<std::string>{name, name + ".json"}));
  EXPECT_EQ(sidecar_path(path_of(image)), images() / (name + ".json"));
  const auto sidecar = nlohmann::json::parse(slurp(sidecar_path(path_of(image))));
  EXPECT_EQ(sidecar["id"], image.id);
  EXPECT_EQ(sidecar["prompt"], "a red fox");
  EXPECT_EQ(sidecar["user_id"], 42);
  EXPECT_EQ(sidecar["group_id"], 7);
  EXPECT_EQ(sidecar["model"], "google/gemini-2.5-flash-image");
  EXPECT_EQ(sidecar["time"], to_epoch_ms(clock_.now()));

  const auto found = store_.find(image.id);
  ASSERT_TRUE(found);
  EXPECT_EQ(store_.local_file(*found), path_of(image));
  EXPECT_FALSE(store_.find("0123456789abcdef0123456789abcdef"));

  auto bytes = run(store_.read(image));
  ASSERT_TRUE(bytes.ok());
  EXPECT_EQ(bytes.value(), png);
}

TEST_F(ImageStoreTest, NormalisesJpegAndRejectsOtherExtensions) {
  const StoredImage jpeg = save(testing::make_jpeg(), "jpeg");
  EXPECT_EQ(jpeg.extension, "jpg");
  EXPECT_EQ(jpeg.mime, "image/jpeg");
  EXPECT_EQ(path_of(jpeg).extension(), ".jpg");
  const StoredImage webp = save(testing::make_webp(), "webp");
  EXPECT_EQ(webp.mime, "image/webp");

  auto gif = run(store_.save("GIF89a", "gif", {}));
  ASSERT_FALSE(gif.ok());
  EXPECT_EQ(gif.error().code, "bad_extension");
}

TEST_F(ImageStoreTest, RecentIsNewestFirstAndRemoveForgets) {
  const StoredImage first = save();
  clock_.advance(1min);
  const StoredImage second = save();
  clock_.advance(1min);
  const StoredImage third = save();
  const fs::path first_path = path_of(first), second_path = path_of(second);

  auto recent = store_.recent(2);
  ASSERT_EQ(recent.size(), 2u);
  EXPECT_EQ(recent[0].id, third.id);
  EXPECT_EQ(recent[1].id, second.id);
  EXPECT_EQ(store_.recent(10).size(), 3u);

  EXPECT_TRUE(run(store_.remove(second.id)).ok());
  EXPECT_FALSE(fs::exists(second_path));
  EXPECT_FALSE(fs::exists(sidecar_path(second_path)));
  EXPECT_TRUE(fs::exists(sidecar_path(first_path)));
  EXPECT_FALSE(store_.find(second.id));
  auto again = run(store_.remove(second.id));
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().code, "not_found");
  EXPECT_EQ(store_.recent(10).size(), 2u);

  fs::remove(first_path);
  auto gone = run(store_.read(first));
  ASSERT_FALSE(gone.ok());
  EXPECT_EQ(gone.error().code, "not_found");
}

TEST_F(ImageStoreTest, ImagesExpireAfterTheTtl) {
  const StoredImage image = save();
  clock_.advance(14min);
  EXPECT_TRUE(store_.find(image.id));
  clock_.advance(1min);
  EXPECT_FALSE(store_.find(image.id));
  EXPECT_TRUE(store_.recent(10).empty());
}

TEST_F(ImageStoreTest, CleanupDeletesOnlyExpiredFilesOfItsOwn) {
  const StoredImage indexed = save();
  const fs::path indexed_path = path_of(indexed);
  const fs::path dir = images();
  const Clock::time_point start = clock_.now();
  // Left over from a previous run: ours by name, aged by mtime.
  const auto old_leftover = dir_.write_file("images/gemini_image_20240101_000000_0123abcd.png", "old");
  set_mtime(old_leftover, start - 1h);
  const auto fresh_leftover = dir_.write_file("images/gemini_image_20240101_000000_89abcdef.jpg", "fresh");
  set_mtime(fresh_leftover, start);
  // Not ours: other names, a symlink with our name, a directory with our name.
  const std::vector<std::string> foreign = {"notes.txt", "gemini_image_20240101_000000_abcdefgh.png",
                                            "gemini_image_20240101_000000_0123abcd.gif",
                                            "gemini_image_20240101_000000_0123abcd.png.bak"};
  for (const auto& name : foreign) set_mtime(dir_.write_file("images/" + name, "x"), start - 24h);
  const auto target = dir_.write_file("outside.png", "target");
  set_mtime(target, start - 24h);
  fs::create_symlink(target, dir / "gemini_image_20240101_000000_aaaaaaaa.png");
  fs::create_directory(dir / "gemini_image_20240101_000000_bbbbbbbb.png");
  set_mtime(dir / "gemini_image_20240101_000000_bbbbbbbb.png", start - 24h);

  clock_.advance(10min);
  EXPECT_EQ(run(store_.cleanup_expired()), 1u);
  EXPECT_FALSE(fs::exists(old_leftover));
  EXPECT_TRUE(fs::exists(indexed_path));
  EXPECT_TRUE(fs::exists(fresh_leftover));

  clock_.advance(6min);
  EXPECT_EQ(run(store_.cleanup_expired()), 2u);
  EXPECT_FALSE(fs::exists(indexed_path));
  EXPECT_FALSE(fs::exists(fresh_leftover));
  EXPECT_FALSE(store_.find(indexed.id));

  std::set<std::string> survivors(foreign.begin(), foreign.end());
  survivors.insert("gemini_image_20240101_000000_aaaaaaaa.png");
  survivors.insert("gemini_image_20240101_000000_bbbbbbbb.png");
  EXPECT_EQ(list_dir(dir), survivors);
  EXPECT_TRUE(fs::is_symlink(dir / "gemini_image_20240101_000000_aaaaaaaa.png"));
  EXPECT_EQ(slurp(target), "target");
  EXPECT_EQ(run(store_.cleanup_expired()), 0u);
}

TEST_F(ImageStoreTest, CleanupDeletesSidecarsWithTheirImagesAndOldOrphans) {
  const StoredImage saved = save();
  const fs::path image = path_of(saved);
  const Clock::time_point start = clock_.now();
  // A sidecar whose image was deleted by hand, old and fresh.
  const auto old_orphan = dir_.write_file("images/gemini_image_20240101_000000_0123abcd.png.json", "{}");
  set_mtime(old_orphan, start - 1h);
  const auto fresh_orphan = dir_.write_file("images/gemini_image_20240101_000000_89abcdef.png.json", "{}");
  set_mtime(fresh_orphan, start);
  const auto foreign = dir_.write_file("images/notes.json", "{}");
  set_mtime(foreign, start - 24h);

  EXPECT_EQ(run(store_.cleanup_expired()), 0u) << "orphan sidecars are not images";
  EXPECT_FALSE(fs::exists(old_orphan));
  EXPECT_TRUE(fs::exists(fresh_orphan));
  EXPECT_TRUE(fs::exists(sidecar_path(image)));

  clock_.advance(16min);
  EXPECT_EQ(run(store_.cleanup_expired()), 1u);
  EXPECT_FALSE(fs::exists(image));
  EXPECT_FALSE(fs::exists(sidecar_path(image)));
  EXPECT_FALSE(fs::exists(fresh_orphan)) << "now old enough too";
  EXPECT_EQ(list_dir(images()), std::set<std::string>{"notes.json"});
}

TEST_F(ImageStoreTest, RestoreListsThePreviousRunsImagesAndDropsTempFiles) {
  const StoredImage kept = save("", "png", {"a red fox", 42, 7, "m1"});
  clock_.advance(1min);
  const StoredImage jpeg = save(testing::make_jpeg(), "jpg", {"一只猫", 43, 0, "m2"});
  const Clock::time_point now = clock_.now();
  // From an older version: no sidecar; aged by modification time.
  const auto bare =
      dir_.write_file("images/gemini_image_20240101_000000_0123abcd.webp", testing::make_webp());
  set_mtime(bare, now - 2min);
  const auto stale = dir_.write_file("images/gemini_image_20240101_000000_89abcdef.png", "stale");
  set_mtime(stale, now - 1h);
  // A sidecar that is not one of ours keeps the image listed, without meta.
  const auto garbled = dir_.write_file("images/gemini_image_20240101_000000_aaaaaaaa.png", "garbled");
  set_mtime(garbled, now - 1min);
  dir_.write_file("images/gemini_image_20240101_000000_aaaaaaaa.png.json", R"({"id": "../x"})");
  // Interrupted writes, and a dot file that is not ours.
  dir_.write_file("images/.gemini_image_20240101_000000_bbbbbbbb.png.tmp", "half");
  dir_.write_file("images/.gemini_image_20240101_000000_bbbbbbbb.png.json.tmp", "{");
  dir_.write_file("images/.notes.tmp", "keep");

  LocalImageStore restarted(io_.get_executor(), pool_, clock_, {images(), 15min, 1s});
  EXPECT_EQ(run(restarted.restore()), 4u);
  const auto listed = restarted.recent(10);
  ASSERT_EQ(listed.size(), 4u);
  const auto found = restarted.find(kept.id);
  ASSERT_TRUE(found) << "the sidecar's id survives the restart";
  EXPECT_EQ(restarted.local_file(*found), path_of(kept));
  EXPECT_EQ(found->created, kept.created);
  EXPECT_EQ(found->meta.prompt, "a red fox");
  EXPECT_EQ(found->meta.user_id, 42);
  EXPECT_EQ(found->meta.group_id, 7);
  EXPECT_EQ(found->meta.model, "m1");
  EXPECT_EQ(found->mime, "image/png");
  EXPECT_EQ(found->size, kept.size);
  const auto cat = restarted.find(jpeg.id);
  ASSERT_TRUE(cat);
  EXPECT_EQ(cat->meta.prompt, "一只猫");
  EXPECT_EQ(cat->mime, "image/jpeg");
  for (const auto& image : listed) {
    if (restarted.local_file(image) == bare || restarted.local_file(image) == garbled) {
      EXPECT_TRUE(image.meta.prompt.empty());
      EXPECT_EQ(image.id.size(), 32u);
    }
  }
  auto bytes = run(restarted.read(*found));
  ASSERT_TRUE(bytes.ok());
  EXPECT_EQ(*bytes, slurp(path_of(kept)));

  const auto names = list_dir(images());
  EXPECT_FALSE(names.contains(".gemini_image_20240101_000000_bbbbbbbb.png.tmp"));
  EXPECT_FALSE(names.contains(".gemini_image_20240101_000000_bbbbbbbb.png.json.tmp"));
  EXPECT_TRUE(names.contains(".notes.tmp"));
  EXPECT_TRUE(names.contains(stale.filename().string())) << "restore lists; the sweep deletes";
  EXPECT_EQ(run(restarted.restore()), 0u) << "already indexed images are not listed twice";
}

TEST_F(ImageStoreTest, PromptThatIsNotUtf8IsStillSaved) {
  const StoredImage image = save("", "png", {std::string("bad \xff byte"), 1, 0, "m"});
  const auto sidecar = nlohmann::json::parse(slurp(sidecar_path(path_of(image))));
  EXPECT_EQ(sidecar["prompt"], "bad \xEF\xBF\xBD byte");
}

TEST_F(ImageStoreTest, CleanupOfAMissingDirectoryDeletesNothing) {
  EXPECT_EQ(run(store_.cleanup_expired()), 0u);
}

TEST_F(ImageStoreTest, TimerSweepsWithoutANewSave) {
  const fs::path image = path_of(save());
  clock_.advance(16min);
  store_.start();
  io_.restart();
  const auto give_up = std::chrono::steady_clock::now() + 10s;
  while (fs::exists(image) && std::chrono::steady_clock::now() < give_up) io_.run_one_for(100ms);
  EXPECT_FALSE(fs::exists(image));
  store_.stop();
  io_.run_for(2s);  // the loop ends once stopped, so run() returns early
}

TEST_F(ImageStoreTest, UnwritableDirectoryIsAClearDiskError) {
  // Root ignores permission bits, so make the directory impossible instead:
  // its parent is a regular file.
  const auto blocker = dir_.write_file("blocker", "a file, not a directory");
  LocalImageStore store(io_.get_executor(), pool_, clock_, {blocker / "images"});
  auto saved = run(store.save(testing::make_png(), "png", {}));
  ASSERT_FALSE(saved.ok());
  EXPECT_EQ(saved.error().code, "disk");
  EXPECT_NE(saved.error().message.find("Not a directory"), std::string::npos) << saved.error().message;
  EXPECT_NE(saved.error().message.find(blocker.string()), std::string::npos) << saved.error().message;
  EXPECT_TRUE(store.recent(10).empty());
}

}  // namespace
}  // namespace picbot::image
