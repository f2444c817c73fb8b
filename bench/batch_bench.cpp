// batch_bench: what `picbot batch` costs. Writes N PNG images of S MB into a
// temporary folder, starts an in-process cheap Gemini upstream (CheapUpstream
// below: one thread per connection, request bodies counted and discarded, one
// prebuilt answer after D ms, so the fake is not what is measured), runs the
// real picbot binary
//   picbot batch --input-dir ... --max-concurrent C --json
// and measures it from outside: wall time (spawn to exit), the child's CPU
// (user + system, from wait4's rusage) and its peak RSS (ru_maxrss).
//
//   batch_bench --picbot PATH [--images N] [--mb S] [--delay-ms D] [--concurrent C]
//
// Prints "RESULT <metric> <value> <unit>" lines. Exit status 0 when every
// image came back, 1 otherwise, 2 on a usage error or when picbot cannot run.
#include <arpa/inet.h>
#include <fcntl.h>
#include <fmt/format.h>
#include <netinet/in.h>
#include <spawn.h>
#include <strings.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "bot/onebot/base64.h"
#include "tests/fakes/openrouter/fake_images.h"

extern char** environ;

namespace {

namespace fs = std::filesystem;

// A Gemini generateContent upstream that costs next to nothing: each
// connection gets its own thread (curl keeps up to --concurrent connections
// open), reads a request's headers, counts and discards its Content-Length
// body, waits the delay (the simulated model's latency, per connection) and
// writes one prebuilt answer. The answer has the shape FakeGemini's kImage
// script sends (tests/fakes/gemini/fake_gemini.cpp, after the real API).
class CheapUpstream {
 public:
  CheapUpstream(std::chrono::milliseconds delay, const std::string& png) : delay_(delay) {
    const std::string body =
        R"({"candidates":[{"content":{"role":"model","parts":[{"text":"Here is your picture."},)"
        R"({"inlineData":{"mimeType":"image/png","data":")" +
        picbot::onebot::base64_encode(png) + R"("}}]},"finishReason":"STOP"}]})";
    answer_ = fmt::format("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{}",
                          body.size(), body);
    listener_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    if (listener_ < 0 || ::bind(listener_, reinterpret_cast<sockaddr*>(&addr), len) != 0 ||
        ::listen(listener_, 256) != 0 ||
        ::getsockname(listener_, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
      std::perror("batch_bench: upstream");
      std::exit(2);
    }
    port_ = ntohs(addr.sin_port);
    acceptor_ = std::thread([this] { accept_loop(); });
  }
  ~CheapUpstream() {
    ::shutdown(listener_, SHUT_RDWR);
    ::close(listener_);
    acceptor_.join();
    for (std::thread& t : connections_) t.join();
  }
  std::string api_base() const { return fmt::format("http://127.0.0.1:{}/v1beta", port_); }
  std::size_t requests() const { return requests_.load(); }
  std::uint64_t body_bytes() const { return body_bytes_.load(); }

 private:
  void accept_loop() {
    for (;;) {
      const int fd = ::accept(listener_, nullptr, nullptr);
      if (fd < 0) return;
      connections_.emplace_back([this, fd] { serve(fd); });
    }
  }
  // Keep-alive: requests one after another until the peer closes.
  void serve(int fd) {
    std::string head;
    std::vector<char> buffer(256 * 1024);
    for (;;) {
      std::size_t end = std::string::npos;
      while ((end = head.find("\r\n\r\n")) == std::string::npos) {
        const ssize_t n = ::recv(fd, buffer.data(), buffer.size(), 0);
        if (n <= 0 || head.size() > 64 * 1024) return finish(fd);
        head.append(buffer.data(), static_cast<std::size_t>(n));
      }
      std::size_t length = 0;
      for (std::size_t at = head.find('\n'); at < end; at = head.find('\n', at + 1)) {
        if (strncasecmp(head.c_str() + at + 1, "content-length:", 15) == 0)
          length = std::strtoull(head.c_str() + at + 16, nullptr, 10);
      }
      // Bytes after the headers already received belong to the body (or the next request).
      std::size_t have = head.size() - (end + 4);
      std::size_t left = length > have ? length - have : 0;
      head.erase(0, end + 4 + std::min(length, have));
      while (left > 0) {
        const ssize_t n = ::recv(fd, buffer.data(), std::min(left, buffer.size()), 0);
        if (n <= 0) return finish(fd);
        left -= static_cast<std::size_t>(n);
      }
      body_bytes_ += length;
      ++requests_;
      std::this_thread::sleep_for(delay_);  // the model's latency, not synchronisation
      for (std::size_t sent = 0; sent < answer_.size();) {
        const ssize_t n = ::send(fd, answer_.data() + sent, answer_.size() - sent, MSG_NOSIGNAL);
        if (n <= 0) return finish(fd);
        sent += static_cast<std::size_t>(n);
      }
    }
  }
  static void finish(int fd) { ::close(fd); }

  std::chrono::milliseconds delay_;
  std::string answer_;
  int listener_ = -1;
  int port_ = 0;
  std::thread acceptor_;
  std::vector<std::thread> connections_;  // only the acceptor thread touches it until joined
  std::atomic<std::size_t> requests_{0};
  std::atomic<std::uint64_t> body_bytes_{0};
};

// The 1-minute load average (/proc/loadavg), to report next to the wall time.
double load_average() {
  double load = 0;
  std::ifstream("/proc/loadavg") >> load;
  return load;
}

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

  CheapUpstream gemini(std::chrono::milliseconds(delay_ms), picbot::testing::make_png("answer"));
  std::ofstream(dir / "picbot.yaml") << "image_providers:\n  gemini:\n    type: gemini\n    api_base: \""
                                     << gemini.api_base()
                                     << "\"\n    api_keys: [\"AIzaSyBenchKey000000000000000000000001\"]\n";

  const double load_before = load_average();
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
  std::printf("RESULT batch_requests %zu count\n", gemini.requests());
  std::printf("RESULT batch_request_mb %.1f MB\n",
              static_cast<double>(gemini.body_bytes()) / (1024.0 * 1024.0));
  std::printf("RESULT batch_load_avg_start %.2f load\n", load_before);
  std::printf("RESULT batch_load_avg_end %.2f load\n", load_average());
  fs::remove_all(dir, ec);
  const bool ok =
      WIFEXITED(status) && WEXITSTATUS(status) == 0 && results == static_cast<std::size_t>(images);
  if (!ok) std::fprintf(stderr, "batch_bench: picbot exited %d with %zu results\n", status, results);
  return ok ? 0 : 1;
}
