#define CAF_SUITE protocols.net.url

#include "protocols/net/url.hpp"

#include "caf/test/unit_test.hpp"

using namespace tether::net;

namespace {

url parse_ok(const std::string& text) {
  std::string error;
  auto result = parse_url(text, &error);
  if (!result) CAF_FAIL("cannot parse " << text << ": " << error);
  return *result;
}

std::string parse_error(const std::string& text) {
  std::string error;
  auto result = parse_url(text, &error);
  CAF_CHECK(!result);
  return error;
}

} // namespace

CAF_TEST(default ports follow the scheme) {
  CAF_CHECK_EQUAL(parse_ok("ws://example.com").port, 80u);
  CAF_CHECK_EQUAL(parse_ok("http://example.com").port, 80u);
  CAF_CHECK_EQUAL(parse_ok("wss://example.com").port, 443u);
  CAF_CHECK_EQUAL(parse_ok("https://example.com").port, 443u);
  CAF_CHECK(parse_ok("wss://example.com").tls());
  CAF_CHECK(!parse_ok("ws://example.com").tls());
}

CAF_TEST(full URLs split into host port and target) {
  auto x = parse_ok("wss://gateway.discord.gg:8443/?v=10&encoding=json");
  CAF_CHECK_EQUAL(x.scheme, "wss");
  CAF_CHECK_EQUAL(x.host, "gateway.discord.gg");
  CAF_CHECK_EQUAL(x.port, 8443u);
  CAF_CHECK_EQUAL(x.target, "/?v=10&encoding=json");
  CAF_CHECK_EQUAL(x.host_header(), "gateway.discord.gg:8443");
  CAF_CHECK_EQUAL(x.origin(), "wss://gateway.discord.gg:8443");
  auto y = parse_ok("https://api.example.com/v1/send");
  CAF_CHECK_EQUAL(y.target, "/v1/send");
  CAF_CHECK_EQUAL(y.host_header(), "api.example.com");
  CAF_CHECK_EQUAL(y.origin(), "https://api.example.com:443");
}

CAF_TEST(the target defaults to a slash and drops the fragment) {
  CAF_CHECK_EQUAL(parse_ok("http://h").target, "/");
  CAF_CHECK_EQUAL(parse_ok("http://h:81").target, "/");
  CAF_CHECK_EQUAL(parse_ok("http://h?x=1").target, "/?x=1");
  CAF_CHECK_EQUAL(parse_ok("http://h/a#frag").target, "/a");
  CAF_CHECK_EQUAL(parse_ok("http://h#frag").target, "/");
}

CAF_TEST(scheme and host are case insensitive) {
  auto x = parse_ok("HTTPS://Example.COM/Path");
  CAF_CHECK_EQUAL(x.scheme, "https");
  CAF_CHECK_EQUAL(x.host, "example.com");
  CAF_CHECK_EQUAL(x.target, "/Path");
}

CAF_TEST(IPv4 and IPv6 literals) {
  auto v4 = parse_ok("ws://127.0.0.1:9000/ws");
  CAF_CHECK_EQUAL(v4.host, "127.0.0.1");
  CAF_CHECK_EQUAL(v4.port, 9000u);
  auto v6 = parse_ok("http://[::1]:8080/x");
  CAF_CHECK_EQUAL(v6.host, "::1");
  CAF_CHECK_EQUAL(v6.port, 8080u);
  CAF_CHECK_EQUAL(v6.host_header(), "[::1]:8080");
  CAF_CHECK_EQUAL(parse_ok("https://[::1]/").host_header(), "[::1]");
}

CAF_TEST(the Host header omits only the default port) {
  CAF_CHECK_EQUAL(parse_ok("http://h:80/").host_header(), "h");
  CAF_CHECK_EQUAL(parse_ok("http://h:443/").host_header(), "h:443");
  CAF_CHECK_EQUAL(parse_ok("https://h:443/").host_header(), "h");
  CAF_CHECK(parse_ok("https://h:443/").default_port());
  CAF_CHECK(!parse_ok("https://h:80/").default_port());
}

CAF_TEST(malformed URLs are rejected with a reason) {
  CAF_CHECK_EQUAL(parse_error("example.com/path"),
                  "missing scheme in \"example.com/path\"");
  CAF_CHECK_EQUAL(parse_error("ftp://example.com"),
                  "unsupported scheme \"ftp\"");
  CAF_CHECK_EQUAL(parse_error("http://"), "missing host");
  CAF_CHECK_EQUAL(parse_error("http://:80/"), "missing host");
  CAF_CHECK_EQUAL(parse_error("http://h:/"), "invalid port \"\"");
  CAF_CHECK_EQUAL(parse_error("http://h:0/"), "invalid port \"0\"");
  CAF_CHECK_EQUAL(parse_error("http://h:65536/"), "invalid port \"65536\"");
  CAF_CHECK_EQUAL(parse_error("http://h:12a/"), "invalid port \"12a\"");
  CAF_CHECK_EQUAL(parse_error("http://h:1:2/"), "invalid port \"1:2\"");
  CAF_CHECK_EQUAL(parse_error("http://user:pw@h/"),
                  "user info in URLs is not supported");
  CAF_CHECK_EQUAL(parse_error("http://[::1/"), "unterminated IPv6 address");
  CAF_CHECK_EQUAL(parse_error("http://[]/"), "missing host");
  CAF_CHECK_EQUAL(parse_error("http://[::1]x/"), "invalid host");
  CAF_CHECK_EQUAL(parse_error("http://ex ample.com/"),
                  "invalid host \"ex ample.com\"");
  CAF_CHECK_EQUAL(parse_error("http://h/a b"), "invalid character in path");
  CAF_CHECK(!parse_url("http://h/\x01"));
}

CAF_TEST(the error output is optional) {
  CAF_CHECK(!parse_url("nope"));
  CAF_CHECK(parse_url("ws://h"));
}
