#define CAF_SUITE actors.admin.routes

#include "caf/test/unit_test.hpp"

#include "actors/admin/routes.hpp"

using namespace tether::admin;

CAF_TEST(fixed endpoints match their path and method) {
  CAF_CHECK(parse_route("GET", "/api/tree").ep == endpoint::tree);
  CAF_CHECK(parse_route("GET", "/api/tree/").ep == endpoint::tree);
  CAF_CHECK(parse_route("GET", "/api/policies").ep == endpoint::policies);
  CAF_CHECK(parse_route("POST", "/api/reload").ep == endpoint::reload);
  CAF_CHECK(parse_route("GET", "/api/events").ep == endpoint::events);
  CAF_CHECK(parse_route("GET", "/api/logs").ep == endpoint::logs);
  CAF_CHECK(parse_route("GET", "/healthz").ep == endpoint::healthz);
  CAF_CHECK(parse_route("GET", "/readyz").ep == endpoint::readyz);
  CAF_CHECK(parse_route("GET", "/metrics").ep == endpoint::metrics);
}

CAF_TEST(a wrong method is 405 with the allowed one) {
  auto r = parse_route("GET", "/api/reload");
  CAF_CHECK(r.ep == endpoint::none);
  CAF_CHECK_EQUAL(r.status, 405);
  CAF_CHECK_EQUAL(r.allow, "POST");
  r = parse_route("DELETE", "/api/tree");
  CAF_CHECK_EQUAL(r.status, 405);
  CAF_CHECK_EQUAL(r.allow, "GET");
  r = parse_route("GET", "/api/nodes/core/router/restart");
  CAF_CHECK_EQUAL(r.status, 405);
  CAF_CHECK_EQUAL(r.allow, "POST");
  r = parse_route("POST", "/api/policies/core/router");
  CAF_CHECK_EQUAL(r.status, 405);
  CAF_CHECK_EQUAL(r.allow, "GET, PUT");
  r = parse_route("GET", "/api/sandbox/console/say");
  CAF_CHECK_EQUAL(r.status, 405);
  CAF_CHECK_EQUAL(r.allow, "POST");
  r = parse_route("POST", "/api/sandbox/console/transcript");
  CAF_CHECK_EQUAL(r.status, 405);
  CAF_CHECK_EQUAL(r.allow, "GET");
  r = parse_route("POST", "/");
  CAF_CHECK_EQUAL(r.status, 405);
  CAF_CHECK_EQUAL(r.allow, "GET");
}

CAF_TEST(unknown paths are 404) {
  CAF_CHECK_EQUAL(parse_route("GET", "/index.html").status, 404);
  CAF_CHECK_EQUAL(parse_route("GET", "/ui/").status, 404);
  CAF_CHECK_EQUAL(parse_route("GET", "/ui/a/b.js").status, 404);
  CAF_CHECK_EQUAL(parse_route("GET", "/api/sandbox/console/shout").status,
                  404);
  CAF_CHECK_EQUAL(parse_route("GET", "/api").status, 404);
  CAF_CHECK_EQUAL(parse_route("GET", "/api/treex").status, 404);
  CAF_CHECK(parse_route("GET", "/api/treex").ep == endpoint::none);
}

CAF_TEST(node actions keep slashes and colons of the node path) {
  auto r = parse_route("POST",
                       "/api/nodes/platforms/discord:main/shards/shard:0/"
                       "restart");
  CAF_CHECK(r.ep == endpoint::node_action);
  CAF_CHECK_EQUAL(r.node, "platforms/discord:main/shards/shard:0");
  CAF_CHECK_EQUAL(r.action, "restart");
  r = parse_route("POST", "/api/nodes/core/router/stop");
  CAF_CHECK_EQUAL(r.node, "core/router");
  CAF_CHECK_EQUAL(r.action, "stop");
  r = parse_route("POST", "/api/nodes/handlers/commands/start");
  CAF_CHECK_EQUAL(r.action, "start");
}

CAF_TEST(node paths are percent decoded) {
  auto r = parse_route("POST",
                       "/api/nodes/platforms%2Fsandbox%3Aconsole/restart");
  CAF_CHECK(r.ep == endpoint::node_action);
  CAF_CHECK_EQUAL(r.node, "platforms/sandbox:console");
  r = parse_route("PUT", "/api/policies/platforms/sandbox%3aconsole");
  CAF_CHECK(r.ep == endpoint::put_policy);
  CAF_CHECK_EQUAL(r.node, "platforms/sandbox:console");
}

CAF_TEST(the page is served at the root and under ui) {
  auto r = parse_route("GET", "/");
  CAF_CHECK(r.ep == endpoint::asset);
  CAF_CHECK_EQUAL(r.node, "index.html");
  r = parse_route("GET", "/ui/app.js");
  CAF_CHECK(r.ep == endpoint::asset);
  CAF_CHECK_EQUAL(r.node, "app.js");
  r = parse_route("GET", "/ui/style.css");
  CAF_CHECK(r.ep == endpoint::asset);
  CAF_CHECK_EQUAL(r.node, "style.css");
}

CAF_TEST(one policy can be read) {
  auto r = parse_route("GET", "/api/policies/platforms/sandbox%3Aconsole");
  CAF_CHECK(r.ep == endpoint::get_policy);
  CAF_CHECK_EQUAL(r.node, "platforms/sandbox:console");
}

CAF_TEST(sandbox endpoints name the sandbox) {
  auto r = parse_route("POST", "/api/sandbox/console/say");
  CAF_CHECK(r.ep == endpoint::sandbox_say);
  CAF_CHECK_EQUAL(r.node, "console");
  r = parse_route("GET", "/api/sandbox/my%20bot/transcript");
  CAF_CHECK(r.ep == endpoint::sandbox_transcript);
  CAF_CHECK_EQUAL(r.node, "my bot");
  CAF_CHECK_EQUAL(parse_route("POST", "/api/sandbox/say").status, 400);
  CAF_CHECK_EQUAL(parse_route("POST", "/api/sandbox/a%2Fb/say").status, 400);
}

CAF_TEST(malformed node requests are 400) {
  CAF_CHECK_EQUAL(parse_route("POST", "/api/nodes/core/router/explode").status,
                  400);
  CAF_CHECK_EQUAL(parse_route("POST", "/api/nodes/restart").status, 400);
  CAF_CHECK_EQUAL(parse_route("POST", "/api/nodes/a%zz/restart").status, 400);
  CAF_CHECK_EQUAL(parse_route("PUT", "/api/policies/a%2").status, 400);
}

CAF_TEST(percent decoding) {
  CAF_CHECK_EQUAL(percent_decode("a%20b").value_or("?"), "a b");
  CAF_CHECK_EQUAL(percent_decode("a+b").value_or("?"), "a+b");
  CAF_CHECK_EQUAL(percent_decode("a+b", true).value_or("?"), "a b");
  CAF_CHECK(!percent_decode("%"));
  CAF_CHECK(!percent_decode("%4"));
  CAF_CHECK(!percent_decode("%4g"));
  CAF_CHECK_EQUAL(percent_decode("%41%42").value_or("?"), "AB");
}

CAF_TEST(query values and flags) {
  CAF_CHECK_EQUAL(query_value("n=5&follow=1", "n").value_or("?"), "5");
  CAF_CHECK_EQUAL(query_value("n=5&follow=1", "follow").value_or("?"), "1");
  CAF_CHECK(!query_value("n=5", "follow"));
  CAF_CHECK_EQUAL(query_value("a=x%20y", "a").value_or("?"), "x y");
  CAF_CHECK_EQUAL(query_value("flag", "flag").value_or("?"), "");
  CAF_CHECK(query_flag("persist=true", "persist"));
  CAF_CHECK(query_flag("follow=1", "follow"));
  CAF_CHECK(query_flag("x=1&follow=YES", "follow"));
  CAF_CHECK(!query_flag("follow=0", "follow"));
  CAF_CHECK(!query_flag("", "follow"));
}

CAF_TEST(health probes need no token and everything else does) {
  CAF_CHECK(!needs_token(endpoint::healthz));
  CAF_CHECK(!needs_token(endpoint::readyz));
  CAF_CHECK(!needs_token(endpoint::asset));
  CAF_CHECK(needs_token(endpoint::sandbox_say));
  CAF_CHECK(needs_token(endpoint::sandbox_transcript));
  CAF_CHECK(needs_token(endpoint::get_policy));
  CAF_CHECK(needs_token(endpoint::tree));
  CAF_CHECK(needs_token(endpoint::reload));
  CAF_CHECK(needs_token(endpoint::metrics));
  CAF_CHECK(needs_token(endpoint::events));
}
