#include "protocols/gateway/named_bits.hpp"

namespace tether::gateway {

namespace {

char upper(char c) {
  return c >= 'a' && c <= 'z' ? static_cast<char>(c - 'a' + 'A') : c;
}

} // namespace

bool equal_ignoring_case(std::string_view x, std::string_view y) {
  if (x.size() != y.size()) return false;
  for (size_t i = 0; i < x.size(); ++i)
    if (upper(x[i]) != upper(y[i])) return false;
  return true;
}

std::optional<uint64_t> bit_names::find(std::string_view name) const {
  for (size_t i = 0; i < size_; ++i)
    if (equal_ignoring_case(name, first_[i].name)) return first_[i].bit;
  return std::nullopt;
}

uint64_t bit_names::bits_of(const std::vector<std::string>& names,
                            std::vector<std::string>* unknown) const {
  uint64_t bits = 0;
  for (auto& name : names) {
    if (auto bit = find(name))
      bits |= *bit;
    else if (unknown)
      unknown->push_back(name);
  }
  return bits;
}

std::optional<uint64_t> bit_names::parse(const std::vector<std::string>& names,
                                         std::string_view what,
                                         std::string* error) const {
  std::vector<std::string> unknown;
  auto bits = bits_of(names, &unknown);
  if (unknown.empty()) return bits;
  if (error) {
    *error = "unknown ";
    *error += what;
    *error += " \"";
    *error += unknown.front();
    *error += "\"; valid names: ";
    *error += valid_names();
  }
  return std::nullopt;
}

std::vector<std::string> bit_names::names_of(uint64_t bits) const {
  std::vector<std::string> result;
  for (size_t i = 0; i < canonical_; ++i) {
    if (bits & first_[i].bit) {
      result.emplace_back(first_[i].name);
      bits &= ~first_[i].bit;
    }
  }
  for (int i = 0; i < 64; ++i)
    if (bits & (uint64_t{1} << i))
      result.push_back(std::to_string(uint64_t{1} << i));
  return result;
}

std::string bit_names::valid_names() const {
  std::string result;
  for (size_t i = 0; i < canonical_; ++i) {
    if (i > 0) result += ", ";
    result += first_[i].name;
  }
  return result;
}

} // namespace tether::gateway
