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
  struct Family;
  struct Series;

 public:
  using Labels = std::vector<std::pair<std::string, std::string>>;

  // One counter series, resolved once (name, labels): increment() takes the
  // lock and adds, without building labels or looking the series up. A
  // default-constructed handle does nothing. Valid while the Metrics lives.
  class Counter {
   public:
    Counter() = default;
    void increment(double delta = 1) const;

   private:
    friend class Metrics;
    Counter(Metrics* metrics, Series* series) : metrics_(metrics), series_(series) {}
    Metrics* metrics_ = nullptr;
    Series* series_ = nullptr;  // null: the name is a histogram
  };

  // One histogram series, resolved once; see Counter.
  class Histogram {
   public:
    Histogram() = default;
    void observe(double value) const;

   private:
    friend class Metrics;
    Histogram(Metrics* metrics, Family* family, Series* series)
        : metrics_(metrics), family_(family), series_(series) {}
    Metrics* metrics_ = nullptr;
    Family* family_ = nullptr;
    Series* series_ = nullptr;  // null: the name is a counter
  };

  // The series name{labels}, created (at zero) if new; the same rules as
  // increment() and observe().
  Counter counter(std::string_view name, std::string_view help, const Labels& labels = {});
  Histogram histogram(std::string_view name, std::string_view help, const Labels& labels = {},
                      const std::vector<double>& buckets = default_buckets());

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
  // REQUIRES: mutex_ held; f.histogram.
  static void add_observation(Family& f, Series& s, double value);
  static void fix_buckets(Family& f, const std::vector<double>& buckets);

  mutable std::mutex mutex_;
  std::map<std::string, Family, std::less<>> families_;
};

}  // namespace picbot
