#include "protocols/gateway/json_fields.hpp"

#include <limits>

namespace tether::gateway::json {

std::optional<value> parse(std::string_view text, std::string* error) {
  auto result = value::parse(text.begin(), text.end(), nullptr, false);
  if (result.is_discarded()) {
    if (error) *error = "malformed JSON";
    return std::nullopt;
  }
  return result;
}

std::optional<value> parse_object(std::string_view text, std::string* error) {
  auto result = parse(text, error);
  if (result && !result->is_object()) {
    if (error) *error = "not a JSON object";
    return std::nullopt;
  }
  return result;
}

const value* member(const value& obj, std::string_view key) {
  if (!obj.is_object()) return nullptr;
  auto i = obj.find(key);
  return i == obj.end() ? nullptr : &*i;
}

std::optional<std::string> get_string(const value& obj, std::string_view key) {
  auto x = member(obj, key);
  if (!x || !x->is_string()) return std::nullopt;
  return x->get<std::string>();
}

std::optional<int64_t> parse_int(std::string_view x) {
  bool negative = !x.empty() && x.front() == '-';
  if (negative) x.remove_prefix(1);
  if (x.empty() || x.size() > 19) return std::nullopt;
  uint64_t n = 0;
  for (char c : x) {
    if (c < '0' || c > '9') return std::nullopt;
    n = n * 10 + static_cast<uint64_t>(c - '0');
  }
  constexpr auto max
    = static_cast<uint64_t>(std::numeric_limits<int64_t>::max());
  if (n > max + (negative ? 1 : 0)) return std::nullopt;
  if (negative)
    return n == max + 1 ? std::numeric_limits<int64_t>::min()
                        : -static_cast<int64_t>(n);
  return static_cast<int64_t>(n);
}

std::optional<int64_t> to_int(const value& x) {
  if (x.is_number_unsigned()) {
    auto n = x.get<uint64_t>();
    if (n > static_cast<uint64_t>(std::numeric_limits<int64_t>::max()))
      return std::nullopt;
    return static_cast<int64_t>(n);
  }
  if (x.is_number_integer()) return x.get<int64_t>();
  if (x.is_string()) return parse_int(x.get_ref<const std::string&>());
  return std::nullopt;
}

std::optional<int64_t> get_int(const value& obj, std::string_view key) {
  auto x = member(obj, key);
  if (!x) return std::nullopt;
  return to_int(*x);
}

std::optional<std::string> to_id(const value& x) {
  if (x.is_string()) return x.get<std::string>();
  if (x.is_number_unsigned()) return std::to_string(x.get<uint64_t>());
  if (x.is_number_integer()) return std::to_string(x.get<int64_t>());
  return std::nullopt;
}

std::optional<std::string> get_id(const value& obj, std::string_view key) {
  auto x = member(obj, key);
  if (!x) return std::nullopt;
  return to_id(*x);
}

std::string dump(const value& x) {
  return x.dump(-1, ' ', false, value::error_handler_t::replace);
}

std::string dump(const ordered& x) {
  return x.dump(-1, ' ', false, ordered::error_handler_t::replace);
}

} // namespace tether::gateway::json
