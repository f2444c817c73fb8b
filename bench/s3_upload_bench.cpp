// s3_upload_bench: upload throughput of S3Client (image/storage/s3) to a local
// S3rver (tests/support/s3_server.h), side by side in one run with boto3's
// upload_file (tests/s3/boto3_upload.py, its default transfer settings) to
// the same server, for 2 MB and 20 MB objects. Each upload reads the file
// and puts it (upload_file does the same). Goal (issue 18): picbot >= 90% of
// boto3's throughput. Also picbot's CPU per upload (this process, all
// threads: hashing on the WorkerPool, curl, the loop).
//
//   s3_upload_bench [--runs N] [--check]
//
// Samples alternate between picbot and boto3 in rounds (4 uploads a side by
// default), so a change in the machine's load hits both; the figures are
// medians. --runs is the number of timed uploads per side and size. --check exits 1 when a size misses the
// goal. Besides the table it prints machine-readable lines for bench/run.sh:
//   RESULT s3_upload_ratio_<N>MB <percent> %
//   RESULT s3_upload_picbot_<N>MB <MB/s> MB/s
//   RESULT s3_upload_boto3_<N>MB <MB/s> MB/s
//   RESULT s3_upload_cpu_<N>MB <ms> ms          (picbot, per upload)
//   RESULT s3_upload_boto3_cpu_<N>MB <ms> ms    (the Python process, per upload)
#include <time.h>

#include <algorithm>
#include <boost/asio/io_context.hpp>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <vector>

#include "bot/core/worker_pool.h"
#include "bot/net/http_client.h"
#include "image/storage/s3/s3_client.h"
#include "tests/support/paths.h"
#include "tests/support/python_script.h"
#include "tests/support/run_coroutine.h"
#include "tests/support/s3_server.h"
#include "tests/support/temp_dir.h"

namespace {

using namespace picbot;
using Seconds = std::chrono::duration<double>;

double process_cpu_seconds() {
  timespec t{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_nsec) / 1e9;
}

double median(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  const std::size_t n = values.size();
  return n % 2 == 1 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
}

// The whole file in one read (what a store reading its local copy does).
std::string read_file(const std::string& path) {
  std::ifstream file(path, std::ios::binary | std::ios::ate);
  std::string bytes(static_cast<std::size_t>(file.tellg()), '\0');
  file.seekg(0);
  file.read(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  return bytes;
}

struct Side {
  std::vector<double> seconds;
  double cpu_seconds = 0;
};

// One round of boto3 uploads of `file` (runs of them, timed inside Python).
bool boto3_round(const testing::S3Server& server, const std::string& file, int runs, Side& out) {
  auto ran =
      testing::run_python(testing::source_dir() / "tests/s3/boto3_upload.py",
                          {server.endpoint(), "picbot", file, std::to_string(runs)}, std::chrono::minutes(5));
  if (!ran.ok()) {
    std::fprintf(stderr, "boto3_upload.py: %s\n", ran.error().to_string().c_str());
    return false;
  }
  const std::string& text = ran.value();
  const std::size_t line = text.rfind('{');
  try {
    const auto result = nlohmann::json::parse(text.substr(line == std::string::npos ? 0 : line));
    for (double s : result["seconds"]) out.seconds.push_back(s);
    out.cpu_seconds += result["cpu_seconds"].get<double>();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "boto3_upload.py printed no result: %s\n%s\n", e.what(), text.c_str());
    return false;
  }
  return true;
}

// One round of S3Client uploads: read the file, put it.
bool picbot_round(boost::asio::io_context& io, image::s3::S3Client& s3, const std::string& file, int runs,
                  int round, Side& out) {
  const double cpu_start = process_cpu_seconds();
  for (int i = 0; i < runs; ++i) {
    const auto start = std::chrono::steady_clock::now();
    std::string bytes = read_file(file);
    const std::string key = "bench/picbot-" + std::to_string(round) + "-" + std::to_string(i);
    Status put =
        testing::run_coroutine(io, s3.put(key, std::move(bytes), "image/png", ""), std::chrono::minutes(2));
    if (!put.ok()) {
      std::fprintf(stderr, "S3Client put: %s\n", put.error().to_string().c_str());
      return false;
    }
    out.seconds.push_back(Seconds(std::chrono::steady_clock::now() - start).count());
  }
  out.cpu_seconds += process_cpu_seconds() - cpu_start;
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  int runs = 20;
  bool check = false;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--runs" && i + 1 < argc) {
      runs = std::max(2, std::atoi(argv[++i]));
    } else if (arg == "--check") {
      check = true;
    } else {
      std::fprintf(stderr, "usage: s3_upload_bench [--runs N] [--check]\n");
      return 2;
    }
  }
  if (const std::string reason = testing::S3Server::unavailable_reason(); !reason.empty()) {
    std::fprintf(stderr, "s3_upload_bench: %s\n", reason.c_str());
    return 2;
  }
  if (!testing::python_has_module("boto3")) {
    std::fprintf(stderr,
                 "s3_upload_bench: python3-boto3 is not installed (scripts/install-deps.sh --bench)\n");
    return 2;
  }
  auto started = testing::S3Server::start();
  if (!started.ok()) {
    std::fprintf(stderr, "s3_upload_bench: %s\n", started.error().to_string().c_str());
    return 2;
  }
  testing::S3Server& server = *started.value();

  boost::asio::io_context io;
  net::HttpClient http(io.get_executor());
  WorkerPool workers(2);
  image::s3::S3Settings settings;
  settings.endpoint = server.endpoint();
  settings.region = "us-east-1";
  settings.bucket = "picbot";
  settings.access_key_id = testing::S3Server::kAccessKeyId;
  settings.secret_access_key = testing::S3Server::kSecretAccessKey;
  auto made = image::s3::S3Client::create(settings, http, workers, Clock::system());
  if (!made.ok()) {
    std::fprintf(stderr, "s3_upload_bench: %s\n", made.error().to_string().c_str());
    return 2;
  }
  image::s3::S3Client& s3 = *made.value();

  testing::TempDir dir;
  std::mt19937 random(18);
  bool all_met = true;
  std::printf("%-6s | %-16s | %-16s | %-7s | %-22s | %s\n", "size", "picbot MB/s", "boto3 MB/s", "ratio",
              "picbot CPU per upload", "boto3 CPU per upload");
  for (const int mb : {2, 20}) {
    // Random bytes: an image compresses no better.
    std::string bytes(static_cast<std::size_t>(mb) * 1000 * 1000, '\0');
    for (char& c : bytes) c = static_cast<char>(random());
    const std::string file = dir.write_file("upload-" + std::to_string(mb) + "MB.bin", bytes).string();
    Side picbot, boto3;
    Side warmup;
    if (!picbot_round(io, s3, file, 1, -1, warmup)) return 2;
    // Rounds of 4 uploads a side (a Python start per boto3 round), at least 2.
    const int rounds = std::max(2, runs / 4);
    const int per_round = std::max(1, runs / rounds);
    for (int round = 0; round < rounds; ++round) {
      if (!picbot_round(io, s3, file, per_round, round, picbot)) return 2;
      if (!boto3_round(server, file, per_round, boto3)) return 2;
    }
    const double picbot_rate = mb / median(picbot.seconds);
    const double boto3_rate = mb / median(boto3.seconds);
    const double ratio = 100 * picbot_rate / boto3_rate;
    const double picbot_cpu_ms = 1000 * picbot.cpu_seconds / static_cast<double>(picbot.seconds.size());
    const double boto3_cpu_ms = 1000 * boto3.cpu_seconds / static_cast<double>(boto3.seconds.size());
    std::printf("%3d MB | %16.1f | %16.1f | %6.0f%% | %19.1f ms | %.1f ms\n", mb, picbot_rate, boto3_rate,
                ratio, picbot_cpu_ms, boto3_cpu_ms);
    std::printf("RESULT s3_upload_ratio_%dMB %.1f %%\n", mb, ratio);
    std::printf("RESULT s3_upload_picbot_%dMB %.1f MB/s\n", mb, picbot_rate);
    std::printf("RESULT s3_upload_boto3_%dMB %.1f MB/s\n", mb, boto3_rate);
    std::printf("RESULT s3_upload_cpu_%dMB %.2f ms\n", mb, picbot_cpu_ms);
    std::printf("RESULT s3_upload_boto3_cpu_%dMB %.2f ms\n", mb, boto3_cpu_ms);
    all_met = all_met && ratio >= 90;
  }
  return check && !all_met ? 1 : 0;
}
