// The router: unified messages from platforms -> handlers (by the routes
// in force) -> replies back to the platform the message came from. Every
// handler call has the handler's deadline.

#pragma once

#include "actors/runtime.hpp"
#include "supervision/child_spec.hpp"

namespace tether {

/// Child spec of the router (`core/router`). It registers itself in the
/// directory under its node path and takes new routes via set_routes_atom.
supervision::child_spec router_spec(runtime_ptr rt);

} // namespace tether
