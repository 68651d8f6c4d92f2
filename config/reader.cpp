#include "config/reader.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <limits>

#include "config/logging.hpp"
#include "config/message.hpp"

namespace tether::config::detail {

namespace {

std::string_view type_name(const YAML::Node& node) {
  if (!node) return "nothing";
  switch (node.Type()) {
    case YAML::NodeType::Scalar: return "a value";
    case YAML::NodeType::Sequence: return "a list";
    case YAML::NodeType::Map: return "a map";
    default: return "nothing";
  }
}

bool is_name_start(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_';
}

bool is_name_char(char c) {
  return is_name_start(c) || (c >= '0' && c <= '9');
}

bool is_env_name(std::string_view str) {
  return !str.empty() && is_name_start(str[0])
         && std::all_of(str.begin(), str.end(), is_name_char);
}

std::string format_number(double x) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%g", x);
  return buf;
}

/// Replaces `${NAME}`; `$${` stands for a literal `${`. Calls `on_error` with
/// a message for each problem; returns nullopt if there was any.
template<class OnError>
std::optional<std::string>
substitute(const std::string& raw, bool secret, OnError on_error) {
  std::string out;
  bool ok = true;
  size_t i = 0;
  while (i < raw.size()) {
    if (raw.compare(i, 3, "$${") == 0) {
      out += "${";
      i += 3;
      continue;
    }
    if (raw.compare(i, 2, "${") != 0) {
      out += raw[i++];
      continue;
    }
    auto close = raw.find('}', i + 2);
    if (close == std::string::npos) {
      on_error("unterminated `${` (expected `${NAME}`; write `$${` for a "
               "literal `${`)");
      return std::nullopt;
    }
    auto name = raw.substr(i + 2, close - i - 2);
    i = close + 1;
    if (!is_env_name(name)) {
      // The text between the braces may be part of a secret value.
      on_error(secret ? "invalid environment variable name in `${...}`"
                      : "invalid environment variable name " + ticked(name)
                          + " in `${...}`");
      ok = false;
      continue;
    }
    auto value = std::getenv(name.c_str());
    if (value == nullptr) {
      on_error("environment variable " + ticked(name) + " is not set");
      ok = false;
      continue;
    }
    out += value;
  }
  if (!ok) return std::nullopt;
  return out;
}

void append_quoted(std::string& out, const std::string& str) {
  out += '"';
  for (char c : str) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  out += '"';
}

// Aliases can make a tiny file expand exponentially or in a cycle; these
// bound the work. No sane config entry comes close.
constexpr size_t max_render_depth = 64;

constexpr size_t max_render_nodes = 100'000;

bool render(std::string& out, const YAML::Node& node, size_t depth,
            size_t& nodes_left) {
  if (depth > max_render_depth || nodes_left == 0) return false;
  --nodes_left;
  if (!node || node.IsNull()) {
    out += '~';
  } else if (node.IsScalar()) {
    append_quoted(out, reader::substitute_quietly(node.Scalar()));
  } else if (node.IsSequence()) {
    out += '[';
    bool first = true;
    for (auto item : node) {
      if (!first) out += ',';
      first = false;
      if (!render(out, item, depth + 1, nodes_left)) return false;
    }
    out += ']';
  } else if (node.IsMap()) {
    std::vector<std::pair<std::string, std::string>> entries;
    for (auto kv : node) {
      std::string key;
      std::string value;
      if (!render(key, kv.first, depth + 1, nodes_left)
          || !render(value, kv.second, depth + 1, nodes_left))
        return false;
      entries.emplace_back(std::move(key), std::move(value));
    }
    std::sort(entries.begin(), entries.end());
    out += '{';
    bool first = true;
    for (auto& [key, value] : entries) {
      if (!first) out += ',';
      first = false;
      out += key;
      out += ':';
      out += value;
    }
    out += '}';
  }
  return true;
}

} // namespace

std::string join_path(const std::string& parent, std::string_view key) {
  if (parent.empty()) return std::string{key};
  std::string out = parent;
  out += '.';
  out += key;
  return out;
}

// -- reader -------------------------------------------------------------------

void reader::fail(const position& pos, std::string key_path,
                  std::string message) {
  errors_.push_back(error{pos, std::move(key_path), std::move(message)});
}

position reader::pos_of(const YAML::Node& node) const {
  position result{file_, 0, 0};
  if (!node) return result;
  auto mark = node.Mark();
  if (mark.line >= 0 && mark.column >= 0) {
    result.line = mark.line + 1;
    result.column = mark.column + 1;
  }
  return result;
}

node_ref reader::root(const YAML::Node& node) const {
  auto pos = pos_of(node);
  if (pos.line == 0) pos = position{file_, 1, 1};
  return node_ref{node, std::string{}, pos};
}

node_ref reader::element(const node_ref& list, size_t index,
                         const YAML::Node& node) const {
  auto pos = pos_of(node);
  if (pos.line == 0 || node.IsNull()) pos = list.pos;
  return node_ref{node, list.path + "[" + std::to_string(index) + "]", pos};
}

std::vector<node_ref> reader::list(const node_ref& x) {
  std::vector<node_ref> result;
  if (x.is_null()) return result;
  if (!x.node.IsSequence()) {
    fail(x, "expected a list, got " + std::string{type_name(x.node)});
    return result;
  }
  size_t index = 0;
  for (auto item : x.node)
    result.push_back(element(x, index++, item));
  return result;
}

std::optional<std::string> reader::string(const node_ref& x, bool secret) {
  if (!x.node || !x.node.IsScalar()) {
    // Null, a list or a map: none of them reveals a scalar value.
    fail(x, "expected a string, got " + std::string{type_name(x.node)});
    return std::nullopt;
  }
  return substitute(x.node.Scalar(), secret, [&](std::string msg) {
    fail(x, std::move(msg));
  });
}

std::optional<std::string> reader::non_empty_string(const node_ref& x) {
  auto str = string(x);
  if (str && str->empty()) {
    fail(x, "must not be empty");
    return std::nullopt;
  }
  return str;
}

std::optional<int64_t> reader::integer(const node_ref& x, int64_t min,
                                       int64_t max) {
  auto str = string(x);
  if (!str) return std::nullopt;
  int64_t value = 0;
  auto first = str->data();
  auto last = first + str->size();
  auto [ptr, ec] = std::from_chars(first, last, value);
  if (str->empty() || ec == std::errc::invalid_argument || ptr != last) {
    fail(x, "expected an integer, got " + ticked(*str));
    return std::nullopt;
  }
  if (ec == std::errc::result_out_of_range) {
    fail(x, "integer out of range: " + ticked(*str));
    return std::nullopt;
  }
  if (value < min) {
    fail(x, "must be >= " + std::to_string(min) + ", got " + *str);
    return std::nullopt;
  }
  if (value > max) {
    fail(x, "must be <= " + std::to_string(max) + ", got " + *str);
    return std::nullopt;
  }
  return value;
}

std::optional<double> reader::number(const node_ref& x, double min,
                                     double max) {
  auto str = string(x);
  if (!str) return std::nullopt;
  double value = 0;
  auto first = str->data();
  auto last = first + str->size();
  auto [ptr, ec] = std::from_chars(first, last, value);
  if (str->empty() || ec != std::errc{} || ptr != last
      || !std::isfinite(value)) {
    fail(x, "expected a number, got " + ticked(*str));
    return std::nullopt;
  }
  if (value < min || value > max) {
    if (max == std::numeric_limits<double>::infinity())
      fail(x, "must be >= " + format_number(min) + ", got " + *str);
    else
      fail(x, "must be between " + format_number(min) + " and "
                + format_number(max) + ", got " + *str);
    return std::nullopt;
  }
  return value;
}

std::optional<bool> reader::boolean(const node_ref& x) {
  auto str = string(x);
  if (!str) return std::nullopt;
  // YAML 1.1 spellings, as yaml-cpp itself accepts them.
  static const char* yes[] = {"true", "True", "TRUE", "yes", "Yes",
                              "YES",  "on",   "On",   "ON"};
  static const char* no[] = {"false", "False", "FALSE", "no", "No",
                             "NO",    "off",   "Off",   "OFF"};
  for (auto y : yes)
    if (*str == y) return true;
  for (auto n : no)
    if (*str == n) return false;
  fail(x, "expected true or false, got " + ticked(*str));
  return std::nullopt;
}

std::optional<duration> reader::duration_value(const node_ref& x,
                                               bool allow_zero) {
  auto str = string(x);
  if (!str) return std::nullopt;
  auto value = parse_duration(*str);
  if (!value) {
    fail(x, "invalid duration " + ticked(*str)
              + ": expected a number with a unit, e.g. 100us, 250ms, 30s, "
                "5m, 1h or 1h30m (units h, m, s, ms, us, ns), or 0");
    return std::nullopt;
  }
  if (!allow_zero && value->count() == 0) {
    fail(x, "must be greater than 0");
    return std::nullopt;
  }
  return value;
}

std::optional<std::string>
reader::choice(const node_ref& x, const std::vector<std::string>& options,
               std::string_view what) {
  auto str = string(x);
  if (!str) return std::nullopt;
  if (std::find(options.begin(), options.end(), *str) != options.end())
    return str;
  auto prefix = "unknown " + std::string{what} + " " + ticked(*str);
  auto hint = did_you_mean(*str, options);
  if (hint.empty())
    fail(x, prefix + "; expected one of: " + join(options));
  else
    fail(x, prefix + hint);
  return std::nullopt;
}

std::optional<secret> reader::secret_value(const node_ref& x) {
  auto str = string(x, true);
  if (!str) return std::nullopt;
  logging::add_secret(*str);
  return secret{std::move(*str)};
}

std::string reader::substitute_quietly(const std::string& str) {
  auto result = substitute(str, true, [](const std::string&) {});
  return result ? *result : str;
}

std::optional<std::string> reader::canonical(const YAML::Node& node) {
  std::string out;
  auto nodes_left = max_render_nodes;
  if (!render(out, node, 0, nodes_left)) return std::nullopt;
  return out;
}

// -- map_reader ---------------------------------------------------------------

map_reader::map_reader(reader& r, const node_ref& x,
                       std::vector<std::string> known)
  : self_(x) {
  if (x.is_null()) {
    ok_ = true;
    return;
  }
  if (!x.node.IsMap()) {
    r.fail(x, "expected a map, got " + std::string{type_name(x.node)});
    return;
  }
  ok_ = true;
  for (auto kv : x.node) {
    auto key_pos = r.pos_of(kv.first);
    if (!kv.first.IsScalar()) {
      r.fail(key_pos, x.path,
             "keys must be plain names, got "
               + std::string{type_name(kv.first)});
      continue;
    }
    auto& key = kv.first.Scalar();
    auto path = join_path(x.path, key);
    if (std::find(known.begin(), known.end(), key) == known.end()) {
      auto hint = did_you_mean(key, known);
      if (hint.empty())
        r.fail(key_pos, path,
               "unknown key " + ticked(key)
                 + "; expected one of: " + join(known));
      else
        r.fail(key_pos, path, "unknown key " + ticked(key) + hint);
      continue;
    }
    auto prev = std::find_if(entries_.begin(), entries_.end(),
                             [&](const entry& e) {
                               return e.key == key;
                             });
    if (prev != entries_.end()) {
      r.fail(key_pos, path,
             "duplicate key " + ticked(key) + "; first defined at line "
               + std::to_string(prev->key_pos.line));
      continue;
    }
    auto value_pos = kv.second.IsNull() ? key_pos : r.pos_of(kv.second);
    if (value_pos.line == 0) value_pos = key_pos;
    entries_.push_back(
      entry{key, key_pos, node_ref{kv.second, path, value_pos}});
  }
}

std::optional<node_ref> map_reader::get(std::string_view key) const {
  for (auto& e : entries_)
    if (e.key == key) return e.value;
  return std::nullopt;
}

} // namespace tether::config::detail
