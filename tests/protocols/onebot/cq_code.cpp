#define CAF_SUITE protocols.onebot.cq_code

#include "protocols/onebot/cq_code.hpp"

#include <string>

#include "caf/test/unit_test.hpp"

using namespace tether::onebot;

namespace {

// `type{k=v;...}` per segment, for compact expectations.
std::string show(const cq_message& xs) {
  std::string out;
  for (auto& seg : xs) {
    out += seg.type;
    out += '{';
    bool first = true;
    for (auto& [k, v] : seg.data) {
      if (!first) out += ';';
      first = false;
      out += k;
      out += '=';
      out += v;
    }
    out += '}';
  }
  return out;
}

std::string parsed(std::string_view x) {
  std::string error;
  auto xs = parse_cq(x, &error);
  return xs ? show(*xs) : "error: " + error;
}

} // namespace

CAF_TEST(the documented cq string) {
  // PROTOCOLS.md §4.4, verbatim.
  std::string text = "[CQ:face,id=178]看看我刚拍的照片[CQ:image,file=123.jpg]";
  auto xs = parse_cq(text);
  CAF_REQUIRE(xs);
  CAF_CHECK_EQUAL(show(*xs),
                  "face{id=178}text{text=看看我刚拍的照片}image{file=123.jpg}");
  CAF_CHECK_EQUAL(render_cq(*xs), text);
}

CAF_TEST(the documented segment array) {
  // PROTOCOLS.md §4.4, verbatim.
  std::string json
    = R"([{"type":"text","data":{"text":"…"}},{"type":"image","data":{"file":"123.jpg"}}])";
  auto xs = parse_segments_json(json);
  CAF_REQUIRE(xs);
  CAF_CHECK_EQUAL(show(*xs), "text{text=…}image{file=123.jpg}");
  CAF_CHECK_EQUAL(render_segments_json(*xs), json);
  CAF_CHECK_EQUAL(render_cq(*xs), "…[CQ:image,file=123.jpg]");
}

CAF_TEST(escapes in text and parameters) {
  CAF_CHECK_EQUAL(escape_text("a&b[c]d,e"), "a&amp;b&#91;c&#93;d,e");
  CAF_CHECK_EQUAL(escape_param("a&b[c]d,e"), "a&amp;b&#91;c&#93;d&#44;e");
  CAF_CHECK_EQUAL(unescape("a&amp;b&#91;c&#93;d&#44;e"), "a&b[c]d,e");
  // Unescaping is a single pass: &amp;#91; is "&#91;", not "[".
  CAF_CHECK_EQUAL(unescape("&amp;#91;"), "&#91;");
  CAF_CHECK_EQUAL(unescape("&lt;&#92;&"), "&lt;&#92;&");
  CAF_CHECK_EQUAL(parsed("&#91;CQ:face,id=1&#93; &amp; ok"),
                  "text{text=[CQ:face,id=1] & ok}");
  CAF_CHECK_EQUAL(parsed("[CQ:share,url=http://a/?x=1&amp;y=2,title=a&#44;b]"),
                  "share{url=http://a/?x=1&y=2;title=a,b}");
}

CAF_TEST(parameters split at their first equals sign) {
  CAF_CHECK_EQUAL(parsed("[CQ:image,file=base64://QUJD==]"),
                  "image{file=base64://QUJD==}");
  CAF_CHECK_EQUAL(parsed("[CQ:at,qq=all]"), "at{qq=all}");
  CAF_CHECK_EQUAL(parsed("[CQ:shake]"), "shake{}");
  CAF_CHECK_EQUAL(parsed("[CQ:x,a=]"), "x{a=}");
}

CAF_TEST(round trips keep every byte) {
  cq_message xs{
    cq_segment::text("a&b [c] d,e &#91;"),
    {"image", {{"file", "x,y[z]&"}, {"url", "http://h/?a=1&b=2"}}},
    {"at", {{"qq", "10001"}}},
    cq_segment::text("tail"),
  };
  auto text = render_cq(xs);
  CAF_CHECK_EQUAL(text, "a&amp;b &#91;c&#93; d,e &amp;#91;"
                        "[CQ:image,file=x&#44;y&#91;z&#93;&amp;,"
                        "url=http://h/?a=1&amp;b=2][CQ:at,qq=10001]tail");
  auto back = parse_cq(text);
  CAF_REQUIRE(back);
  CAF_CHECK(*back == xs);
  for (auto s : {"", "plain", "[CQ:face,id=1]", "x[CQ:a][CQ:b,c=d]y",
                 "&amp;&#91;&#93;"}) {
    auto ys = parse_cq(s);
    CAF_REQUIRE(ys);
    CAF_CHECK_EQUAL(render_cq(*ys), s);
  }
}

CAF_TEST(lenient text stays text) {
  CAF_CHECK_EQUAL(parsed("a]b"), "text{text=a]b}");
  CAF_CHECK_EQUAL(parsed("[not cq]"), "text{text=[not cq]}");
  CAF_CHECK_EQUAL(parsed("[cq:face,id=1]"), "text{text=[cq:face,id=1]}");
  CAF_CHECK_EQUAL(parsed(""), "");
}

CAF_TEST(malformed cq codes are errors) {
  CAF_CHECK_EQUAL(parsed("[CQ:face,id=1"), "error: unterminated CQ code");
  CAF_CHECK_EQUAL(parsed("[CQ:"), "error: unterminated CQ code");
  CAF_CHECK_EQUAL(parsed("[CQ:a,b=[CQ:c]"), "error: unterminated CQ code");
  CAF_CHECK_EQUAL(parsed("[CQ:]"), "error: empty CQ code function name");
  CAF_CHECK_EQUAL(parsed("[CQ:,a=b]"), "error: empty CQ code function name");
  CAF_CHECK_EQUAL(parsed("[CQ:face,id]"),
                  "error: CQ code parameter without '='");
  CAF_CHECK_EQUAL(parsed("[CQ:face,]"), "error: CQ code parameter without '='");
  CAF_CHECK_EQUAL(parsed("[CQ:face,=1]"),
                  "error: CQ code parameter with empty key");
}

CAF_TEST(segment arrays accept numbers and single objects) {
  auto xs = parse_segments_json(
    R"([{"type":"at","data":{"qq":10001}},{"type":"face","data":{"id":1.5}},)"
    R"({"type":"image","data":{"file":"f","cache":true,"proxy":null}},)"
    R"({"type":"shake"},{"type":"dice","data":null}])");
  CAF_REQUIRE(xs);
  CAF_CHECK_EQUAL(show(*xs), "at{qq=10001}face{id=1.5}"
                             "image{cache=true;file=f}shake{}dice{}");
  xs = parse_segments_json(R"({"type":"text","data":{"text":"one"}})");
  CAF_REQUIRE(xs);
  CAF_CHECK_EQUAL(show(*xs), "text{text=one}");
}

CAF_TEST(malformed segment arrays are errors) {
  struct {
    const char* json;
    const char* error;
  } cases[] = {
    {"[", "malformed JSON"},
    {"\"text\"", "message is not a segment array"},
    {"[1]", "malformed segment"},
    {R"([{"data":{}}])", "malformed segment"},
    {R"([{"type":""}])", "malformed segment"},
    {R"([{"type":"a","data":[]}])", "malformed segment"},
    {R"([{"type":"a","data":{"k":{}}}])", "malformed segment"},
    {R"({"type":5})", "malformed segment"},
  };
  for (auto& c : cases) {
    std::string error;
    CAF_CHECK(!parse_segments_json(c.json, &error));
    CAF_CHECK_EQUAL(error, c.error);
  }
}
