// Process-wide metrics: counters, gauges and histograms, grouped in
// families that share a name and a fixed list of label names. Finding a
// series takes the family's mutex (once, at setup); updating one is a
// relaxed atomic operation, so instrumented code keeps the reference it got
// and pays nothing else on its hot path.
//
// Label values must come from small sets (platform kind, bot name, shard,
// node path, status class, reason), never from users. A family holds at
// most `max_series` series plus one whose values are all `other`: label sets
// beyond the cap share that one, and the family counts how often that
// happened.
//
// Series live as long as the process: references never dangle.

#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace tether::metrics {

enum class metric_type { counter, gauge, histogram };

const char* to_string(metric_type x);

// -- series -------------------------------------------------------------------

/// A value that only goes up.
class counter {
public:
  void inc(uint64_t n = 1) noexcept {
    value_.fetch_add(n, std::memory_order_relaxed);
  }

  uint64_t value() const noexcept {
    return value_.load(std::memory_order_relaxed);
  }

private:
  std::atomic<uint64_t> value_{0};
};

/// A value that goes up and down.
class gauge {
public:
  void set(double x) noexcept {
    value_.store(x, std::memory_order_relaxed);
  }

  void add(double x) noexcept;

  void inc() noexcept {
    add(1);
  }

  void dec() noexcept {
    add(-1);
  }

  double value() const noexcept {
    return value_.load(std::memory_order_relaxed);
  }

private:
  std::atomic<double> value_{0};
};

/// Observations counted into fixed buckets (upper bounds, in seconds for
/// durations), plus their sum.
class histogram {
public:
  /// `bounds` ascending, owned by the family (it outlives the series).
  explicit histogram(const std::vector<double>* bounds);

  /// Counts `x` into the first bucket whose bound is >= x (the last,
  /// +Inf, when none is). NaN is ignored.
  void observe(double x) noexcept;

  /// Bucket counts, cumulative as Prometheus wants them; the last entry is
  /// +Inf, i.e. the count.
  std::vector<uint64_t> cumulative() const;

  double sum() const noexcept {
    return sum_.load(std::memory_order_relaxed);
  }

  uint64_t count() const;

  const std::vector<double>& bounds() const noexcept {
    return *bounds_;
  }

private:
  const std::vector<double>* bounds_;
  // One per bound plus +Inf; not cumulative (one add per observation).
  std::unique_ptr<std::atomic<uint64_t>[]> counts_;
  std::atomic<double> sum_{0};
};

/// Holds +1 on a gauge while it lives (a connection that is up): acquire()
/// adds one, release() or the destructor takes it back, once.
class gauge_hold {
public:
  gauge_hold() = default;

  gauge_hold(const gauge_hold&) = delete;
  gauge_hold& operator=(const gauge_hold&) = delete;

  gauge_hold(gauge_hold&& other) noexcept : gauge_(other.gauge_) {
    other.gauge_ = nullptr;
  }

  gauge_hold& operator=(gauge_hold&& other) noexcept;

  ~gauge_hold() {
    release();
  }

  /// Does nothing when `g` is held already; moves the hold otherwise.
  void acquire(gauge& g) noexcept;

  void release() noexcept;

  bool held() const noexcept {
    return gauge_ != nullptr;
  }

private:
  gauge* gauge_ = nullptr;
};

// -- families -----------------------------------------------------------------

/// What a scrape sees of one series.
struct series_view {
  std::vector<std::string> labels;
  /// Counter or gauge value.
  double value = 0;
  /// Histograms: cumulative bucket counts (last = +Inf), sum.
  std::vector<uint64_t> buckets;
  double sum = 0;
};

/// What a scrape sees of one family.
struct family_view {
  std::string name;
  std::string help;
  metric_type type = metric_type::counter;
  std::vector<std::string> label_names;
  /// Histograms: the bucket bounds (without +Inf).
  std::vector<double> bounds;
  /// Ordered by label values.
  std::vector<series_view> series;
  /// Lookups that got the `other` series because the family was full.
  uint64_t folded = 0;
};

class family_base {
public:
  family_base(std::string name, std::string help, metric_type type,
              std::vector<std::string> label_names, size_t max_series);

  virtual ~family_base();

  const std::string& name() const noexcept {
    return name_;
  }

  metric_type type() const noexcept {
    return type_;
  }

  const std::vector<std::string>& label_names() const noexcept {
    return label_names_;
  }

  size_t max_series() const noexcept {
    return max_series_;
  }

  uint64_t folded() const noexcept {
    return folded_.load(std::memory_order_relaxed);
  }

  /// A consistent-enough copy for one scrape (each value is read once).
  virtual family_view view() const = 0;

protected:
  /// Checks the number of `values`; returns them, or the all-`other` key
  /// (and counts the fold) when `size` series exist already.
  std::vector<std::string> admit(const std::vector<std::string>& values,
                                 size_t size);

  family_view view_header() const;

  mutable std::mutex mtx_;

private:
  std::string name_;
  std::string help_;
  metric_type type_;
  std::vector<std::string> label_names_;
  size_t max_series_;
  std::atomic<uint64_t> folded_{0};
};

/// Series of one metric type under one name.
template <class Metric>
class family : public family_base {
public:
  /// `bounds` only for histograms: ascending bucket bounds.
  family(std::string name, std::string help,
         std::vector<std::string> label_names, size_t max_series,
         std::vector<double> bounds = {});

  /// The series for `values` (one per label name, in order), made on first
  /// use. Takes a mutex: call once and keep the reference. Throws
  /// std::invalid_argument when the number of values is wrong.
  Metric& with(const std::vector<std::string>& values);

  /// The only series of a family without labels.
  Metric& get() {
    return with({});
  }

  /// Series made so far, `other` included.
  size_t size() const {
    std::lock_guard<std::mutex> guard{mtx_};
    return series_.size();
  }

  const std::vector<double>& bounds() const noexcept {
    return bounds_;
  }

  family_view view() const override;

private:
  std::vector<double> bounds_;
  std::map<std::vector<std::string>, std::unique_ptr<Metric>> series_;
};

extern template class family<counter>;
extern template class family<gauge>;
extern template class family<histogram>;

// -- buckets ------------------------------------------------------------------

/// Prometheus' default buckets, 5 ms .. 10 s.
const std::vector<double>& default_buckets();

/// Finer steps between 5 ms and 5 s, for end-to-end message latency (the
/// target is P99 < 500 ms, so the buckets around it are narrow).
const std::vector<double>& latency_buckets();

// -- registry -----------------------------------------------------------------

/// Default cap on series per family.
constexpr size_t default_max_series = 200;

class registry {
public:
  registry() = default;

  registry(const registry&) = delete;
  registry& operator=(const registry&) = delete;

  /// The daemon's registry; never destroyed (actors may still count while
  /// the process exits).
  static registry& global();

  /// The family named `name`, registered on first call. Calling again with
  /// the same name returns the same family when type and label names match
  /// and throws std::logic_error otherwise; a bad name, label name or
  /// bucket list throws std::invalid_argument.
  family<counter>& counter_family(const std::string& name,
                                  const std::string& help,
                                  std::vector<std::string> label_names,
                                  size_t max_series = default_max_series);

  family<gauge>& gauge_family(const std::string& name, const std::string& help,
                              std::vector<std::string> label_names,
                              size_t max_series = default_max_series);

  family<histogram>&
  histogram_family(const std::string& name, const std::string& help,
                   std::vector<std::string> label_names,
                   std::vector<double> bounds = default_buckets(),
                   size_t max_series = default_max_series);

  /// Every family, ordered by name.
  std::vector<family_view> collect() const;

private:
  template <class Metric>
  family<Metric>& add(metric_type type, const std::string& name,
                      const std::string& help,
                      std::vector<std::string> label_names, size_t max_series,
                      std::vector<double> bounds);

  mutable std::mutex mtx_;
  std::map<std::string, std::unique_ptr<family_base>> families_;
};

// -- the global registry ------------------------------------------------------

family<counter>& counter_family(const std::string& name,
                                const std::string& help,
                                std::vector<std::string> label_names,
                                size_t max_series = default_max_series);

family<gauge>& gauge_family(const std::string& name, const std::string& help,
                            std::vector<std::string> label_names,
                            size_t max_series = default_max_series);

family<histogram>& histogram_family(const std::string& name,
                                   const std::string& help,
                                   std::vector<std::string> label_names,
                                   std::vector<double> bounds
                                   = default_buckets(),
                                   size_t max_series = default_max_series);

/// The label value that overflowing series share.
constexpr const char* other_label = "other";

} // namespace tether::metrics
