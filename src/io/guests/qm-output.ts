/**
 * What Proxmox's `qm` prints, read (qemu-server's qm.pm and PVE/QemuServer/Agent.pm). Pure: the
 * transport (qm.ts) runs the commands. A VM is entered through its QEMU guest agent: `qm guest
 * exec` hands the script to the agent as input-data, waits for it (polling every second up to
 * --timeout), and prints the result as JSON; exit 0 whatever the script's own exit code.
 */

/** The most `qm guest exec --pass-stdin` forwards (qm.pm dies above it). */
export const QM_STDIN_LIMIT = 1024 * 1024

/** What one `qm guest exec` came to. */
export type QmExec =
  /** The script ran to its end: its exit code and output (decoded, capped). */
  | {kind: 'exited'; exitcode: number; stdout: string; stderr: string}
  /** Still running at qm's --timeout: qm printed only its pid ("timeout reached, returning pid"). */
  | {kind: 'timed_out'; pid: number}
  /** qm refused or failed: its message (exit 255), e.g. "VM 1002 is not running". */
  | {kind: 'failed'; message: string}

/** Why a VM could not be entered, from qm's own words and the VM's status and config. */
export type VmGate = 'vm_stopped' | 'agent_not_enabled' | 'agent_not_responding' | 'unreachable'

/** qm's --timeout in whole seconds for the time the exec is given (its probes' timeout and some slack). */
export function qmTimeoutSeconds(timeoutMs: number): number {
  return Math.max(1, Math.ceil(timeoutMs / 1000))
}

/** `qm guest exec VMID --pass-stdin 1 --timeout N -- sh -s`: the script goes on stdin, never in argv. */
export function qmExecArgv(vmid: number, timeoutMs: number): string[] {
  return ['qm', 'guest', 'exec', String(vmid), '--pass-stdin', '1', '--timeout', String(qmTimeoutSeconds(timeoutMs)), '--', 'sh', '-s']
}

/**
 * Reads qm's answer. `out-data` and `err-data` come decoded from base64, printed by Perl as one
 * character per byte, so UTF-8 arrives encoded twice: the bytes are taken back before decoding.
 * Only `maxOutput` bytes of the script's stdout are kept, as for a CT.
 */
export function parseQmExec(code: number, stdout: string, stderr: string, maxOutput: number): QmExec {
  const said = firstLine(stderr) || firstLine(stdout)
  if (code !== 0) return {kind: 'failed', message: said || `qm exited ${code}`}
  let result: unknown
  try {
    result = JSON.parse(stdout)
  } catch {
    return {kind: 'failed', message: `qm printed no JSON result${said ? `: ${said}` : ''}`}
  }
  if (!isRecord(result)) return {kind: 'failed', message: 'qm printed no JSON object'}
  if (result.exited === 1 || result.exited === true) {
    return {
      kind: 'exited',
      exitcode: typeof result.exitcode === 'number' ? result.exitcode : -1,
      stdout: bytesBack(result['out-data'], maxOutput),
      stderr: bytesBack(result['err-data'], 64 * 1024),
    }
  }
  if (typeof result.pid === 'number') return {kind: 'timed_out', pid: result.pid}
  return {kind: 'failed', message: `qm printed a result without exitcode or pid: ${stdout.slice(0, 200)}`}
}

/** Perl's characters back to the guest's bytes (where each is one byte), then UTF-8, capped. */
function bytesBack(value: unknown, max: number): string {
  if (typeof value !== 'string') return ''
  // eslint-disable-next-line no-control-regex
  const bytes = /^[\u0000-\u00ff]*$/.test(value) ? Buffer.from(value, 'latin1') : Buffer.from(value, 'utf8')
  return bytes.subarray(0, max).toString('utf8')
}

/**
 * Whether `qm config` enables the agent: `agent: 1`, or the property string `agent:
 * enabled=1,fstrim_cloned_disks=1`, its default key `enabled` (Agent.pm's $agent_fmt).
 */
export function agentEnabled(config: string): boolean {
  const value = /^agent:\s*(\S+)/m.exec(config)?.[1]
  if (!value) return false
  const first = value.split(',').find((p) => !p.includes('=') || p.startsWith('enabled='))
  return /^(enabled=)?(1|on|yes|true)$/i.test(first ?? '')
}

/** Reads `qm status` (`status: running`); undefined when it printed something else. */
export function parseQmStatus(stdout: string): string | undefined {
  return /^status:\s*(\S+)/m.exec(stdout)?.[1]
}

/**
 * Why the exec failed. qm checks in this order (Agent.pm's assert_agent_available): no `agent:`
 * in the config, the VM not running, the agent not answering a 3 s guest-ping. `agent: 0` passes
 * the first check and fails the third: the config says which it is. `status`/`config` are what
 * `qm status` and `qm config` printed (undefined: they failed too).
 */
export function vmGate(message: string, status: string | undefined, config: string | undefined): VmGate {
  if (status !== undefined && parseQmStatus(status) === 'stopped') return 'vm_stopped'
  if (/is not running$/.test(message) && /^VM \d+ /.test(message)) return 'vm_stopped'
  if (/No QEMU guest agent configured/.test(message)) return 'agent_not_enabled'
  if (config !== undefined && parseQmStatus(status ?? '') === 'running' && !agentEnabled(config)) return 'agent_not_enabled'
  if (/QEMU guest agent is not running|qga command .* failed - got timeout/.test(message)) return 'agent_not_responding'
  return 'unreachable'
}

function isRecord(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x)
}

function firstLine(text: string): string {
  return text.trim().split('\n')[0]?.slice(0, 300) ?? ''
}
