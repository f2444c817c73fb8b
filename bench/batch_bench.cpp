// batch_bench: what `picbot batch` costs. Writes N PNG images of S MB into a
// temporary folder, starts an in-process FakeGemini that answers every
// request after D ms (without parsing the 2.7 MB bodies, so the fake is not
// the bottleneck), runs the real picbot binary
//   picbot batch --input-dir ... --max-concurrent C --json
// and measures it from outside: wall time (spawn to exit), the child's CPU
// (user + system, from wait4's rusage) and its peak RSS (ru_maxrss).
//
//   batch_bench --picbot PATH [--images N] [--mb S] [--delay-ms D] [--concurrent C]
//
// Prints "RESULT <metric> <value> <unit>" lines. Exit status 0 when every
// image came back, 1 otherwise, 2 on a usage error or when picbot cannot run.
#include <fmt/format.h>
#include <fcntl.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "tests/fakes/gemini/fake_gemini.h"
#include "tests/fakes/openrouter/fake_images.h"

extern char** environ;

namespace {

namespace fs = std::filesystem;

int usage() {
  std::fprintf(stderr,
               "usage: batch_bench --picbot PATH [--images N] [--mb S] [--delay-ms D] [--concurrent C]\n");
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  std::string picbot;
  int images = 1000;
  double mb = 2;
  int delay_ms = 200;
  int concurrent = 50;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (i + 1 >= argc) return usage();
    const std::string value = argv[++i];
    if (arg == "--picbot") {
      picbot = value;
    } else if (arg == "--images") {
      images = std::atoi(value.c_str());
    } else if (arg == "--mb") {
      mb = std::atof(value.c_str());
    } else if (arg == "--delay-ms") {
      delay_ms = std::atoi(value.c_str());
    } else if (arg == "--concurrent") {
      concurrent = std::atoi(value.c_str());
    } else {
      return usage();
    }
  }
  if (picbot.empty() || images < 1 || concurrent < 1) return usage();

  char pattern[] = "/tmp/picbot-batch-bench-XXXXXX";
  if (mkdtemp(pattern) == nullptr) return 2;
  const fs::path dir = pattern;
  fs::create_directories(dir / "input");
  const auto bytes = static_cast<std::size_t>(mb * 1024 * 1024);
  for (int i = 0; i < images; ++i) {
    const std::string png = picbot::testing::make_png(fmt::format("bench-{:05}", i), bytes);
    std::ofstream(dir / "input" / fmt::format("bench-{:05}.png", i), std::ios::binary) << png;
  }

  picbot::testing::FakeGemini gemini;
  gemini.set_delay(std::chrono::milliseconds(delay_ms));
  gemini.set_parse_requests(false);
  std::ofstream(dir / "picbot.yaml") << "image_providers:\n  gemini:\n    type: gemini\n    api_base: \""
                                     << gemini.api_base()
                                     << "\"\n    api_keys: [\"AIzaSyBenchKey000000000000000000000001\"]\n";

  const std::vector<std::string> args{picbot,
                                      "batch",
                                      "--input-dir",
                                      (dir / "input").string(),
                                      "--output-dir",
                                      (dir / "output").string(),
                                      "--prompt",
                                      "anime style",
                                      "--config",
                                      (dir / "picbot.yaml").string(),
                                      "--max-concurrent",
                                      std::to_string(concurrent),
                                      "--max-retries",
                                      "1",
                                      "--json",
                                      "--lang",
                                      "en"};
  std::vector<char*> argv_c;
  for (const std::string& a : args) argv_c.push_back(const_cast<char*>(a.c_str()));
  argv_c.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
  const auto started = std::chrono::steady_clock::now();
  pid_t pid = 0;
  if (posix_spawn(&pid, picbot.c_str(), &actions, nullptr, argv_c.data(), environ) != 0) {
    std::fprintf(stderr, "batch_bench: cannot start %s\n", picbot.c_str());
    return 2;
  }
  int status = 0;
  rusage usage{};
  wait4(pid, &status, 0, &usage);
  const double wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  posix_spawn_file_actions_destroy(&actions);

  std::size_t results = 0;
  std::error_code ec;
  for (fs::directory_iterator it(dir / "output" / "successful", ec), end; !ec && it != end;
       it.increment(ec)) {
    results += it->path().extension() == ".png";
  }
  const double cpu_ms = (static_cast<double>(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) * 1000.0) +
                        (static_cast<double>(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1000.0);
  const double ideal_s = static_cast<double>(images) * delay_ms / 1000.0 / concurrent;
  std::printf("RESULT batch_images %d count\n", images);
  std::printf("RESULT batch_image_mb %.2f MB\n", mb);
  std::printf("RESULT batch_concurrent %d count\n", concurrent);
  std::printf("RESULT batch_results %zu count\n", results);
  std::printf("RESULT batch_wall_s %.3f s\n", wall_s);
  std::printf("RESULT batch_ideal_s %.3f s\n", ideal_s);
  std::printf("RESULT batch_wall_over_ideal %.3f ratio\n", wall_s / ideal_s);
  std::printf("RESULT batch_cpu_per_image_ms %.3f ms\n", cpu_ms / images);
  std::printf("RESULT batch_peak_rss_kb %ld kB\n", usage.ru_maxrss);
  std::printf("RESULT batch_requests %zu count\n", gemini.call_count());
  fs::remove_all(dir, ec);
  const bool ok =
      WIFEXITED(status) && WEXITSTATUS(status) == 0 && results == static_cast<std::size_t>(images);
  if (!ok) std::fprintf(stderr, "batch_bench: picbot exited %d with %zu results\n", status, results);
  return ok ? 0 : 1;
}
