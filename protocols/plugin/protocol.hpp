// The plugin protocol (docs/plugins.md): JSON lines between tetherd and a
// plugin process, one object per line. Pure functions over text; the
// plugin handler actor (actors/handlers/plugin.cpp) owns time and I/O.
//
//   tetherd -> plugin   {"type":"hello","version":1,"handler":"NAME"}
//   plugin  -> tetherd  {"type":"hello","name":"...","version":1}
//   tetherd -> plugin   {"type":"message","id":"CALL","message":{...}}
//   plugin  -> tetherd  {"type":"reply","id":"CALL","texts":["..."]}
//   plugin  -> tetherd  {"type":"log","level":"info","message":"..."}

#pragma once

#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include <spdlog/common.h>

#include "protocols/message.hpp"

namespace tether::plugin {

/// The protocol version tetherd speaks; a plugin must answer with it.
constexpr int protocol_version = 1;

/// The first line tetherd writes (no newline).
std::string make_hello(const std::string& handler);

/// One call: `msg` with the call id the reply must carry (no newline).
std::string make_call(const std::string& id, const inbound_message& msg);

struct hello_frame {
  std::string name;
  int version = 0;
};

struct reply_frame {
  std::string id;
  /// Empty: the plugin has nothing to say to this message.
  std::vector<std::string> texts;
  /// Texts beyond max_reply_texts that were dropped.
  size_t dropped = 0;
};

struct log_frame {
  spdlog::level::level_enum level = spdlog::level::info;
  std::string message;
};

/// A line that is not a valid frame; `why` says what is wrong.
struct bad_frame {
  std::string why;
};

using frame = std::variant<hello_frame, reply_frame, log_frame, bad_frame>;

/// Reads one line from the plugin's stdout. Unknown keys are ignored, so
/// later protocol versions may add fields.
frame parse_line(std::string_view line);

/// `trace`, `debug`, `info`, `warn`/`warning`, `error`; anything else is
/// `info`.
spdlog::level::level_enum parse_level(std::string_view name);

} // namespace tether::plugin
