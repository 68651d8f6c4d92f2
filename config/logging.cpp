#include "config/logging.hpp"

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <ctime>
#include <memory>
#include <mutex>
#include <shared_mutex>

#include <spdlog/sinks/base_sink.h>
#include <spdlog/spdlog.h>

#include "config/log_ring.hpp"

namespace tether::logging {

namespace {

constexpr std::string_view redacted = "<redacted>";

constexpr size_t min_secret_size = 4;

// Identifies lines from `log()` by the address of this array: their payload
// holds length-prefixed fields that the sink renders in the current format.
constexpr char structured_marker[] = "tether::logging::log";

using capture_fn = std::function<void(const std::string&)>;

struct state {
  std::shared_mutex secrets_mtx;
  /// Longest first, so that a secret containing another one goes first.
  std::vector<std::string> secrets;
  std::mutex capture_mtx;
  std::shared_ptr<const capture_fn> capture;
  std::atomic<bool> json{false};
  std::once_flag installed;
  std::shared_ptr<spdlog::logger> logger;
};

// Never destroyed: other statics may still log during exit.
state& global() {
  static auto* ptr = new state;
  return *ptr;
}

std::string_view level_name(spdlog::level::level_enum lvl) {
  switch (lvl) {
    case spdlog::level::trace: return "trace";
    case spdlog::level::debug: return "debug";
    case spdlog::level::info: return "info";
    case spdlog::level::warn: return "warn";
    case spdlog::level::err: return "error";
    case spdlog::level::critical: return "critical";
    default: return "off";
  }
}

spdlog::level::level_enum parse_level(const std::string& str) {
  using namespace spdlog::level;
  for (auto x : {trace, debug, info, warn, err, critical, off})
    if (level_name(x) == str) return x;
  return info;
}

void replace_all(std::string& text, std::string_view what,
                 std::string_view with) {
  for (auto pos = text.find(what); pos != std::string::npos;
       pos = text.find(what, pos + with.size()))
    text.replace(pos, what.size(), with);
}

void append_timestamp(std::string& out, spdlog::log_clock::time_point time) {
  using namespace std::chrono;
  auto since_epoch = time.time_since_epoch();
  auto secs = duration_cast<seconds>(since_epoch);
  auto millis = duration_cast<milliseconds>(since_epoch - secs).count();
  auto t = static_cast<std::time_t>(secs.count());
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[40];
  auto n = std::strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%S", &tm);
  std::snprintf(buf + n, sizeof(buf) - n, ".%03dZ", static_cast<int>(millis));
  out += buf;
}

void append_hex_escape(std::string& out, unsigned char c) {
  char buf[8];
  std::snprintf(buf, sizeof(buf), "\\u%04x", c);
  out += buf;
}

// Escapes for a JSON string, also used inside quoted text-mode values.
void append_escaped(std::string& out, std::string_view str) {
  for (char ch : str) {
    auto c = static_cast<unsigned char>(ch);
    switch (ch) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (c < 0x20 || c == 0x7f)
          append_hex_escape(out, c);
        else
          out += ch;
    }
  }
}

void append_json_string(std::string& out, std::string_view str) {
  out += '"';
  append_escaped(out, str);
  out += '"';
}

bool needs_quotes(std::string_view str) {
  if (str.empty()) return true;
  return std::any_of(str.begin(), str.end(), [](char ch) {
    auto c = static_cast<unsigned char>(ch);
    return ch == ' ' || ch == '"' || ch == '=' || c < 0x20 || c == 0x7f;
  });
}

void append_text_value(std::string& out, std::string_view str) {
  if (!needs_quotes(str)) {
    out += str;
    return;
  }
  out += '"';
  append_escaped(out, str);
  out += '"';
}

// -- payload of structured lines: `<size>:<bytes>` per string ---------------

void encode(std::string& out, std::string_view str) {
  out += std::to_string(str.size());
  out += ':';
  out += str;
}

bool decode(std::string_view in, std::vector<std::string_view>& out) {
  while (!in.empty()) {
    auto colon = in.find(':');
    if (colon == std::string_view::npos || colon == 0) return false;
    size_t size = 0;
    for (size_t i = 0; i < colon; ++i) {
      if (in[i] < '0' || in[i] > '9') return false;
      size = size * 10 + static_cast<size_t>(in[i] - '0');
    }
    in.remove_prefix(colon + 1);
    if (size > in.size()) return false;
    out.emplace_back(in.substr(0, size));
    in.remove_prefix(size);
  }
  return true;
}

// -- the sink -----------------------------------------------------------------

/// Renders each message as one line, redacts it and writes it to stderr
/// (and to the test capture). Ignores spdlog patterns on purpose: the line
/// format is part of the interface.
class line_sink final : public spdlog::sinks::base_sink<std::mutex> {
protected:
  void sink_it_(const spdlog::details::log_msg& msg) override {
    auto& st = global();
    bool json = st.json.load();
    std::string_view payload{msg.payload.data(), msg.payload.size()};
    std::vector<std::string_view> parts;
    bool structured = msg.source.funcname == structured_marker
                      && decode(payload, parts) && parts.size() >= 2
                      && parts.size() % 2 == 0;
    auto level = level_name(msg.level);
    std::string line;
    if (json) {
      line += R"({"ts":")";
      append_timestamp(line, msg.time);
      line += R"(","level":)";
      append_json_string(line, level);
    } else {
      append_timestamp(line, msg.time);
      line += ' ';
      line += level;
      // Pads to the width of `error` so that components line up.
      line.append(level.size() < 5 ? 6 - level.size() : 1, ' ');
    }
    // Values are redacted before escaping too, so that a secret with quotes
    // or backslashes cannot slip through in its escaped form.
    if (!structured) {
      auto text = redact(std::string{payload});
      if (json) {
        line += R"(,"msg":)";
        append_json_string(line, text);
      } else {
        // One record per line, whatever the caller passed.
        replace_all(text, "\n", "\\n");
        replace_all(text, "\r", "\\r");
        line += text;
      }
    } else if (json) {
      line += R"(,"component":)";
      append_json_string(line, redact(std::string{parts[0]}));
      line += R"(,"event":)";
      append_json_string(line, redact(std::string{parts[1]}));
      for (size_t i = 2; i < parts.size(); i += 2) {
        line += ',';
        append_json_string(line, parts[i]);
        line += ':';
        append_json_string(line, redact(std::string{parts[i + 1]}));
      }
    } else {
      append_text_value(line, redact(std::string{parts[0]}));
      line += ' ';
      append_text_value(line, redact(std::string{parts[1]}));
      for (size_t i = 2; i < parts.size(); i += 2) {
        line += ' ';
        line += parts[i];
        line += '=';
        append_text_value(line, redact(std::string{parts[i + 1]}));
      }
    }
    if (json) line += '}';
    line = redact(std::move(line));
    std::shared_ptr<const capture_fn> capture;
    {
      std::lock_guard<std::mutex> guard{st.capture_mtx};
      capture = st.capture;
    }
    if (capture) (*capture)(line);
    recent_lines().push(line);
    line += '\n';
    std::fwrite(line.data(), 1, line.size(), stderr);
  }

  void flush_() override {
    std::fflush(stderr);
  }
};

/// Installs our logger as spdlog's default on first use. Afterwards only its
/// level and the format flag change, so concurrent callers never see a
/// logger being replaced.
spdlog::logger& logger() {
  auto& st = global();
  std::call_once(st.installed, [&st] {
    auto sink = std::make_shared<line_sink>();
    st.logger = std::make_shared<spdlog::logger>("", std::move(sink));
    st.logger->set_level(spdlog::level::info);
    spdlog::set_default_logger(st.logger);
  });
  return *st.logger;
}

void log_impl(spdlog::level::level_enum lvl, std::string_view component,
              std::string_view event, const field* first, const field* last) {
  auto& lg = logger();
  if (!lg.should_log(lvl)) return;
  std::string payload;
  encode(payload, component);
  encode(payload, event);
  for (auto i = first; i != last; ++i) {
    encode(payload, i->key);
    encode(payload, i->value);
  }
  lg.log(spdlog::source_loc{"", 1, structured_marker}, lvl,
         spdlog::string_view_t{payload.data(), payload.size()});
}

} // namespace

void setup(const std::string& level, bool json) {
  auto& lg = logger();
  global().json = json;
  lg.set_level(parse_level(level));
}

void add_secret(const std::string& value) {
  if (value.size() < min_secret_size) return;
  logger(); // from now on, raw spdlog calls go through the redacting sink
  auto& st = global();
  std::unique_lock<std::shared_mutex> guard{st.secrets_mtx};
  auto& xs = st.secrets;
  if (std::find(xs.begin(), xs.end(), value) != xs.end()) return;
  auto pos = std::find_if(xs.begin(), xs.end(), [&](const std::string& x) {
    return x.size() < value.size();
  });
  xs.insert(pos, value);
}

std::string redact(std::string text) {
  auto& st = global();
  std::shared_lock<std::shared_mutex> guard{st.secrets_mtx};
  for (auto& x : st.secrets)
    replace_all(text, x, redacted);
  return text;
}

void log(spdlog::level::level_enum lvl, std::string_view component,
         std::string_view event, std::initializer_list<field> fields) {
  log_impl(lvl, component, event, fields.begin(), fields.end());
}

void log(spdlog::level::level_enum lvl, std::string_view component,
         std::string_view event, const std::vector<field>& fields) {
  log_impl(lvl, component, event, fields.data(), fields.data() + fields.size());
}

void set_capture(std::function<void(const std::string&)> fn) {
  auto& st = global();
  std::shared_ptr<const capture_fn> ptr;
  if (fn) ptr = std::make_shared<const capture_fn>(std::move(fn));
  std::lock_guard<std::mutex> guard{st.capture_mtx};
  st.capture = std::move(ptr);
}

} // namespace tether::logging
