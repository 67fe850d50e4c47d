import {q} from './shell-words.js'

/**
 * The shell script sshd runs for every exec (`sh -c WRAPPER phoenix N T argv...`). Over SSH,
 * closing a channel does not end its command (OpenSSH 9.2 ignored `channel.signal('KILL')`, and
 * without a pty there is no SIGHUP), so a hung `pct exec` would outlive phoenix with every cron
 * run. The wrapper makes the command die with its channel:
 *
 * - it reads exactly N bytes of stdin (the batch script) and hands them to the command;
 * - the command runs under `timeout` (T s, a bound even if this wrapper is killed), which makes
 *   its own process group, and with PATH, LANG and TERM only: PVE 8's `pct exec` hands its whole
 *   environment to the CT (lxc-attach --keep-env);
 * - a watchdog waits for the rest of stdin, which phoenix keeps open, and KILLs that process group
 *   when it reaches EOF: sshd closes the command's stdin when the channel closes (phoenix's
 *   timeout, the deadline, a Ctrl-C, or the connection lost).
 *
 * The script travels in a shell variable and `printf` (a builtin): never in argv or on disk.
 */
const WRAPPER = [
  'n=$1 t=$2; shift 2',
  'exec 3<&0',
  'if [ "$n" -gt 0 ]; then s=$(head -c "$n" <&3; echo .); s=${s%.}',
  '  printf %s "$s" | timeout -s KILL "$t" env -i PATH="$PATH" LANG="${LANG:-C.UTF-8}" TERM="${TERM:-dumb}" "$@" 3<&- &',
  'else timeout -s KILL "$t" env -i PATH="$PATH" LANG="${LANG:-C.UTF-8}" TERM="${TERM:-dumb}" "$@" </dev/null 3<&- &',
  'fi',
  'w=$!; unset s',
  '{ cat <&3; kill -KILL -"$w"; } >/dev/null 2>&1 &',
  'd=$!',
  'wait "$w"; rc=$?',
  'kill "$d" 2>/dev/null',
  'exit "$rc"',
].join('\n')

/**
 * The command line for one exec: argv quoted word by word (nothing in it is interpreted), the
 * stdin's byte length, and the remote bound in whole seconds (a little beyond phoenix's own).
 */
export function remoteCommand(argv: readonly string[], stdin: string | undefined, timeoutMs: number): string {
  const bytes = stdin === undefined ? 0 : Buffer.byteLength(stdin)
  const seconds = Math.ceil(timeoutMs / 1000) + 2
  return ['sh', '-c', WRAPPER, 'phoenix', String(bytes), String(seconds), ...argv].map(q).join(' ')
}
