#include "actors/metrics/names.hpp"

namespace tether::metrics {

family<counter>& webhook_requests() {
  static auto& x = counter_family("tether_webhook_requests_total",
                                  "Webhook requests answered, by platform and "
                                  "status class.",
                                  {"platform", "status"});
  return x;
}

family<histogram>& webhook_request_duration() {
  static auto& x = histogram_family(
    "tether_webhook_request_duration_seconds",
    "Time from a complete webhook request to its answer.", {"platform"});
  return x;
}

family<counter>& webhook_errors() {
  static auto& x = counter_family("tether_webhook_errors_total",
                                  "Webhook requests rejected or left "
                                  "unanswered, by platform and reason.",
                                  {"platform", "reason"});
  return x;
}

family<gauge>& gateway_connections() {
  static auto& x = gauge_family("tether_gateway_connections",
                                "Connections that are up: gateway shards past "
                                "READY or RESUMED, Mirai and OneBot sessions.",
                                {"platform", "bot"});
  return x;
}

family<counter>& gateway_events() {
  static auto& x = counter_family("tether_gateway_events_total",
                                  "Gateway dispatch events received.",
                                  {"platform", "bot"});
  return x;
}

family<histogram>& heartbeat_rtt() {
  static auto& x = histogram_family("tether_heartbeat_rtt_seconds",
                                    "Time from a gateway heartbeat to its "
                                    "ACK.",
                                    {"platform", "bot"});
  return x;
}

family<counter>& gateway_reconnects() {
  static auto& x = counter_family("tether_gateway_reconnects_total",
                                  "Gateway connection attempts of a shard "
                                  "after its first.",
                                  {"platform", "bot"});
  return x;
}

family<counter>& rest_rate_limited() {
  static auto& x = counter_family("tether_rest_rate_limited_total",
                                  "HTTP 429 answers from a platform's REST "
                                  "API.",
                                  {"platform"});
  return x;
}

family<counter>& messages_processed() {
  static auto& x = counter_family("tether_messages_processed_total",
                                  "Inbound messages taken by the router.",
                                  {"platform", "bot"});
  return x;
}

family<histogram>& message_latency() {
  static auto& x = histogram_family("tether_message_latency_seconds",
                                    "Time from receiving a message to its "
                                    "reply being sent.",
                                    {"platform"}, latency_buckets());
  return x;
}

family<gauge>& outbox_depth() {
  static auto& x = gauge_family("tether_outbox_depth",
                                "Replies waiting in the outbox.", {});
  return x;
}

family<counter>& replies() {
  static auto& x = counter_family("tether_replies_total",
                                  "Replies by platform and result.",
                                  {"platform", "result"});
  return x;
}

family<counter>& handler_calls() {
  static auto& x = counter_family("tether_handler_calls_total",
                                  "Handler calls by handler and result.",
                                  {"handler", "result"});
  return x;
}

family<histogram>& handler_duration() {
  static auto& x = histogram_family("tether_handler_duration_seconds",
                                    "Duration of one handler call.",
                                    {"handler"});
  return x;
}

family<counter>& router_dropped() {
  static auto& x = counter_family("tether_router_dropped_total",
                                  "Inbound messages the router dropped, by "
                                  "reason.",
                                  {"reason"});
  return x;
}

void declare_all() {
  webhook_requests();
  webhook_request_duration();
  webhook_errors();
  gateway_connections();
  gateway_events();
  heartbeat_rtt();
  gateway_reconnects();
  rest_rate_limited();
  messages_processed();
  message_latency();
  outbox_depth();
  replies();
  handler_calls();
  handler_duration();
  router_dropped();
}

const char* status_class(int status) {
  switch (status / 100) {
    case 1:
      return "1xx";
    case 2:
      return "2xx";
    case 3:
      return "3xx";
    case 4:
      return "4xx";
    case 5:
      return "5xx";
    default:
      return other_label;
  }
}

} // namespace tether::metrics
