#include "protocols/llm/retry.hpp"

#include <cctype>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <string>

namespace tether::llm {

using std::chrono::milliseconds;

outcome classify(int status) {
  if (status >= 200 && status < 300) return outcome::success;
  if (status == 0 || status == 408 || status == 429 || status >= 500)
    return outcome::retry;
  return outcome::fail;
}

const char* to_string(outcome x) {
  switch (x) {
    case outcome::success: return "success";
    case outcome::retry: return "retry";
    case outcome::fail: return "fail";
  }
  return "?";
}

namespace {

std::string_view trim(std::string_view x) {
  while (!x.empty() && std::isspace(static_cast<unsigned char>(x.front())))
    x.remove_prefix(1);
  while (!x.empty() && std::isspace(static_cast<unsigned char>(x.back())))
    x.remove_suffix(1);
  return x;
}

// IMF-fixdate only (RFC 9110 §5.6.7); the obsolete forms are not sent by
// any API this talks to.
std::optional<std::time_t> parse_http_date(std::string_view x) {
  static const char* months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                 "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  // "Wed, 21 Oct 2015 07:28:00 GMT"
  if (x.size() != 29 || x[3] != ',' || x.substr(26) != "GMT")
    return std::nullopt;
  auto num = [&](size_t pos, size_t len, int& out) {
    out = 0;
    for (size_t i = pos; i < pos + len; ++i) {
      if (!std::isdigit(static_cast<unsigned char>(x[i]))) return false;
      out = out * 10 + (x[i] - '0');
    }
    return true;
  };
  std::tm tm{};
  int day, year, hh, mm, ss;
  if (!num(5, 2, day) || !num(12, 4, year) || !num(17, 2, hh) || !num(20, 2, mm)
      || !num(23, 2, ss))
    return std::nullopt;
  int month = -1;
  for (int i = 0; i < 12; ++i)
    if (x.substr(8, 3) == months[i]) month = i;
  if (month < 0 || day < 1 || day > 31 || hh > 23 || mm > 59 || ss > 60)
    return std::nullopt;
  tm.tm_mday = day;
  tm.tm_mon = month;
  tm.tm_year = year - 1900;
  tm.tm_hour = hh;
  tm.tm_min = mm;
  tm.tm_sec = ss;
  return timegm(&tm);
}

} // namespace

std::optional<milliseconds> parse_retry_after(std::string_view value,
                                              std::time_t now) {
  value = trim(value);
  if (value.empty()) return std::nullopt;
  if (std::isdigit(static_cast<unsigned char>(value.front()))) {
    std::string str{value};
    // Digits and one dot only: strtod would also take `0x1A` or `1e3`.
    if (str.find_first_not_of("0123456789.") != std::string::npos
        || str.find('.') != str.rfind('.'))
      return std::nullopt;
    char* end = nullptr;
    auto secs = std::strtod(str.c_str(), &end);
    if (end != str.c_str() + str.size() || !std::isfinite(secs) || secs < 0
        || secs > 86400.0)
      return std::nullopt;
    return milliseconds{static_cast<int64_t>(std::llround(secs * 1000))};
  }
  auto at = parse_http_date(value);
  if (!at) return std::nullopt;
  if (*at <= now) return milliseconds{0};
  return std::chrono::duration_cast<milliseconds>(
    std::chrono::seconds{*at - now});
}

milliseconds backoff_delay(milliseconds initial, int n, milliseconds cap) {
  auto out = initial;
  for (int i = 1; i < n && out < cap; ++i)
    out *= 2;
  return out < cap ? out : cap;
}

} // namespace tether::llm
