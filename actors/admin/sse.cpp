#include "actors/admin/sse.hpp"

#include <chrono>
#include <memory>

#include "actors/admin/json.hpp"

namespace tether::admin {

namespace {

int64_t unix_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch())
    .count();
}

} // namespace

std::string sse_frame(std::string_view name, std::string_view data) {
  std::string out;
  out.reserve(data.size() + name.size() + 16);
  out += "event: ";
  out += name;
  out += '\n';
  for (;;) {
    auto nl = data.find('\n');
    out += "data: ";
    out += data.substr(0, nl);
    out += '\n';
    if (nl == std::string_view::npos)
      break;
    data.remove_prefix(nl + 1);
  }
  out += '\n';
  return out;
}

net::header_list sse_headers() {
  return {{"Content-Type", "text/event-stream"},
          {"Cache-Control", "no-cache"},
          // Reverse proxies must not hold events back.
          {"X-Accel-Buffering", "no"}};
}

net::http_stream stream_events(net::http_responder& responder,
                               const supervision::event_hub_ptr& hub) {
  auto stream = responder.start_stream(sse_headers());
  if (!stream.write(": tether supervisor events\n\n"))
    return stream;
  auto id = hub->subscribe(
    [stream](const supervision::supervisor_event& ev) mutable {
      // False once the client is gone or fell behind: unsubscribes.
      return stream.write(sse_frame("supervisor", event_json(ev, unix_ms())
                                                    .dump()));
    });
  std::weak_ptr<supervision::event_hub> weak = hub;
  stream.on_close([weak, id] {
    if (auto h = weak.lock())
      h->unsubscribe(id);
  });
  return stream;
}

net::http_stream stream_logs(net::http_responder& responder,
                             logging::log_ring& ring, size_t backlog) {
  auto stream = responder.start_stream(sse_headers());
  if (!stream.write(": tether log\n\n"))
    return stream;
  for (auto& line : ring.tail(backlog))
    stream.write(sse_frame("log", line));
  auto id = ring.follow([stream](const std::string& line) mutable {
    return stream.write(sse_frame("log", line));
  });
  auto* ptr = &ring;
  stream.on_close([ptr, id] { ptr->unfollow(id); });
  return stream;
}

} // namespace tether::admin
