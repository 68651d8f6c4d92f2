#include "actors/outbox/idempotency_key.hpp"

namespace tether {

key_generator::key_generator() {
  std::random_device rd;
  salt_ = (static_cast<uint64_t>(rd()) << 32) ^ rd();
}

std::string key_generator::next() {
  // A 64-bit mix of salt and counter: distinct counters give distinct
  // values (the mix is a bijection), rendered as 16 base-36 digits.
  uint64_t x = salt_ + 0x9e3779b97f4a7c15ULL * ++counter_;
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ULL;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebULL;
  x ^= x >> 31;
  static constexpr char digits[] = "0123456789abcdefghijklmnopqrstuvwxyz";
  std::string out(16, '0');
  for (size_t i = 0; i < out.size(); ++i) {
    out[out.size() - 1 - i] = digits[x % 36];
    x /= 36;
  }
  return out;
}

} // namespace tether
