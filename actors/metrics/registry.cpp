#include "actors/metrics/registry.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace tether::metrics {

namespace {

bool valid_name(const std::string& x, bool colon_ok) {
  if (x.empty())
    return false;
  for (size_t i = 0; i < x.size(); ++i) {
    auto c = x[i];
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'
              || (colon_ok && c == ':') || (i > 0 && c >= '0' && c <= '9');
    if (!ok)
      return false;
  }
  return true;
}

void check(const std::string& name, metric_type type,
           const std::vector<std::string>& label_names,
           const std::vector<double>& bounds) {
  if (!valid_name(name, true))
    throw std::invalid_argument("bad metric name: " + name);
  for (auto& label : label_names) {
    if (!valid_name(label, false) || label.compare(0, 2, "__") == 0)
      throw std::invalid_argument("bad label name " + label + " in " + name);
    if (type == metric_type::histogram && label == "le")
      throw std::invalid_argument("histogram " + name + " cannot use le");
  }
  auto sorted = label_names;
  std::sort(sorted.begin(), sorted.end());
  if (std::adjacent_find(sorted.begin(), sorted.end()) != sorted.end())
    throw std::invalid_argument("duplicate label name in " + name);
  if (type != metric_type::histogram)
    return;
  if (bounds.empty())
    throw std::invalid_argument("histogram " + name + " without buckets");
  for (size_t i = 0; i < bounds.size(); ++i)
    if (!std::isfinite(bounds[i]) || (i > 0 && bounds[i] <= bounds[i - 1]))
      throw std::invalid_argument("histogram " + name
                                  + ": buckets must be finite and ascending");
}

} // namespace

const char* to_string(metric_type x) {
  switch (x) {
    case metric_type::counter:
      return "counter";
    case metric_type::gauge:
      return "gauge";
    case metric_type::histogram:
      return "histogram";
  }
  return "untyped";
}

// -- series -------------------------------------------------------------------

void gauge::add(double x) noexcept {
  auto old = value_.load(std::memory_order_relaxed);
  while (!value_.compare_exchange_weak(old, old + x,
                                       std::memory_order_relaxed))
    ; // retry with the value another thread wrote
}

histogram::histogram(const std::vector<double>* bounds)
  : bounds_(bounds),
    counts_(new std::atomic<uint64_t>[bounds->size() + 1]) {
  for (size_t i = 0; i <= bounds_->size(); ++i)
    counts_[i].store(0, std::memory_order_relaxed);
}

void histogram::observe(double x) noexcept {
  if (std::isnan(x))
    return;
  auto& b = *bounds_;
  // A dozen or two bounds: a linear scan beats a binary search.
  size_t i = 0;
  while (i < b.size() && x > b[i])
    ++i;
  counts_[i].fetch_add(1, std::memory_order_relaxed);
  auto old = sum_.load(std::memory_order_relaxed);
  while (!sum_.compare_exchange_weak(old, old + x, std::memory_order_relaxed))
    ; // retry with the value another thread wrote
}

std::vector<uint64_t> histogram::cumulative() const {
  std::vector<uint64_t> out(bounds_->size() + 1);
  uint64_t acc = 0;
  for (size_t i = 0; i < out.size(); ++i) {
    acc += counts_[i].load(std::memory_order_relaxed);
    out[i] = acc;
  }
  return out;
}

uint64_t histogram::count() const {
  return cumulative().back();
}

gauge_hold& gauge_hold::operator=(gauge_hold&& other) noexcept {
  if (this != &other) {
    release();
    gauge_ = other.gauge_;
    other.gauge_ = nullptr;
  }
  return *this;
}

void gauge_hold::acquire(gauge& g) noexcept {
  if (gauge_ == &g)
    return;
  release();
  gauge_ = &g;
  g.add(1);
}

void gauge_hold::release() noexcept {
  if (gauge_) {
    gauge_->add(-1);
    gauge_ = nullptr;
  }
}

// -- families -----------------------------------------------------------------

family_base::family_base(std::string name, std::string help, metric_type type,
                         std::vector<std::string> label_names,
                         size_t max_series)
  : name_(std::move(name)),
    help_(std::move(help)),
    type_(type),
    label_names_(std::move(label_names)),
    max_series_(std::max<size_t>(1, max_series)) {
  // nop
}

family_base::~family_base() {
  // nop
}

std::vector<std::string>
family_base::admit(const std::vector<std::string>& values, size_t size) {
  if (values.size() != label_names_.size())
    throw std::invalid_argument(name_ + " takes "
                                + std::to_string(label_names_.size())
                                + " label values, got "
                                + std::to_string(values.size()));
  if (size < max_series_)
    return values;
  folded_.fetch_add(1, std::memory_order_relaxed);
  return std::vector<std::string>(label_names_.size(), other_label);
}

family_view family_base::view_header() const {
  family_view out;
  out.name = name_;
  out.help = help_;
  out.type = type_;
  out.label_names = label_names_;
  out.folded = folded();
  return out;
}

template <class Metric>
family<Metric>::family(std::string name, std::string help,
                       std::vector<std::string> label_names,
                       size_t max_series, std::vector<double> bounds)
  : family_base(std::move(name), std::move(help),
                std::is_same<Metric, counter>::value ? metric_type::counter
                : std::is_same<Metric, gauge>::value ? metric_type::gauge
                                                     : metric_type::histogram,
                std::move(label_names), max_series),
    bounds_(std::move(bounds)) {
  // nop
}

template <class Metric>
Metric& family<Metric>::with(const std::vector<std::string>& values) {
  std::lock_guard<std::mutex> guard{mtx_};
  auto i = series_.find(values);
  if (i != series_.end())
    return *i->second;
  auto key = admit(values, series_.size());
  auto& ptr = series_[key];
  if (!ptr) {
    if constexpr (std::is_same<Metric, histogram>::value)
      ptr = std::make_unique<histogram>(&bounds_);
    else
      ptr = std::make_unique<Metric>();
  }
  return *ptr;
}

template <class Metric>
family_view family<Metric>::view() const {
  auto out = view_header();
  out.bounds = bounds_;
  std::lock_guard<std::mutex> guard{mtx_};
  out.series.reserve(series_.size());
  for (auto& [key, ptr] : series_) {
    series_view s;
    s.labels = key;
    if constexpr (std::is_same<Metric, histogram>::value) {
      s.buckets = ptr->cumulative();
      s.sum = ptr->sum();
    } else {
      s.value = static_cast<double>(ptr->value());
    }
    out.series.push_back(std::move(s));
  }
  return out;
}

template class family<counter>;
template class family<gauge>;
template class family<histogram>;

// -- buckets ------------------------------------------------------------------

const std::vector<double>& default_buckets() {
  static const std::vector<double> xs{0.005, 0.01, 0.025, 0.05, 0.1, 0.25,
                                      0.5,   1,    2.5,   5,    10};
  return xs;
}

const std::vector<double>& latency_buckets() {
  static const std::vector<double> xs{0.005, 0.01, 0.02, 0.03, 0.05, 0.075,
                                      0.1,   0.15, 0.2,  0.25, 0.3,  0.4,
                                      0.5,   0.75, 1,    2,    5};
  return xs;
}

// -- registry -----------------------------------------------------------------

registry& registry::global() {
  // Leaked on purpose: no destruction order to get wrong at exit.
  static auto* instance = new registry;
  return *instance;
}

template <class Metric>
family<Metric>& registry::add(metric_type type, const std::string& name,
                              const std::string& help,
                              std::vector<std::string> label_names,
                              size_t max_series, std::vector<double> bounds) {
  check(name, type, label_names, bounds);
  std::lock_guard<std::mutex> guard{mtx_};
  auto i = families_.find(name);
  if (i != families_.end()) {
    auto* existing = i->second.get();
    if (existing->type() != type || existing->label_names() != label_names)
      throw std::logic_error("metric " + name
                             + " registered twice with different types or "
                               "labels");
    return static_cast<family<Metric>&>(*existing);
  }
  auto ptr = std::make_unique<family<Metric>>(name, help,
                                              std::move(label_names),
                                              max_series, std::move(bounds));
  auto& result = *ptr;
  families_.emplace(name, std::move(ptr));
  return result;
}

family<counter>& registry::counter_family(const std::string& name,
                                          const std::string& help,
                                          std::vector<std::string> label_names,
                                          size_t max_series) {
  return add<counter>(metric_type::counter, name, help, std::move(label_names),
                      max_series, {});
}

family<gauge>& registry::gauge_family(const std::string& name,
                                      const std::string& help,
                                      std::vector<std::string> label_names,
                                      size_t max_series) {
  return add<gauge>(metric_type::gauge, name, help, std::move(label_names),
                    max_series, {});
}

family<histogram>& registry::histogram_family(
  const std::string& name, const std::string& help,
  std::vector<std::string> label_names, std::vector<double> bounds,
  size_t max_series) {
  return add<histogram>(metric_type::histogram, name, help,
                        std::move(label_names), max_series, std::move(bounds));
}

std::vector<family_view> registry::collect() const {
  std::vector<family_view> out;
  std::lock_guard<std::mutex> guard{mtx_};
  out.reserve(families_.size());
  for (auto& [name, ptr] : families_)
    out.push_back(ptr->view());
  return out;
}

// -- the global registry ------------------------------------------------------

family<counter>& counter_family(const std::string& name,
                                const std::string& help,
                                std::vector<std::string> label_names,
                                size_t max_series) {
  return registry::global().counter_family(name, help, std::move(label_names),
                                           max_series);
}

family<gauge>& gauge_family(const std::string& name, const std::string& help,
                            std::vector<std::string> label_names,
                            size_t max_series) {
  return registry::global().gauge_family(name, help, std::move(label_names),
                                         max_series);
}

family<histogram>& histogram_family(const std::string& name,
                                    const std::string& help,
                                    std::vector<std::string> label_names,
                                    std::vector<double> bounds,
                                    size_t max_series) {
  return registry::global().histogram_family(
    name, help, std::move(label_names), std::move(bounds), max_series);
}

} // namespace tether::metrics
