// Atoms and message types of the supervision layer.

#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <caf/allowed_unsafe_message_type.hpp>
#include <caf/atom.hpp>
#include <caf/type_id.hpp>

#include "supervision/child_spec.hpp"
#include "supervision/policy.hpp"
#include "supervision/snapshot.hpp"

CAF_BEGIN_TYPE_ID_BLOCK(tether_supervision, caf::first_custom_type_id)

  CAF_ADD_TYPE_ID(tether_supervision, (tether::supervision::node_snapshot))

  /// Request: a snapshot of the receiver's subtree.
  CAF_ADD_ATOM(tether_supervision, tether::supervision, snapshot_atom,
               "snapshot")
  /// Child -> supervisor: initialisation is done.
  CAF_ADD_ATOM(tether_supervision, tether::supervision, ready_atom, "ready")
  /// Request (child_spec): add and start a child.
  CAF_ADD_ATOM(tether_supervision, tether::supervision, start_child_atom,
               "startchild")
  /// Request (id): stop a child and keep its spec.
  CAF_ADD_ATOM(tether_supervision, tether::supervision, terminate_child_atom,
               "termchild")
  /// Request (id): stop (if running) and start a child now, no backoff.
  CAF_ADD_ATOM(tether_supervision, tether::supervision, restart_child_atom,
               "restartch")
  /// Request (id): remove a stopped child.
  CAF_ADD_ATOM(tether_supervision, tether::supervision, delete_child_atom,
               "deletechld")
  /// Request (id, restart_policy): change a child's policy in place.
  CAF_ADD_ATOM(tether_supervision, tether::supervision, set_policy_atom,
               "setpolicy")
  /// Request: ids of the children in start order.
  CAF_ADD_ATOM(tether_supervision, tether::supervision, which_children_atom,
               "children")
  /// Internal: a supervisor starts its initial children.
  CAF_ADD_ATOM(tether_supervision, tether::supervision, init_atom, "init")
  /// Internal timers of a supervisor.
  CAF_ADD_ATOM(tether_supervision, tether::supervision, restart_atom,
               "restart")
  CAF_ADD_ATOM(tether_supervision, tether::supervision, kill_atom, "killtimer")
  /// Request (id): the restart_policy of a child.
  CAF_ADD_ATOM(tether_supervision, tether::supervision, get_policy_atom,
               "getpolicy")
  /// Request: live details of a node as a JSON object (std::string). Only
  /// actors that register as `details:<path>` in the directory answer it.
  CAF_ADD_ATOM(tether_supervision, tether::supervision, details_atom,
               "details")

CAF_END_TYPE_ID_BLOCK(tether_supervision)

// Specs carry start functions and cannot be serialized; they only travel
// between actors of this process.
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(tether::supervision::child_spec)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(tether::supervision::restart_policy)
