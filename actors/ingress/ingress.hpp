// The webhook ingress, node `core/ingress`: one HTTP server (protocols/net/
// http_server.hpp) for every webhook platform. A request for a path with
// no platform behind it gets 404. Any other request goes, with its
// responder, to the actor registered as `webhook:<path>` in the
// directory; that actor verifies it, answers within its platform's
// deadline and dispatches the event. The ingress itself never looks
// inside a request.

#pragma once

#include <map>
#include <string>

#include "actors/ingress/meter.hpp"
#include "actors/ingress/replay_guard.hpp"
#include "actors/ingress/type_ids.hpp"
#include "actors/runtime.hpp"
#include "config/config.hpp"
#include "protocols/net/http_server.hpp"
#include "supervision/child_spec.hpp"

namespace tether::ingress {

/// True when some platform receives webhooks (the ingress then runs).
bool has_webhooks(const config::tether_config& cfg);

/// The child `ingress` of `core`.
supervision::child_spec ingress_spec(runtime_ptr rt);

/// The replay guard of the daemon (`<data_dir>/ingress-seen.log`), shared
/// by every webhook platform; made and loaded on first use.
replay_guard_ptr shared_replay_guard(const config::tether_config& cfg);

/// Answers `status` with an empty body.
void respond_empty(const webhook_call& call, int status);

/// Answers 200 with `body` and `content_type`.
void respond_ok(const webhook_call& call, std::string body,
                std::string content_type);

/// Rejections of one platform, counted per reason (also in
/// tether_webhook_errors_total) and logged; the client gets `status` with
/// an empty body, so nothing helps an attacker.
class rejections {
public:
  explicit rejections(std::string component, std::string path)
    : component_(std::move(component)), path_(std::move(path)) {
    // nop
  }

  void reject(const webhook_call& call, int status, const std::string& reason,
              const std::string& detail = {});

  uint64_t count(const std::string& reason) const;

  uint64_t total() const;

private:
  std::string component_;
  std::string path_;
  std::map<std::string, uint64_t> counts_;
  std::map<std::string, metrics::counter*> meters_;
};

/// Unix seconds now (wall clock: platforms sign wall-clock timestamps).
int64_t unix_now();

/// The value of query parameter `key` (percent-decoded), or empty.
std::string query_param(const std::string& query, const std::string& key);

} // namespace tether::ingress
