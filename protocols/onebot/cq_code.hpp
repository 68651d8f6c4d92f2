// OneBot v11 messages (PROTOCOLS.md §4.4): the CQ-code string format and
// the segment-array format, both read into the same segment list.
//
// CQ code: `[CQ:face,id=178]看看我刚拍的照片[CQ:image,file=123.jpg]`.
// Escapes: in text `&`→`&amp;`, `[`→`&#91;`, `]`→`&#93;`; inside
// parameter values also `,`→`&#44;`.

#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace tether::onebot {

/// One message segment: `{"type":..,"data":{..}}`. Parameters keep their
/// order so that rendering is stable; values are text (the array format
/// mostly uses strings; numbers are converted to decimal text).
struct cq_segment {
  std::string type;
  std::vector<std::pair<std::string, std::string>> data;

  /// The value of `key`, or null.
  const std::string* get(std::string_view key) const;

  /// A `text` segment.
  static cq_segment text(std::string x);

  friend bool operator==(const cq_segment& x, const cq_segment& y) {
    return x.type == y.type && x.data == y.data;
  }
};

using cq_message = std::vector<cq_segment>;

/// Escapes text outside CQ codes.
std::string escape_text(std::string_view x);

/// Escapes a CQ-code parameter value (text escapes plus `,`).
std::string escape_param(std::string_view x);

/// Reverses both escapings; unknown `&...;` sequences stay as they are.
std::string unescape(std::string_view x);

/// Parses a CQ-code string. The function name runs from `[CQ:` to the
/// first `,` or `]`; parameters split on `,` and each at its first `=`.
/// Adjacent text becomes one `text` segment (unescaped). A stray `]` or
/// a `[` not starting `[CQ:` is kept as text, as lenient implementations
/// do. Returns nullopt and sets `*error` for a `[CQ:` without its `]`, an
/// empty function name, or a parameter without `=` or with an empty key.
std::optional<cq_message> parse_cq(std::string_view x,
                                   std::string* error = nullptr);

/// Renders segments as a CQ-code string (text escaped, other segments as
/// `[CQ:type,k=v,...]` with escaped values); parse_cq reverses it.
std::string render_cq(const cq_message& xs);

/// Reads the array format, `[{"type":"text","data":{"text":".."}},..]`,
/// from its JSON text. A single segment object is accepted too. Values
/// that are numbers or booleans become text; null values are dropped.
std::optional<cq_message> parse_segments_json(std::string_view json,
                                              std::string* error = nullptr);

/// Renders the array format as JSON text, all values as strings.
std::string render_segments_json(const cq_message& xs);

} // namespace tether::onebot
