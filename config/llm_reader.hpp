// Reads the `settings` of a `kind: llm` handler (internal to the loader).

#pragma once

#include "config/config.hpp"
#include "config/reader.hpp"

namespace tether::config::detail {

/// The keys of an llm handler's `settings`.
extern const std::vector<std::string> llm_keys;

/// Reads `x` into `out`, recording every error with its position.
/// `handler_timeout` bounds the whole call: a `request_timeout` that is
/// set must be shorter.
void read_llm(reader& r, const node_ref& x, duration handler_timeout,
              llm_settings& out);

/// Checks an llm `base_url`: http or https, a host, no query or fragment,
/// plain http only for a loopback host. Returns the error, or empty.
std::string check_llm_base_url(const std::string& url);

} // namespace tether::config::detail
