// Atoms and message types of the sandbox platform's console side: the
// admin console injects lines and follows the conversation.

#pragma once

#include <cstdint>
#include <string>

#include <caf/allowed_unsafe_message_type.hpp>
#include <caf/type_id.hpp>

#include "actors/sandbox/transcript.hpp"
#include "actors/type_ids.hpp"

CAF_BEGIN_TYPE_ID_BLOCK(tether_sandbox, caf::id_block::tether_actors::end)

  /// Admin -> sandbox (request): (std::string text, int64_t wait_ms) takes
  /// `text` as if typed on stdin -> std::string, a JSON object
  /// `{"id": "...", "replies": [entry...]}`; with wait_ms > 0 the answer
  /// comes with the first reply to that line or after wait_ms.
  CAF_ADD_ATOM(tether_sandbox, tether::sandbox, say_atom, "sbsay")
  /// Admin -> sandbox (request): (uint32_t n) -> std::string, a JSON array
  /// of the last n transcript entries.
  CAF_ADD_ATOM(tether_sandbox, tether::sandbox, transcript_atom, "sbtail")
  /// Admin -> sandbox (request): (transcript_watch_ptr, uint32_t backlog)
  /// -> ok; the watcher gets the last `backlog` entries, then every new one.
  CAF_ADD_ATOM(tether_sandbox, tether::sandbox, watch_atom, "sbwatch")
  /// Sandbox -> itself: (std::string id) the wait for a reply to `id` is
  /// over.
  CAF_ADD_ATOM(tether_sandbox, tether::sandbox, say_timeout_atom, "sbsaytime")

CAF_END_TYPE_ID_BLOCK(tether_sandbox)

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(tether::sandbox::transcript_watch_ptr)
