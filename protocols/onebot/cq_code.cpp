#include "protocols/onebot/cq_code.hpp"

#include "protocols/gateway/json_fields.hpp"

namespace tether::onebot {

namespace json = gateway::json;

namespace {

constexpr std::string_view cq_open = "[CQ:";

void append_escaped(std::string& out, std::string_view x, bool param) {
  for (char c : x) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '[': out += "&#91;"; break;
      case ']': out += "&#93;"; break;
      case ',':
        if (param)
          out += "&#44;";
        else
          out += c;
        break;
      default: out += c;
    }
  }
}

void add_text(cq_message& xs, std::string_view raw) {
  if (raw.empty()) return;
  auto text = unescape(raw);
  if (!xs.empty() && xs.back().type == "text" && xs.back().data.size() == 1)
    xs.back().data.front().second += text;
  else
    xs.push_back(cq_segment::text(std::move(text)));
}

std::optional<std::string> value_text(const json::value& x) {
  if (x.is_string()) return x.get<std::string>();
  if (x.is_boolean()) return std::string{x.get<bool>() ? "true" : "false"};
  if (x.is_number_integer() || x.is_number_unsigned()) return json::to_id(x);
  if (x.is_number_float()) return json::dump(x);
  return std::nullopt;
}

bool read_segment(const json::value& x, cq_segment& out) {
  if (!x.is_object()) return false;
  auto type = json::get_string(x, "type");
  if (!type || type->empty()) return false;
  out.type = std::move(*type);
  auto data = json::member(x, "data");
  if (!data || data->is_null()) return true;
  if (!data->is_object()) return false;
  for (auto& [key, value] : data->items()) {
    if (value.is_null()) continue;
    auto text = value_text(value);
    if (!text) return false;
    out.data.emplace_back(key, std::move(*text));
  }
  return true;
}

} // namespace

const std::string* cq_segment::get(std::string_view key) const {
  for (auto& kv : data)
    if (kv.first == key) return &kv.second;
  return nullptr;
}

cq_segment cq_segment::text(std::string x) {
  cq_segment result;
  result.type = "text";
  result.data.emplace_back("text", std::move(x));
  return result;
}

std::string escape_text(std::string_view x) {
  std::string out;
  out.reserve(x.size());
  append_escaped(out, x, false);
  return out;
}

std::string escape_param(std::string_view x) {
  std::string out;
  out.reserve(x.size());
  append_escaped(out, x, true);
  return out;
}

std::string unescape(std::string_view x) {
  static constexpr std::pair<std::string_view, char> table[]
    = {{"&amp;", '&'}, {"&#91;", '['}, {"&#93;", ']'}, {"&#44;", ','}};
  std::string out;
  out.reserve(x.size());
  for (size_t pos = 0; pos < x.size();) {
    if (x[pos] == '&') {
      bool matched = false;
      for (auto& [from, to] : table)
        if (x.compare(pos, from.size(), from) == 0) {
          out += to;
          pos += from.size();
          matched = true;
          break;
        }
      if (matched) continue;
    }
    out += x[pos++];
  }
  return out;
}

std::optional<cq_message> parse_cq(std::string_view x, std::string* error) {
  auto fail = [error](const char* what) -> std::optional<cq_message> {
    if (error) *error = what;
    return std::nullopt;
  };
  cq_message result;
  size_t pos = 0;
  while (pos < x.size()) {
    auto open = x.find(cq_open, pos);
    if (open == std::string_view::npos) {
      add_text(result, x.substr(pos));
      break;
    }
    add_text(result, x.substr(pos, open - pos));
    auto close = x.find(']', open);
    if (close == std::string_view::npos) return fail("unterminated CQ code");
    auto body = x.substr(open + cq_open.size(), close - open - cq_open.size());
    // A raw '[' inside means the code was never closed before another
    // opened; escaped values cannot contain one.
    if (body.find('[') != std::string_view::npos)
      return fail("unterminated CQ code");
    auto comma = body.find(',');
    cq_segment seg;
    seg.type = body.substr(0, comma);
    if (seg.type.empty()) return fail("empty CQ code function name");
    while (comma != std::string_view::npos) {
      body.remove_prefix(comma + 1);
      comma = body.find(',');
      auto param = body.substr(0, comma);
      auto eq = param.find('=');
      if (eq == std::string_view::npos)
        return fail("CQ code parameter without '='");
      if (eq == 0) return fail("CQ code parameter with empty key");
      seg.data.emplace_back(std::string{param.substr(0, eq)},
                            unescape(param.substr(eq + 1)));
    }
    result.push_back(std::move(seg));
    pos = close + 1;
  }
  return result;
}

std::string render_cq(const cq_message& xs) {
  std::string out;
  for (auto& seg : xs) {
    if (seg.type == "text") {
      if (auto text = seg.get("text")) append_escaped(out, *text, false);
      continue;
    }
    out += cq_open;
    out += seg.type;
    for (auto& [key, value] : seg.data) {
      out += ',';
      out += key;
      out += '=';
      append_escaped(out, value, true);
    }
    out += ']';
  }
  return out;
}

std::optional<cq_message> parse_segments_json(std::string_view text,
                                              std::string* error) {
  auto fail = [error](const char* what) -> std::optional<cq_message> {
    if (error) *error = what;
    return std::nullopt;
  };
  auto doc = json::parse(text, error);
  if (!doc) return std::nullopt;
  cq_message result;
  if (doc->is_object()) {
    if (!read_segment(*doc, result.emplace_back()))
      return fail("malformed segment");
    return result;
  }
  if (!doc->is_array()) return fail("message is not a segment array");
  for (auto& x : *doc)
    if (!read_segment(x, result.emplace_back()))
      return fail("malformed segment");
  return result;
}

std::string render_segments_json(const cq_message& xs) {
  json::ordered arr = json::ordered::array();
  for (auto& seg : xs) {
    json::ordered data = json::ordered::object();
    for (auto& [key, value] : seg.data)
      data[key] = value;
    json::ordered x = json::ordered::object();
    x["type"] = seg.type;
    x["data"] = std::move(data);
    arr.push_back(std::move(x));
  }
  return json::dump(arr);
}

} // namespace tether::onebot
