// Atoms of the llm handler: HTTP results and its own timers come back to
// it as messages.

#pragma once

#include <caf/type_id.hpp>

#include "actors/type_ids.hpp"

CAF_BEGIN_TYPE_ID_BLOCK(tether_llm, caf::id_block::tether_actors::end)

  /// HTTP client -> handler: one attempt finished (uint64_t job, int
  /// status, std::string retry_after, std::string body, std::string error).
  CAF_ADD_ATOM(tether_llm, tether, llm_done_atom, "llmdone")
  /// Handler -> itself: start the next attempt of a job (uint64_t job).
  CAF_ADD_ATOM(tether_llm, tether, llm_retry_atom, "llmretry")
  /// Handler -> itself: a job's budget is spent (uint64_t job).
  CAF_ADD_ATOM(tether_llm, tether, llm_expire_atom, "llmexpire")

CAF_END_TYPE_ID_BLOCK(tether_llm)
