#include "bot/core/metrics.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstdint>

namespace picbot {
namespace {

std::string escape_label(std::string_view value) {
  std::string out;
  for (char c : value) {
    if (c == '\\')
      out += "\\\\";
    else if (c == '"')
      out += "\\\"";
    else if (c == '\n')
      out += "\\n";
    else
      out += c;
  }
  return out;
}

std::string render_labels(const Metrics::Labels& labels, std::string_view extra_key = {},
                          std::string_view extra_value = {}) {
  if (labels.empty() && extra_key.empty()) return {};
  std::string out = "{";
  bool first = true;
  for (const auto& [key, value] : labels) {
    out += (first ? "" : ",") + key + "=\"" + escape_label(value) + "\"";
    first = false;
  }
  if (!extra_key.empty())
    out += (first ? "" : ",") + std::string(extra_key) + "=\"" + std::string(extra_value) + "\"";
  return out + "}";
}

std::string number(double value) {
  if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
  if (value == std::floor(value) && std::fabs(value) < 1e15)
    return fmt::format("{}", static_cast<long long>(value));
  return fmt::format("{}", value);
}

}  // namespace

const std::vector<double>& Metrics::default_buckets() {
  static const std::vector<double> buckets{0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120};
  return buckets;
}

Metrics::Family& Metrics::family(std::string_view name, std::string_view help, bool histogram) {
  auto it = families_.find(name);
  if (it == families_.end()) {
    it = families_.emplace(std::string(name), Family{}).first;
    it->second.help = std::string(help);
    it->second.histogram = histogram;
  }
  return it->second;
}

void Metrics::increment(std::string_view name, std::string_view help, const Labels& labels, double delta) {
  std::lock_guard lock(mutex_);
  Family& f = family(name, help, false);
  if (!f.histogram && delta > 0) f.series[labels].value += delta;
}

void Metrics::set_counter(std::string_view name, std::string_view help, const Labels& labels, double value) {
  std::lock_guard lock(mutex_);
  Family& f = family(name, help, false);
  if (!f.histogram) f.series[labels].value = value;
}

void Metrics::fix_buckets(Family& f, const std::vector<double>& buckets) {
  if (!f.buckets.empty()) return;
  f.buckets = buckets;
  std::sort(f.buckets.begin(), f.buckets.end());
}

void Metrics::add_observation(Family& f, Series& s, double value) {
  s.counts.resize(f.buckets.size());
  const auto slot = std::lower_bound(f.buckets.begin(), f.buckets.end(), value) - f.buckets.begin();
  if (static_cast<std::size_t>(slot) < f.buckets.size()) ++s.counts[slot];
  ++s.count;
  s.sum += value;
}

void Metrics::observe(std::string_view name, std::string_view help, double value, const Labels& labels,
                      const std::vector<double>& buckets) {
  std::lock_guard lock(mutex_);
  Family& f = family(name, help, true);
  if (!f.histogram) return;
  fix_buckets(f, buckets);
  add_observation(f, f.series[labels], value);
}

Metrics::Counter Metrics::counter(std::string_view name, std::string_view help, const Labels& labels) {
  std::lock_guard lock(mutex_);
  Family& f = family(name, help, false);
  if (f.histogram) return Counter(this, nullptr);
  return Counter(this, &f.series[labels]);
}

Metrics::Histogram Metrics::histogram(std::string_view name, std::string_view help, const Labels& labels,
                                      const std::vector<double>& buckets) {
  std::lock_guard lock(mutex_);
  Family& f = family(name, help, true);
  if (!f.histogram) return Histogram(this, &f, nullptr);
  fix_buckets(f, buckets);
  Series& s = f.series[labels];
  s.counts.resize(f.buckets.size());
  return Histogram(this, &f, &s);
}

void Metrics::Counter::increment(double delta) const {
  if (series_ == nullptr || !(delta > 0)) return;
  std::lock_guard lock(metrics_->mutex_);
  series_->value += delta;
}

void Metrics::Histogram::observe(double value) const {
  if (series_ == nullptr) return;
  std::lock_guard lock(metrics_->mutex_);
  add_observation(*family_, *series_, value);
}

std::string Metrics::render() const {
  std::lock_guard lock(mutex_);
  std::string out;
  for (const auto& [name, f] : families_) {
    out += "# HELP " + name + " " + f.help + "\n";
    out += "# TYPE " + name + (f.histogram ? " histogram\n" : " counter\n");
    for (const auto& [labels, s] : f.series) {
      if (!f.histogram) {
        out += name + render_labels(labels) + " " + number(s.value) + "\n";
        continue;
      }
      std::uint64_t cumulative = 0;
      for (std::size_t i = 0; i < f.buckets.size(); ++i) {
        cumulative += i < s.counts.size() ? s.counts[i] : 0;
        out += name + "_bucket" + render_labels(labels, "le", number(f.buckets[i])) + " " +
               std::to_string(cumulative) + "\n";
      }
      out += name + "_bucket" + render_labels(labels, "le", "+Inf") + " " + std::to_string(s.count) + "\n";
      out += name + "_sum" + render_labels(labels) + " " + number(s.sum) + "\n";
      out += name + "_count" + render_labels(labels) + " " + std::to_string(s.count) + "\n";
    }
  }
  return out;
}

}  // namespace picbot
