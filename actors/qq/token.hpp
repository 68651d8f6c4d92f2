// The access token of one QQ bot: the `token` actor fetches it with
// getAppAccessToken, refreshes it before it expires (PROTOCOLS.md §2.1:
// within 60 s of expiry a fetch returns a new one and the old one stays
// valid for those 60 s), and backs off on failures without ever spinning.
// Rejected credentials park the bot. Everyone else reads the current token
// from the shared token_cell, so shards and senders always use it.

#pragma once

#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include <caf/actor.hpp>
#include <caf/fwd.hpp>

#include "actors/runtime.hpp"
#include "config/config.hpp"

namespace tether::net {
class http_client;
} // namespace tether::net

namespace tether::qq {

class token_cell {
public:
  using time_point = std::chrono::steady_clock::time_point;

  /// The current token; nullopt before the first fetch and after expiry.
  std::optional<std::string> get(time_point now) const;

  void set(std::string token, time_point expires);

  /// How many tokens were stored so far.
  uint64_t generation() const;

private:
  mutable std::mutex mtx_;
  std::string token_;
  time_point expires_;
  uint64_t generation_ = 0;
};

using token_ptr = std::shared_ptr<token_cell>;

/// The node `platforms/qq:NAME/token`.
caf::actor spawn_token(caf::local_actor* parent, runtime_ptr rt,
                       config::qq_settings settings,
                       std::shared_ptr<net::http_client> http, token_ptr cell,
                       std::string path);

} // namespace tether::qq
