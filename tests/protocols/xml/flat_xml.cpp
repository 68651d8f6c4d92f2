#define CAF_SUITE protocols.xml.flat_xml

#include "protocols/xml/flat_xml.hpp"

#include <string>

#include "caf/test/unit_test.hpp"

using namespace tether::xml;

namespace {

std::string error_of(std::string_view text) {
  std::string error;
  if (parse_flat(text, &error)) return "parsed";
  return error;
}

} // namespace

CAF_TEST(the WeChat text message) {
  auto doc = parse_flat(
    "<xml><ToUserName><![CDATA[toUser]]></ToUserName><FromUserName><![CDATA["
    "fromUser]]></FromUserName><CreateTime>1348831860</CreateTime><MsgType><!"
    "[CDATA[text]]></MsgType><Content><![CDATA[this is a test]]></Content><Ms"
    "gId>1234567890123456</MsgId></xml>");
  CAF_REQUIRE(doc);
  CAF_CHECK_EQUAL(doc->root, "xml");
  CAF_REQUIRE_EQUAL(doc->fields.size(), 6u);
  CAF_CHECK_EQUAL(doc->fields[0].key, "ToUserName");
  CAF_CHECK_EQUAL(doc->fields[5].key, "MsgId");
  CAF_CHECK_EQUAL(doc->get("FromUserName"), "fromUser");
  CAF_CHECK_EQUAL(doc->get("CreateTime"), "1348831860");
  CAF_CHECK_EQUAL(doc->get("Content"), "this is a test");
  CAF_CHECK_EQUAL(doc->get("MsgId"), "1234567890123456");
  CAF_CHECK(doc->find("Missing") == nullptr);
  CAF_CHECK_EQUAL(doc->get("Missing"), "");
}

CAF_TEST(whitespace declaration comments and BOM are skipped) {
  auto doc = parse_flat("\xEF\xBB\xBF<?xml version=\"1.0\" encoding=\"UTF-8\"?>"
                        "\n<!-- push -->\n<xml>\n  <A><![CDATA[a]]></A>\n"
                        "  <!-- note --><B> 12 </B>\n</xml>\n<!-- end -->\n");
  CAF_REQUIRE(doc);
  CAF_REQUIRE_EQUAL(doc->fields.size(), 2u);
  CAF_CHECK_EQUAL(doc->get("A"), "a");
  CAF_CHECK_EQUAL(doc->get("B"), " 12 ");
}

CAF_TEST(entities and character references) {
  auto doc = parse_flat("<xml><T>&lt;a&gt; &amp; &quot;q&quot; &apos;s&apos;"
                        "</T><N>&#65;&#x42;&#x4e2d;&#x1F600;</N>"
                        "<C><![CDATA[&lt; stays]]></C></xml>");
  CAF_REQUIRE(doc);
  CAF_CHECK_EQUAL(doc->get("T"), "<a> & \"q\" 's'");
  CAF_CHECK_EQUAL(doc->get("N"), "AB\xE4\xB8\xAD\xF0\x9F\x98\x80");
  CAF_CHECK_EQUAL(doc->get("C"), "&lt; stays");
}

CAF_TEST(mixed CDATA and text concatenate) {
  auto doc = parse_flat("<xml><K>a<![CDATA[<b>]]>c<![CDATA[]]>&amp;</K></xml>");
  CAF_REQUIRE(doc);
  CAF_CHECK_EQUAL(doc->get("K"), "a<b>c&");
}

CAF_TEST(nested elements are flattened to dotted keys) {
  auto doc = parse_flat(
    "<xml><MsgType><![CDATA[event]]></MsgType><Event><![CDATA[scancode_push]]>"
    "</Event><ScanCodeInfo><ScanType><![CDATA[qrcode]]></ScanType>"
    "<ScanResult><![CDATA[1]]></ScanResult></ScanCodeInfo>"
    "<SendPicsInfo><Count>2</Count><PicList><item><PicMd5Sum>a</PicMd5Sum>"
    "</item><item><PicMd5Sum>b</PicMd5Sum></item></PicList></SendPicsInfo>"
    "</xml>");
  CAF_REQUIRE(doc);
  CAF_REQUIRE_EQUAL(doc->fields.size(), 7u);
  CAF_CHECK_EQUAL(doc->get("ScanCodeInfo.ScanType"), "qrcode");
  CAF_CHECK_EQUAL(doc->get("ScanCodeInfo.ScanResult"), "1");
  CAF_CHECK(doc->find("ScanCodeInfo") == nullptr);
  CAF_CHECK_EQUAL(doc->get("SendPicsInfo.Count"), "2");
  CAF_CHECK_EQUAL(doc->fields[5].key, "SendPicsInfo.PicList.item.PicMd5Sum");
  CAF_CHECK_EQUAL(doc->fields[5].value, "a");
  CAF_CHECK_EQUAL(doc->fields[6].value, "b");
}

CAF_TEST(empty elements and attributes) {
  auto doc = parse_flat("<xml a='1'><E/><F></F><G x=\"y\" z = 'w' /></xml>");
  CAF_REQUIRE(doc);
  CAF_REQUIRE_EQUAL(doc->fields.size(), 3u);
  CAF_CHECK(doc->find("E") != nullptr);
  CAF_CHECK_EQUAL(doc->get("E"), "");
  CAF_CHECK_EQUAL(doc->get("F"), "");
  CAF_CHECK_EQUAL(doc->fields[2].key, "G");
  auto empty_root = parse_flat("<xml/>");
  CAF_REQUIRE(empty_root);
  CAF_CHECK(empty_root->fields.empty());
}

CAF_TEST(malformed input is an error with its offset) {
  CAF_CHECK_EQUAL(error_of(""), "xml: no root element at offset 0");
  CAF_CHECK_EQUAL(error_of("hello"), "xml: text before root at offset 0");
  CAF_CHECK_EQUAL(error_of("<xml><A>1</B></xml>"),
                  "xml: </B> closes <A> at offset 12");
  CAF_CHECK_EQUAL(error_of("<xml><A>1</A>"), "xml: unclosed element <xml> at "
                                             "offset 13");
  CAF_CHECK_EQUAL(error_of("<xml><A><![CDATA[x</A></xml>"),
                  "xml: unterminated CDATA at offset 17");
  CAF_CHECK_EQUAL(error_of("<xml><A>&bogus;</A></xml>"),
                  "xml: unknown entity 'bogus' at offset 8");
  CAF_CHECK_EQUAL(error_of("<xml><A>a & b</A></xml>"),
                  "xml: unterminated entity reference at offset 10");
  CAF_CHECK_EQUAL(error_of("<xml><A>&#0;</A></xml>"),
                  "xml: invalid character reference at offset 8");
  CAF_CHECK_EQUAL(error_of("<xml><A>&#xD800;</A></xml>"),
                  "xml: invalid character reference at offset 8");
  CAF_CHECK_EQUAL(error_of("<xml><A>&#x110000;</A></xml>"),
                  "xml: character reference out of range at offset 8");
  CAF_CHECK_EQUAL(error_of("<xml><A>&#12a;</A></xml>"),
                  "xml: bad character reference at offset 8");
  CAF_CHECK_EQUAL(error_of("<xml>text<A>1</A></xml>"),
                  "xml: text directly inside the root at offset 23");
  CAF_CHECK_EQUAL(error_of("<xml><P>x<A>1</A></P></xml>"),
                  "xml: text beside child elements in <P> at offset 21");
  CAF_CHECK_EQUAL(error_of("<xml></xml><more/>"),
                  "xml: content after the root element at offset 11");
  CAF_CHECK_EQUAL(error_of("<xml><1A>x</1A></xml>"),
                  "xml: expected a tag name at offset 6");
  CAF_CHECK_EQUAL(error_of("<xml><A b></A></xml>"),
                  "xml: expected '=' at offset 9");
  CAF_CHECK_EQUAL(error_of("<xml><A b=c></A></xml>"),
                  "xml: expected a quoted attribute value at offset 10");
  CAF_CHECK_EQUAL(error_of("<xml><A b='c></A></xml>"),
                  "xml: unterminated attribute value at offset 11");
  CAF_CHECK_EQUAL(error_of("<xml><A b='1'c='2'></A></xml>"),
                  "xml: expected whitespace before attribute at offset 13");
  CAF_CHECK_EQUAL(error_of("<xml><!-- x </xml>"),
                  "xml: unterminated comment at offset 9");
  CAF_CHECK_EQUAL(error_of("<xml"), "xml: unterminated start tag at offset 4");
  CAF_CHECK_EQUAL(error_of("<xml><A>1</A"), "xml: expected '>' at offset 12");
}

CAF_TEST(DOCTYPE and processing instructions are refused) {
  CAF_CHECK_EQUAL(
    error_of("<!DOCTYPE xml [<!ENTITY e \"boom\">]><xml>&e;</xml>"),
    "xml: DOCTYPE not allowed at offset 0");
  CAF_CHECK_EQUAL(error_of("<?php x ?><xml/>"),
                  "xml: processing instruction not allowed at offset 0");
  CAF_CHECK_EQUAL(error_of("<xml><?pi x?></xml>"),
                  "xml: markup declaration not allowed at offset 5");
  CAF_CHECK_EQUAL(error_of("<xml><A><!ENTITY x></A></xml>"),
                  "xml: markup declaration not allowed at offset 8");
}

CAF_TEST(limits on size and depth) {
  std::string big = "<xml><A>" + std::string(300, 'x') + "</A></xml>";
  std::string error;
  CAF_CHECK(!parse_flat(big, &error, 100));
  CAF_CHECK_EQUAL(error, "xml: document of 318 bytes exceeds the limit of 100");
  CAF_CHECK(parse_flat(big, &error, big.size()));
  auto nest = [](size_t depth) {
    std::string open = "<xml>";
    std::string close;
    for (size_t i = 0; i < depth; ++i) {
      open += "<a>";
      close += "</a>";
    }
    return open + "v" + close + "</xml>";
  };
  auto ok = parse_flat(nest(max_depth));
  CAF_REQUIRE(ok);
  CAF_CHECK_EQUAL(ok->fields.at(0).key, "a.a.a.a.a.a.a.a");
  CAF_CHECK(!parse_flat(nest(max_depth + 1), &error));
  CAF_CHECK_EQUAL(error.substr(0, 31), "xml: elements nested too deeply");
  // Far deeper than the limit must not recurse without bound.
  CAF_CHECK(!parse_flat(nest(100000), &error, 1 << 20));
}

CAF_TEST(every truncation of a valid document fails cleanly) {
  std::string doc
    = "<?xml version=\"1.0\"?><xml><A><![CDATA[x]]]]><![CDATA[>y]]>"
      "</A><B a=\"1\">&#x4e2d;&amp;</B><C/><!-- c --></xml>";
  CAF_REQUIRE(parse_flat(doc));
  for (size_t n = 0; n < doc.size(); ++n)
    CAF_CHECK(!parse_flat(doc.substr(0, n)));
}

CAF_TEST(the writer emits CDATA and escaped text) {
  auto out = flat_writer{}
               .cdata("ToUserName", "user")
               .text("CreateTime", "12")
               .text("T", "a<b>&c")
               .finish();
  CAF_CHECK_EQUAL(out, "<xml><ToUserName><![CDATA[user]]></ToUserName>"
                       "<CreateTime>12</CreateTime>"
                       "<T>a&lt;b&gt;&amp;c</T></xml>");
}

CAF_TEST(the writer splits a CDATA terminator) {
  auto out = flat_writer{}.cdata("K", "a]]>b").finish();
  CAF_CHECK_EQUAL(out, "<xml><K><![CDATA[a]]]]><![CDATA[>b]]></K></xml>");
  for (auto value : {"]]>", "]]]>", "x]]>]]>y", "]]", "]>", ">", "",
                     "<![CDATA[", "]]]]>>"}) {
    flat_writer w{"root"};
    auto doc = parse_flat(w.cdata("K", value).text("P", value).finish());
    CAF_REQUIRE(doc);
    CAF_CHECK_EQUAL(doc->root, "root");
    CAF_CHECK_EQUAL(doc->get("K"), value);
    CAF_CHECK_EQUAL(doc->get("P"), value);
  }
}

CAF_TEST(the writer starts over after finish) {
  flat_writer w;
  CAF_CHECK_EQUAL(w.cdata("A", "1").finish(),
                  "<xml><A><![CDATA[1]]></A></xml>");
  CAF_CHECK_EQUAL(w.finish(), "<xml></xml>");
}
