#include "batch/output_tree.h"

#include <fstream>

#include "bot/config/config_writer.h"

namespace picbot::batch {
namespace fs = std::filesystem;

namespace {

constexpr std::string_view kResultSuffix = "_result.txt";

Status write_file(const fs::path& path, std::string_view data) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(data.data(), static_cast<std::streamsize>(data.size()));
  out.close();
  if (!out) return Error::make("io", "cannot write " + path.string());
  return {};
}

}  // namespace

Status OutputTree::prepare() const {
  for (const fs::path& dir : {successful(), failed(), metadata()}) {
    std::error_code ec;
    fs::create_directories(dir, ec);
    if (ec) return Error::make("io", dir.string() + ": " + ec.message());
  }
  return {};
}

std::set<std::string> OutputTree::finished_stems() const {
  std::set<std::string> stems;
  std::error_code ec;
  for (fs::directory_iterator it(successful(), ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (name.size() > kResultSuffix.size() && name.ends_with(kResultSuffix)) {
      stems.insert(name.substr(0, name.size() - kResultSuffix.size()));
    }
  }
  return stems;
}

Status OutputTree::write_result(const std::string& stem, const image::GeneratedImage& image,
                                const std::string& report) const {
  if (Status s = write_file(successful() / (stem + "_result." + image.extension), image.bytes); !s) return s;
  if (Status s = write_file(successful() / (stem + std::string(kResultSuffix)), report); !s) return s;
  std::error_code ec;
  fs::remove(failed() / (stem + "_error.log"), ec);
  return {};
}

Status OutputTree::write_error_log(const std::string& stem, const std::string& log) const {
  return write_file(failed() / (stem + "_error.log"), log);
}

Status OutputTree::write_metadata(const std::string& name, const nlohmann::json& value) const {
  return config::replace_file(metadata() / name, value.dump(2) + "\n", 0644);
}

}  // namespace picbot::batch
