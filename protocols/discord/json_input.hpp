// Internal: feeds text to simdjson. simdjson reads up to SIMDJSON_PADDING
// bytes past the input, which a WebSocket buffer does not promise, so the
// text is copied into a scratch buffer first. Parsers and buffer are per
// thread and keep their capacity, so steady-state parsing allocates
// nothing; documents above `max_cached` get a private scratch so one huge
// GUILD_CREATE does not pin megabytes on every worker thread.
//
// Which API: Debian's libsimdjson dispatches its DOM parser at run time
// (AVX-512/AVX2 kernels here), but on-demand code is compiled into our
// binary for the baseline x86-64 target and so runs simdjson's portable
// "fallback" navigation. On-demand wins when most of a document is skipped
// (parse_frame: 0.4 us per 1.4 KB MESSAGE_CREATE frame); the DOM wins when
// many nested fields are read (convert_message_create: 1.5 us vs 2.4 us on
// a 2.2 KB message).

#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>
#include <memory>
#include <string>
#include <string_view>
#include <type_traits>

#include <simdjson.h>

namespace tether::discord::detail {

class json_input {
public:
  static constexpr size_t max_cached = 64 * 1024;

  /// Copies `json` into padded scratch memory.
  explicit json_input(std::string_view json);

  json_input(const json_input&) = delete;
  json_input& operator=(const json_input&) = delete;

  ~json_input();

  /// Starts iterating on demand; the document borrows from this object,
  /// so it must not outlive it. Call once, and not together with parse().
  simdjson::simdjson_result<simdjson::ondemand::document> iterate();

  /// Parses (and fully validates) the text into a DOM that borrows from
  /// this object. Call once, and not together with iterate().
  simdjson::simdjson_result<simdjson::dom::element> parse();

  struct scratch;

private:
  scratch* scratch_;
  std::unique_ptr<scratch> owned_;
  size_t size_;
};

/// True if `doc` has nothing left after the value just consumed.
bool at_end(simdjson::ondemand::document& doc);

/// True if `v` is the literal null (then nothing was consumed).
bool is_null(simdjson::ondemand::value& v);

/// Reads a string; the view stays valid while the document's parser lives.
bool read_string(simdjson::ondemand::value& v, std::string_view& out);

bool read_string(simdjson::ondemand::value& v, std::string& out);

/// Reads an integer that fits into `Int`.
template<class Int>
bool read_int(simdjson::ondemand::value& v, Int& out) {
  static_assert(std::is_integral_v<Int> && sizeof(Int) <= sizeof(int64_t));
  if constexpr (std::is_same_v<Int, uint64_t>) {
    return !v.get_uint64().get(out);
  } else {
    int64_t x = 0;
    if (v.get_int64().get(x)) return false;
    if constexpr (std::is_signed_v<Int>) {
      if (x < std::numeric_limits<Int>::min()
          || x > std::numeric_limits<Int>::max())
        return false;
    } else {
      if (x < 0 || static_cast<uint64_t>(x) > std::numeric_limits<Int>::max())
        return false;
    }
    out = static_cast<Int>(x);
    return true;
  }
}

/// Calls `on_field(key, value)` for each member of the object `v`, which
/// returns false to stop with failure. Keys may come in any order, and
/// members the callback does not read are skipped without parsing.
template<class F>
bool for_each_field(simdjson::ondemand::value& v, F&& on_field) {
  simdjson::ondemand::object obj;
  if (v.get_object().get(obj)) return false;
  for (auto field : obj) {
    std::string_view key;
    simdjson::ondemand::value x;
    if (field.unescaped_key().get(key) || field.value().get(x)
        || !on_field(key, x))
      return false;
  }
  return true;
}

/// Like the above for a whole document that must be one object.
template<class F>
bool for_each_field(simdjson::ondemand::document& doc, F&& on_field) {
  simdjson::ondemand::object obj;
  if (doc.get_object().get(obj)) return false;
  for (auto field : obj) {
    std::string_view key;
    simdjson::ondemand::value x;
    if (field.unescaped_key().get(key) || field.value().get(x)
        || !on_field(key, x))
      return false;
  }
  return at_end(doc);
}

/// Calls `on_item(value)` for each element of the array `v`.
template<class F>
bool for_each_item(simdjson::ondemand::value& v, F&& on_item) {
  simdjson::ondemand::array arr;
  if (v.get_array().get(arr)) return false;
  for (auto item : arr) {
    simdjson::ondemand::value x;
    if (item.get(x) || !on_item(x)) return false;
  }
  return true;
}

/// Strips JSON whitespace at both ends (raw_json_token keeps trailing
/// blanks).
std::string_view trim(std::string_view x);

} // namespace tether::discord::detail
