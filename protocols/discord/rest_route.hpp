// Discord REST route keys (PROTOCOLS.md §1.11): the name under which the
// rate limiter tracks a request until Discord tells us its bucket id.
// Discord computes per-route limits per top-level resource, so channel,
// guild and webhook ids stay in the key while every other id collapses.
// Pure string functions.

#pragma once

#include <string>
#include <string_view>

namespace tether::discord {

/// Appended to `DELETE /channels/{id}/messages/:id`: deleting messages has
/// its own, undocumented limit that Discord's headers do not describe. A
/// path never contains '#', so the marker cannot clash with a real route.
constexpr std::string_view delete_message_marker = "#delete";

/// The bucket key for a request, e.g. `POST /channels/123/messages/456/
/// reactions` → `POST /channels/123/messages/:id/reactions`. `path` is
/// relative to the API base (`/channels/...`); a leading `/api[/vN]`, a
/// scheme and host, a query and a fragment are ignored. Kept: the id after
/// `/channels/` and `/guilds/`, id and token after `/webhooks/`. Other
/// all-digit segments become `:id`, everything after `/reactions/` becomes
/// `:reaction` (one bucket for all emoji), interaction tokens `:token`.
/// The key holds webhook tokens: log it only through `loggable_route`.
std::string route_key(std::string_view method, std::string_view path);

/// `key` with webhook and interaction tokens replaced by `***`; also safe
/// for raw paths and URLs.
std::string loggable_route(std::string_view key);

/// The top-level resource of a route key, e.g. `channels/123` or
/// `webhooks/1/tok`; empty when the route has none. Discord's bucket ids
/// are shared across resources, but their counters are per resource.
std::string_view major_parameter(std::string_view key);

} // namespace tether::discord
