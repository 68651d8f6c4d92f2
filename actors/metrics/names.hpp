// The metric families of tether, one function each: the first call
// registers the family in the global registry, later calls return it.
// docs/metrics.md describes every one; keep the two in step.
//
// Hot paths look a series up once and keep the reference:
//
//   auto& sent = metrics::replies().with({"discord", "ok"}); // setup
//   sent.inc();                                              // per reply

#pragma once

#include "actors/metrics/registry.hpp"

namespace tether::metrics {

// -- webhook ingress ----------------------------------------------------------

/// tether_webhook_requests_total{platform,status}: answered webhook
/// requests; status is the class (`2xx`, `4xx`, `5xx`).
family<counter>& webhook_requests();

/// tether_webhook_request_duration_seconds{platform}: from the complete
/// request to the answer.
family<histogram>& webhook_request_duration();

/// tether_webhook_errors_total{platform,reason}: rejected or unanswered
/// webhook requests.
family<counter>& webhook_errors();

// -- connections --------------------------------------------------------------

/// tether_gateway_connections{platform,bot}: connections that are up
/// (gateway shards past READY/RESUMED, Mirai and OneBot sessions).
family<gauge>& gateway_connections();

/// tether_gateway_events_total{platform,bot}: gateway dispatches received.
family<counter>& gateway_events();

/// tether_heartbeat_rtt_seconds{platform,bot}: heartbeat to ACK.
family<histogram>& heartbeat_rtt();

/// tether_gateway_reconnects_total{platform,bot}: connection attempts of
/// a shard after its first.
family<counter>& gateway_reconnects();

/// tether_rest_rate_limited_total{platform}: HTTP 429 answers of a
/// platform's REST API.
family<counter>& rest_rate_limited();

// -- messages (router, handlers, outbox, senders) -----------------------------

/// tether_messages_processed_total{platform,bot}: inbound messages the
/// router took.
family<counter>& messages_processed();

/// tether_message_latency_seconds{platform}: from receiving a message to
/// its reply being sent (latency_buckets()).
family<histogram>& message_latency();

/// tether_outbox_depth: replies waiting in the outbox.
family<gauge>& outbox_depth();

/// tether_replies_total{platform,result}: replies by outcome (`ok`,
/// `retry`, `dropped`, ...).
family<counter>& replies();

/// tether_handler_calls_total{handler,result}: handler calls by outcome
/// (`ok`, `error`, `timeout`).
family<counter>& handler_calls();

/// tether_handler_duration_seconds{handler}: one handler call.
family<histogram>& handler_duration();

/// tether_router_dropped_total{reason}: inbound messages the router did
/// not pass on.
family<counter>& router_dropped();

// -- all ----------------------------------------------------------------------

/// Registers every family above, so a scrape lists them (HELP and TYPE)
/// before their first series exists.
void declare_all();

/// `2xx` for 200..299 and so on; `other` outside 100..599.
const char* status_class(int status);

} // namespace tether::metrics
