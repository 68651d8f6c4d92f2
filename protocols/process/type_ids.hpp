// What a child_process session reports to its owning actor.

#pragma once

#include <string>

#include <caf/type_id.hpp>

#include "protocols/type_ids.hpp"

CAF_BEGIN_TYPE_ID_BLOCK(tether_process, caf::id_block::tether_protocols::end)

  /// (int pid): the program was started.
  CAF_ADD_ATOM(tether_process, tether, proc_started_atom, "procstart")
  /// (std::string line): one line on the child's stdout.
  CAF_ADD_ATOM(tether_process, tether, proc_out_atom, "procout")
  /// (std::string line): one line on the child's stderr.
  CAF_ADD_ATOM(tether_process, tether, proc_err_atom, "procerr")
  /// (uint64_t bytes): a stdout line longer than max_line was dropped.
  CAF_ADD_ATOM(tether_process, tether, proc_overlong_atom, "proclong")
  /// (std::string why): writing to the child's stdin failed or stalled.
  CAF_ADD_ATOM(tether_process, tether, proc_io_error_atom, "procioerr")
  /// (std::string how): the child is gone and reaped, e.g. `exited with
  /// status 3`, `killed by signal 9 (SIGKILL)`, `exec failed: ...`. Sent
  /// once, after the lines it wrote before exiting.
  CAF_ADD_ATOM(tether_process, tether, proc_exited_atom, "procexit")

CAF_END_TYPE_ID_BLOCK(tether_process)
