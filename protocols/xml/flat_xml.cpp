#include "protocols/xml/flat_xml.hpp"

#include <cstdint>

namespace tether::xml {

namespace {

bool space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

bool name_start(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_'
         || c == ':';
}

bool name_char(char c) {
  return name_start(c) || (c >= '0' && c <= '9') || c == '-' || c == '.';
}

bool blank(std::string_view x) {
  for (auto c : x)
    if (!space(c)) return false;
  return true;
}

void append_utf8(std::string& out, uint32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

class parser {
public:
  explicit parser(std::string_view in) : in_(in) {
    // nop
  }

  std::optional<flat_document> run(std::string* error) {
    if (!document()) {
      if (error) *error = "xml: " + error_;
      return std::nullopt;
    }
    return std::move(doc_);
  }

private:
  bool fail(std::string what) {
    error_ = std::move(what) + " at offset " + std::to_string(pos_);
    return false;
  }

  bool at(std::string_view x) const {
    return in_.substr(pos_, x.size()) == x;
  }

  bool eof() const {
    return pos_ >= in_.size();
  }

  void skip_space() {
    while (!eof() && space(in_[pos_]))
      ++pos_;
  }

  // Moves past the next `end`; false if there is none.
  bool skip_past(std::string_view end) {
    auto i = in_.find(end, pos_);
    if (i == std::string_view::npos) return false;
    pos_ = i + end.size();
    return true;
  }

  bool comment() {
    pos_ += 4; // "<!--"
    return skip_past("-->") || fail("unterminated comment");
  }

  // Whitespace and comments around the root.
  bool misc() {
    for (;;) {
      skip_space();
      if (at("<!--")) {
        if (!comment()) return false;
      } else {
        return true;
      }
    }
  }

  bool document() {
    if (at("\xEF\xBB\xBF")) pos_ += 3;
    skip_space();
    if (at("<?xml") && pos_ + 5 < in_.size() && space(in_[pos_ + 5])) {
      if (!skip_past("?>")) return fail("unterminated XML declaration");
    }
    if (!misc()) return false;
    if (at("<!DOCTYPE") || at("<!doctype")) return fail("DOCTYPE not allowed");
    if (at("<?")) return fail("processing instruction not allowed");
    if (!at("<")) return fail(eof() ? "no root element" : "text before root");
    ++pos_;
    if (!element({}, 0)) return false;
    if (!misc()) return false;
    if (!eof()) return fail("content after the root element");
    return true;
  }

  bool name(std::string& out) {
    auto start = pos_;
    if (eof() || !name_start(in_[pos_])) return fail("expected a tag name");
    while (!eof() && name_char(in_[pos_]))
      ++pos_;
    out.assign(in_.substr(start, pos_ - start));
    return true;
  }

  // After the tag name: attributes up to `>` or `/>`.
  bool attributes(bool& self_closing) {
    for (;;) {
      auto before = pos_;
      skip_space();
      if (eof()) return fail("unterminated start tag");
      if (in_[pos_] == '>') {
        ++pos_;
        self_closing = false;
        return true;
      }
      if (at("/>")) {
        pos_ += 2;
        self_closing = true;
        return true;
      }
      if (pos_ == before) return fail("expected whitespace before attribute");
      std::string ignored;
      if (!name(ignored)) return false;
      skip_space();
      if (eof() || in_[pos_] != '=') return fail("expected '='");
      ++pos_;
      skip_space();
      if (eof() || (in_[pos_] != '"' && in_[pos_] != '\''))
        return fail("expected a quoted attribute value");
      auto quote = in_[pos_++];
      auto end = in_.find(quote, pos_);
      if (end == std::string_view::npos)
        return fail("unterminated attribute value");
      if (in_.substr(pos_, end - pos_).find('<') != std::string_view::npos)
        return fail("'<' in attribute value");
      pos_ = end + 1;
    }
  }

  // At '&': decodes one reference into `out`.
  bool reference(std::string& out) {
    auto semi = in_.find(';', pos_);
    // The longest valid reference is `&#x10FFFF;` plus leading zeros; cap
    // the search so a stray '&' does not scan the whole input.
    if (semi == std::string_view::npos || semi - pos_ > 12)
      return fail("unterminated entity reference");
    auto ref = in_.substr(pos_ + 1, semi - pos_ - 1);
    if (ref == "lt")
      out += '<';
    else if (ref == "gt")
      out += '>';
    else if (ref == "amp")
      out += '&';
    else if (ref == "quot")
      out += '"';
    else if (ref == "apos")
      out += '\'';
    else if (ref.size() >= 2 && ref[0] == '#') {
      bool hex = ref[1] == 'x';
      auto digits = ref.substr(hex ? 2 : 1);
      if (digits.empty()) return fail("empty character reference");
      uint32_t cp = 0;
      for (auto c : digits) {
        uint32_t d;
        if (c >= '0' && c <= '9')
          d = static_cast<uint32_t>(c - '0');
        else if (hex && c >= 'a' && c <= 'f')
          d = static_cast<uint32_t>(c - 'a' + 10);
        else if (hex && c >= 'A' && c <= 'F')
          d = static_cast<uint32_t>(c - 'A' + 10);
        else
          return fail("bad character reference");
        cp = cp * (hex ? 16 : 10) + d;
        if (cp > 0x10FFFF) return fail("character reference out of range");
      }
      if (cp == 0 || (cp >= 0xD800 && cp <= 0xDFFF))
        return fail("invalid character reference");
      append_utf8(out, cp);
    } else {
      return fail("unknown entity '" + std::string{ref} + "'");
    }
    pos_ = semi + 1;
    return true;
  }

  // After '<' of a start tag. `prefix` is the dotted path of the parent
  // ("" for children of the root).
  bool element(const std::string& prefix, size_t depth) {
    std::string tag;
    if (!name(tag)) return false;
    bool self_closing = false;
    if (!attributes(self_closing)) return false;
    bool is_root = depth == 0;
    auto key = is_root ? std::string{} : prefix + tag;
    if (is_root) doc_.root = tag;
    if (self_closing) {
      if (!is_root) doc_.fields.push_back({key, {}});
      return true;
    }
    if (depth > max_depth) return fail("elements nested too deeply");
    std::string text;
    bool has_children = false;
    for (;;) {
      if (eof()) return fail("unclosed element <" + tag + ">");
      if (at("<![CDATA[")) {
        pos_ += 9;
        auto end = in_.find("]]>", pos_);
        if (end == std::string_view::npos) return fail("unterminated CDATA");
        text.append(in_.substr(pos_, end - pos_));
        pos_ = end + 3;
      } else if (at("<!--")) {
        if (!comment()) return false;
      } else if (at("</")) {
        pos_ += 2;
        std::string closing;
        if (!name(closing)) return false;
        if (closing != tag)
          return fail("</" + closing + "> closes <" + tag + ">");
        skip_space();
        if (eof() || in_[pos_] != '>') return fail("expected '>'");
        ++pos_;
        break;
      } else if (at("<!") || at("<?")) {
        return fail("markup declaration not allowed");
      } else if (in_[pos_] == '<') {
        ++pos_;
        has_children = true;
        if (!element(is_root ? std::string{} : key + ".", depth + 1))
          return false;
      } else if (in_[pos_] == '&') {
        if (!reference(text)) return false;
      } else {
        auto end = in_.find_first_of("<&", pos_);
        if (end == std::string_view::npos) end = in_.size();
        text.append(in_.substr(pos_, end - pos_));
        pos_ = end;
      }
    }
    if (has_children || is_root) {
      if (!blank(text))
        return fail(is_root ? "text directly inside the root"
                            : "text beside child elements in <" + tag + ">");
      return true;
    }
    doc_.fields.push_back({std::move(key), std::move(text)});
    return true;
  }

  std::string_view in_;
  size_t pos_ = 0;
  std::string error_;
  flat_document doc_;
};

} // namespace

const std::string* flat_document::find(std::string_view key) const {
  for (auto& x : fields)
    if (x.key == key) return &x.value;
  return nullptr;
}

std::string flat_document::get(std::string_view key) const {
  auto x = find(key);
  return x ? *x : std::string{};
}

std::optional<flat_document> parse_flat(std::string_view text,
                                        std::string* error, size_t max_size) {
  if (text.size() > max_size) {
    if (error)
      *error = "xml: document of " + std::to_string(text.size())
               + " bytes exceeds the limit of " + std::to_string(max_size);
    return std::nullopt;
  }
  return parser{text}.run(error);
}

flat_writer::flat_writer(std::string_view root) : root_(root) {
  out_ = "<" + root_ + ">";
}

flat_writer& flat_writer::cdata(std::string_view key, std::string_view value) {
  out_ += '<';
  out_.append(key);
  out_ += "><![CDATA[";
  // "]]>" would end the section early: end it after "]]" and start a new
  // one for ">".
  size_t pos = 0;
  for (auto i = value.find("]]>"); i != std::string_view::npos;
       i = value.find("]]>", pos)) {
    out_.append(value.substr(pos, i + 2 - pos));
    out_ += "]]><![CDATA[";
    pos = i + 2;
  }
  out_.append(value.substr(pos));
  out_ += "]]></";
  out_.append(key);
  out_ += '>';
  return *this;
}

flat_writer& flat_writer::text(std::string_view key, std::string_view value) {
  out_ += '<';
  out_.append(key);
  out_ += '>';
  for (auto c : value) {
    switch (c) {
      case '&': out_ += "&amp;"; break;
      case '<': out_ += "&lt;"; break;
      case '>': out_ += "&gt;"; break;
      default: out_ += c;
    }
  }
  out_ += "</";
  out_.append(key);
  out_ += '>';
  return *this;
}

std::string flat_writer::finish() {
  out_ += "</" + root_ + ">";
  auto result = std::move(out_);
  out_ = "<" + root_ + ">";
  return result;
}

} // namespace tether::xml
