// Idempotency keys for replies: 16 characters of [0-9a-z], random per
// process and counted within it, so keys never repeat across restarts
// (Discord takes nonces up to 25 characters, Feishu uuids up to 50).

#pragma once

#include <cstdint>
#include <random>
#include <string>

namespace tether {

class key_generator {
public:
  key_generator();

  std::string next();

private:
  uint64_t salt_;
  uint64_t counter_ = 0;
};

} // namespace tether
