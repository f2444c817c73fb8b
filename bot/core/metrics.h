// Metrics: a small registry of Prometheus counters and histograms. The host
// counts messages and OneBot API calls; plugins add their own (generations,
// latency, quota denials) through PluginContext::metrics(). /metrics renders
// it in the Prometheus text exposition format (version 0.0.4).
//
// Names follow Prometheus rules ([a-zA-Z_:][a-zA-Z0-9_:]*); counters should
// end in "_total", histograms in a unit ("_seconds"). A name keeps the help
// text and kind of its first use; label values are escaped when rendered.
// Thread-safety: every method may be called from any thread.
#pragma once

#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace picbot {

class Metrics {
 public:
  using Labels = std::vector<std::pair<std::string, std::string>>;

  // Adds delta (>= 0) to the counter name{labels}.
  void increment(std::string_view name, std::string_view help, const Labels& labels = {}, double delta = 1);
  // Sets a counter whose source keeps its own monotonic count (e.g. the
  // dispatcher's counters), read at scrape time.
  void set_counter(std::string_view name, std::string_view help, const Labels& labels, double value);
  // Records one observation in the histogram name{labels}. Buckets are
  // fixed by the first observation of a name (default: seconds, 0.05 to 120).
  void observe(std::string_view name, std::string_view help, double value, const Labels& labels = {},
               const std::vector<double>& buckets = default_buckets());

  // The whole registry in Prometheus text format, families sorted by name.
  std::string render() const;

  static const std::vector<double>& default_buckets();

 private:
  struct Series {
    double value = 0;                   // counters
    std::vector<std::uint64_t> counts;  // histograms: per bucket (not cumulative)
    std::uint64_t count = 0;
    double sum = 0;
  };
  struct Family {
    std::string help;
    bool histogram = false;
    std::vector<double> buckets;
    std::map<Labels, Series> series;
  };
  Family& family(std::string_view name, std::string_view help, bool histogram);

  mutable std::mutex mutex_;
  std::map<std::string, Family, std::less<>> families_;
};

}  // namespace picbot
