// The metrics of one webhook platform, looked up once: requests by status
// class, answer time, and errors by reason (names.hpp). The ingress puts
// the meter of a request's path into its webhook_call; respond_ok,
// respond_empty and rejections count through it.

#pragma once

#include <atomic>
#include <chrono>
#include <string>

#include "actors/metrics/registry.hpp"

namespace tether::ingress {

class webhook_meter {
public:
  /// The meter of `platform`, made on first use and kept for the process.
  static const webhook_meter& of(const std::string& platform);

  explicit webhook_meter(std::string platform);

  const std::string& platform() const noexcept {
    return platform_;
  }

  /// Counts one answer with HTTP `status`, `elapsed` after the request was
  /// complete.
  void answered(int status, std::chrono::steady_clock::duration elapsed) const;

  /// The error counter for `reason` (takes a mutex: keep it).
  metrics::counter& errors(const std::string& reason) const;

private:
  std::string platform_;
  // 1xx .. 5xx, then everything else; looked up on first use, so a scrape
  // shows only the classes that happened.
  mutable std::atomic<metrics::counter*> by_class_[6];
  metrics::histogram* duration_;
};

} // namespace tether::ingress
