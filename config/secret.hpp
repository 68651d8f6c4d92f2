// A value that must never reach a log, the console or an error message.

#pragma once

#include <ostream>
#include <string>

namespace tether::config {

class secret {
public:
  secret() = default;

  explicit secret(std::string value) : value_(std::move(value)) {
    // nop
  }

  /// The plain value, for the one place that must send it (a header).
  const std::string& reveal() const {
    return value_;
  }

  bool empty() const {
    return value_.empty();
  }

  bool operator==(const secret& other) const {
    return value_ == other.value_;
  }

  friend std::ostream& operator<<(std::ostream& out, const secret& x) {
    return out << (x.value_.empty() ? "<unset>" : "<redacted>");
  }

private:
  std::string value_;
};

} // namespace tether::config
