// Atoms of the QQ actors (the gateway ones are in actors/gateway).

#pragma once

#include <caf/type_id.hpp>

#include "actors/gateway/type_ids.hpp"

CAF_BEGIN_TYPE_ID_BLOCK(tether_qq, caf::id_block::tether_gateway::end)

  /// token -> itself (http_response): the getAppAccessToken answer.
  CAF_ADD_ATOM(tether_qq, tether::qq, token_atom, "qqtoken")
  /// token -> itself: time to fetch a new access token.
  CAF_ADD_ATOM(tether_qq, tether::qq, refresh_atom, "qqrefresh")
  /// sender -> itself (uint64_t job id): send or retry a job.
  CAF_ADD_ATOM(tether_qq, tether::qq, send_job_atom, "qqsend")

CAF_END_TYPE_ID_BLOCK(tether_qq)
