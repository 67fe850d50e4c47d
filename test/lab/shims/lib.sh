# Shared by the lab's shims (sourced, POSIX sh). The lab's state dir holds, per CT, its init pid
# and its units; a unit is a folder the supervisor (shims/supervise) keeps up to date:
#   kind (systemd|docker)  cmd (sh script, ends in exec)  description  enabled
#   sup.pid  pid (main process)  rc (exit status, once it ended)  stopping (a stop was asked)
#   log (stdout+stderr, and for systemd units systemd's own lines: the journal)
# Every state these shims report is read from those files and from whether the pids are alive.

LAB=${PHOENIX_LAB_STATE:-$(cd "$(dirname "$0")/../../../.." && pwd)/.lab}
SHIMS=$(cd "$(dirname "$0")/.." && pwd)
if [ ! -r "$LAB/lab.env" ]; then echo "lab: not up (no $LAB/lab.env); run: npm run lab -- up" >&2; exit 255; fi
. "$LAB/lab.env"   # PHX_PREFIX, PHX_CTS, PHX_NODE (written by `lab up` from topology.ts)

alive() { [ -n "$1" ] && kill -0 "$1" 2>/dev/null; }
# proc_start PID -> its start time (clock ticks since boot, /proc/PID/stat field 22). Pids wrap
# fast on a busy machine (pid_max 32768 and hundreds of new processes a second under load: the
# space wraps in a minute), so a dead process's pid soon names another; pid + start time does not.
# A zombie (state Z: dead, not yet reaped) has none.
proc_start() { _st=$(cat "/proc/$1/stat" 2>/dev/null) || return 1; _st=${_st##*) }; set -- $_st; [ $# -ge 20 ] && [ "$1" != Z ] && echo "${20}"; }
readf() { cat "$1" 2>/dev/null; }

# The units folder of the CT this shim runs in (PHOENIX_LAB_CT, set by `pct exec`).
units_dir() { echo "$LAB/ct${PHOENIX_LAB_CT:?not inside a lab CT (PHOENIX_LAB_CT unset)}/units"; }

# unit_state DIR KIND -> prints: not-found | active | failed | inactive
unit_state() {
  if [ ! -d "$1" ] || [ "$(readf "$1/kind")" != "$2" ]; then echo not-found; return; fi
  if [ ! -e "$1/rc" ] && alive "$(readf "$1/pid")"; then echo active; return; fi
  if [ -e "$1/rc" ] && [ ! -e "$1/stopping" ] && [ "$(readf "$1/rc")" != 0 ]; then echo failed; return; fi
  echo inactive
}

# unit_start DIR: starts the supervisor detached (own session: outlives the pct exec that asked).
unit_start() {
  if [ ! -e "$1/rc" ] && alive "$(readf "$1/pid")"; then return 0; fi
  rm -f "$1/pid" "$1/rc"
  setsid -f "$SHIMS/supervise" "$1" </dev/null >/dev/null 2>&1
  i=0; while [ ! -s "$1/pid" ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i+1)); done
  [ -s "$1/pid" ]
}

# unit_stop DIR: TERM through the supervisor (so it records a requested stop), KILL after 10 s.
unit_stop() {
  # Once rc is written the supervisor reaped the process: its pid may be another process's now.
  [ -e "$1/rc" ] && return 0
  pid=$(readf "$1/pid"); sup=$(readf "$1/sup.pid")
  alive "$pid" || return 0
  touch "$1/stopping"
  if alive "$sup"; then kill -TERM "$sup"; else kill -TERM "$pid"; fi
  i=0; while alive "$pid" && [ $i -lt 200 ]; do sleep 0.05; i=$((i+1)); done
  alive "$pid" && kill -KILL "$pid" 2>/dev/null
  # The supervisor writes rc once it reaped the process: wait for it, so the state is final.
  i=0; while alive "$sup" && [ $i -lt 100 ]; do sleep 0.05; i=$((i+1)); done
  return 0
}

# Lines of a unit's log (its journal, or its container's output).
unit_tail() { [ -e "$1/log" ] && tail -n "$2" "$1/log"; return 0; }
