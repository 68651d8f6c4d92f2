#include "actors/admin/auth.hpp"

#include <cctype>

namespace tether::admin {

bool constant_time_equal(std::string_view x, std::string_view y) {
  // Walks the longer input entirely; a length mismatch still costs a full
  // pass and is folded into the result.
  auto n = x.size() > y.size() ? x.size() : y.size();
  unsigned char diff = x.size() == y.size() ? 0 : 1;
  for (size_t i = 0; i < n; ++i) {
    auto a = i < x.size() ? static_cast<unsigned char>(x[i]) : 0;
    auto b = i < y.size() ? static_cast<unsigned char>(y[i]) : 0;
    diff |= static_cast<unsigned char>(a ^ b);
  }
  return diff == 0;
}

bool authorized(std::string_view authorization, const std::string& token) {
  if (token.empty())
    return true;
  constexpr std::string_view scheme = "bearer ";
  if (authorization.size() < scheme.size())
    return false;
  for (size_t i = 0; i < scheme.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(authorization[i]))
        != scheme[i])
      return false;
  auto presented = authorization.substr(scheme.size());
  while (!presented.empty() && presented.front() == ' ')
    presented.remove_prefix(1);
  while (!presented.empty()
         && (presented.back() == ' ' || presented.back() == '\t'))
    presented.remove_suffix(1);
  return constant_time_equal(presented, token);
}

} // namespace tether::admin
