// The Discord actors use the gateway atoms (actors/gateway/type_ids.hpp);
// the REST sender's pump and completion atoms live there too, since every
// REST sender shares them.

#pragma once

#include "actors/gateway/type_ids.hpp"

namespace tether::discord {

using gateway::http_done_atom;
using gateway::pump_atom;

} // namespace tether::discord
