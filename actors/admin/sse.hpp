// Server-Sent Event streams of the admin console: supervisor events and
// the live log tail. Each stream is an http_stream, whose queue is bounded:
// a client that does not keep up is dropped, never buffered for.

#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "config/log_ring.hpp"
#include "protocols/net/http_server.hpp"
#include "supervision/event_hub.hpp"

namespace tether::admin {

/// One event: `event: NAME`, one `data:` line per line of `data`, blank
/// line.
std::string sse_frame(std::string_view name, std::string_view data);

/// The headers of an event stream.
net::header_list sse_headers();

/// Starts streaming every supervisor event published to `hub` as
/// `event: supervisor` with a JSON object. Returns the stream (closed if
/// the request was already answered).
net::http_stream stream_events(net::http_responder& responder,
                               const supervision::event_hub_ptr& hub);

/// Starts streaming log lines as `event: log`: the last `backlog` lines of
/// `ring`, then every new one.
net::http_stream stream_logs(net::http_responder& responder,
                             logging::log_ring& ring, size_t backlog);

} // namespace tether::admin
