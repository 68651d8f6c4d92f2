// The flat XML documents of WeChat and WeCom callbacks:
//   <xml><MsgType><![CDATA[text]]></MsgType><CreateTime>1348831860</CreateTime></xml>
// A small reader and writer, not a general XML parser.
//
// Reader rules:
// - one root element (any name, kept in `root`) whose children become
//   fields, in document order; repeated names give repeated fields;
// - a value is the concatenation of its character data and CDATA
//   sections, with `&lt; &gt; &amp; &quot; &apos;` and `&#N;`/`&#xH;`
//   decoded; whitespace is kept as is (callers trim numbers);
// - nested elements are flattened, not rejected: WeCom and WeChat events
//   nest a few of them (`<ScanCodeInfo><ScanType>..</ScanType>..`), which
//   become the fields `ScanCodeInfo.ScanType`, ...; an element that has
//   children gets no field of its own and may hold only whitespace
//   besides them; nesting deeper than `max_depth` is an error;
// - `<X/>` is an empty value; attributes are checked for syntax and
//   ignored; an XML declaration, comments and a UTF-8 BOM are skipped;
// - DOCTYPE (and with it any custom entity), other processing
//   instructions, unknown entities, mismatched or unclosed tags, text
//   outside the root and input above `max_size` are errors.

#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tether::xml {

/// WeChat messages are a few KB; this is generous.
constexpr size_t default_max_size = 256 * 1024;

/// Element depth below the root.
constexpr size_t max_depth = 8;

struct field {
  std::string key;
  std::string value;
};

struct flat_document {
  /// Name of the root element, usually `xml`.
  std::string root;
  std::vector<field> fields;

  /// The first value of `key`; nullptr if absent.
  const std::string* find(std::string_view key) const;

  /// The first value of `key`; empty if absent.
  std::string get(std::string_view key) const;
};

/// Reads `text`; nullopt with `*error` (what and at which offset) when it
/// breaks the rules above.
std::optional<flat_document> parse_flat(std::string_view text,
                                        std::string* error = nullptr,
                                        size_t max_size = default_max_size);

/// Builds `<root><K><![CDATA[v]]></K><N>1</N></root>` in call order. Keys
/// are written as given, so they must be valid element names.
class flat_writer {
public:
  // -- constructors, destructors, and assignment operators ------------------

  explicit flat_writer(std::string_view root = "xml");

  // -- modifiers -------------------------------------------------------------

  /// Appends `<key><![CDATA[value]]></key>`; a `]]>` inside `value` is
  /// split across two CDATA sections so it survives.
  flat_writer& cdata(std::string_view key, std::string_view value);

  /// Appends `<key>value</key>` with `& < >` escaped (for numbers).
  flat_writer& text(std::string_view key, std::string_view value);

  /// The finished document; the writer then starts a new one.
  std::string finish();

private:
  // -- member variables ------------------------------------------------------

  std::string root_;
  std::string out_;
};

} // namespace tether::xml
