// The built-in `sandbox` platform: each line on stdin is a user message,
// each reply is a line on stdout. Supervised like any other platform. The
// admin console can inject lines too and follow the conversation (a bounded
// transcript, see transcript.hpp and docs/admin.md).

#pragma once

#include "actors/runtime.hpp"
#include "config/config.hpp"
#include "supervision/child_spec.hpp"

namespace tether {

supervision::child_spec sandbox_spec(runtime_ptr rt,
                                     const config::platform_entry& entry);

} // namespace tether
