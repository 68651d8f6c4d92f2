#define CAF_SUITE protocols.discord.rest_route

#include "protocols/discord/rest_route.hpp"

#include "caf/test/unit_test.hpp"

using namespace tether::discord;

CAF_TEST(top level ids stay and other snowflakes collapse) {
  CAF_CHECK_EQUAL(route_key("POST", "/channels/123/messages/456/reactions"),
                  "POST /channels/123/messages/:id/reactions");
  CAF_CHECK_EQUAL(route_key("POST", "/channels/123/messages"),
                  "POST /channels/123/messages");
  CAF_CHECK_EQUAL(route_key("GET", "/guilds/42/members/777"),
                  "GET /guilds/42/members/:id");
  CAF_CHECK_EQUAL(route_key("GET", "/users/555"), "GET /users/:id");
  CAF_CHECK_EQUAL(route_key("GET", "/users/@me/channels"),
                  "GET /users/@me/channels");
  CAF_CHECK_EQUAL(route_key("PUT", "/applications/1/commands/2"),
                  "PUT /applications/:id/commands/:id");
  CAF_CHECK_EQUAL(route_key("GET", ""), "GET /");
}

CAF_TEST(different channels get different keys) {
  CAF_CHECK_NOT_EQUAL(route_key("POST", "/channels/1/messages"),
                      route_key("POST", "/channels/2/messages"));
  CAF_CHECK_EQUAL(route_key("PATCH", "/channels/1/messages/10"),
                  route_key("PATCH", "/channels/1/messages/20"));
  CAF_CHECK_NOT_EQUAL(route_key("GET", "/channels/1/messages"),
                      route_key("POST", "/channels/1/messages"));
}

CAF_TEST(webhook id and token are both part of the key) {
  CAF_CHECK_EQUAL(route_key("POST", "/webhooks/1/tok-en_X"),
                  "POST /webhooks/1/tok-en_X");
  CAF_CHECK_EQUAL(route_key("PATCH", "/webhooks/1/tok/messages/99"),
                  "PATCH /webhooks/1/tok/messages/:id");
  CAF_CHECK_EQUAL(route_key("GET", "/webhooks/77"), "GET /webhooks/77");
}

CAF_TEST(all reactions of a message share one key) {
  CAF_CHECK_EQUAL(route_key("PUT", "/channels/1/messages/2/reactions/"
                                   "%F0%9F%91%8D/@me"),
                  "PUT /channels/1/messages/:id/reactions/:reaction");
  CAF_CHECK_EQUAL(route_key("PUT", "/channels/1/messages/3/reactions/"
                                   "name:123456/@me"),
                  "PUT /channels/1/messages/:id/reactions/:reaction");
}

CAF_TEST(deleting a message has its own bucket) {
  CAF_CHECK_EQUAL(route_key("DELETE", "/channels/123/messages/456"),
                  "DELETE /channels/123/messages/:id#delete");
  CAF_CHECK_EQUAL(route_key("delete", "/channels/123/messages/456"),
                  "DELETE /channels/123/messages/:id#delete");
  CAF_CHECK_EQUAL(route_key("GET", "/channels/123/messages/456"),
                  "GET /channels/123/messages/:id");
  CAF_CHECK_EQUAL(route_key("DELETE", "/channels/123/messages/456/reactions"),
                  "DELETE /channels/123/messages/:id/reactions");
  CAF_CHECK_EQUAL(route_key("DELETE", "/channels/123"), "DELETE /channels/123");
}

CAF_TEST(api prefix host query and fragment are ignored) {
  CAF_CHECK_EQUAL(route_key("post", "/api/v10/channels/1/messages?x=1"),
                  "POST /channels/1/messages");
  CAF_CHECK_EQUAL(route_key("POST", "https://discord.com/api/v10/webhooks/1/"
                                    "tok?wait=true"),
                  "POST /webhooks/1/tok");
  CAF_CHECK_EQUAL(route_key("POST", "https://discord.com/api/webhooks/1/tok#x"),
                  "POST /webhooks/1/tok");
  CAF_CHECK_EQUAL(route_key("GET", "/apiary/5"), "GET /apiary/:id");
}

CAF_TEST(interaction tokens never enter the key) {
  CAF_CHECK_EQUAL(route_key("POST", "/interactions/123/aW50ZXJh/callback"),
                  "POST /interactions/:id/:token/callback");
}

CAF_TEST(loggable routes mask tokens) {
  CAF_CHECK_EQUAL(loggable_route("POST /webhooks/1/secret"),
                  "POST /webhooks/1/***");
  CAF_CHECK_EQUAL(loggable_route("PATCH /webhooks/1/secret/messages/:id"),
                  "PATCH /webhooks/1/***/messages/:id");
  CAF_CHECK_EQUAL(loggable_route("https://discord.com/api/v10/webhooks/1/"
                                 "secret?wait=true"),
                  "https://discord.com/api/v10/webhooks/1/***?wait=true");
  CAF_CHECK_EQUAL(loggable_route("POST /interactions/1/secret/callback"),
                  "POST /interactions/1/***/callback");
  CAF_CHECK_EQUAL(loggable_route(route_key("POST", "/webhooks/9/s3cr3t")),
                  "POST /webhooks/9/***");
  CAF_CHECK_EQUAL(loggable_route("POST /interactions/:id/:token/callback"),
                  "POST /interactions/:id/:token/callback");
}

CAF_TEST(loggable routes leave the rest alone) {
  CAF_CHECK_EQUAL(loggable_route("GET /channels/1/messages"),
                  "GET /channels/1/messages");
  CAF_CHECK_EQUAL(loggable_route("GET /webhooks/1"), "GET /webhooks/1");
  CAF_CHECK_EQUAL(loggable_route("GET /webhooks/1?x=y"), "GET /webhooks/1?x=y");
  CAF_CHECK_EQUAL(loggable_route(""), "");
}

CAF_TEST(major parameters name the top level resource) {
  CAF_CHECK_EQUAL(major_parameter("POST /channels/1/messages"), "channels/1");
  CAF_CHECK_EQUAL(major_parameter("GET /guilds/2/members/:id"), "guilds/2");
  CAF_CHECK_EQUAL(major_parameter("POST /webhooks/3/tok"), "webhooks/3/tok");
  CAF_CHECK_EQUAL(major_parameter("PATCH /webhooks/3/tok/messages/:id"),
                  "webhooks/3/tok");
  CAF_CHECK_EQUAL(major_parameter("GET /webhooks/3"), "webhooks/3");
  CAF_CHECK_EQUAL(major_parameter("DELETE /channels/1/messages/:id#delete"),
                  "channels/1");
  CAF_CHECK_EQUAL(major_parameter("GET /users/@me"), "");
  CAF_CHECK_EQUAL(major_parameter("GET /channels"), "");
}
