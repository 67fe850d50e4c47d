import type {ExecOptions, Guest, GuestState, GuestTransport, GuestWords, Shell} from '../../model/ports.js'

/**
 * A Proxmox container, entered with `pct exec CTID -- sh -s` on the host (lxc-attach underneath)
 * and read with `pct status CTID`. argv only: the host's shell (local or over SSH) quotes it.
 */
export const pct: GuestTransport = {
  words: pctWords,
  open: (host, id) => pctGuest(host, id),
}

function pctWords(ctid: number): GuestWords {
  return {id: ctid, label: `CT ${ctid}`, gate: 'ct', exec: 'pct exec', status: 'pct status', start: 'pct start', config: 'pct config', run: `pct exec ${ctid} --`, unit: `pve-container@${ctid}`, stopped: 'container_stopped'}
}

function pctGuest(host: Shell, ctid: number): Guest {
  return {
    ref: {kind: 'ct', id: ctid},
    words: pctWords(ctid),
    exec: (script, options) => host.exec(['pct', 'exec', String(ctid), '--', 'sh', '-s'], {...options, stdin: script}),
    state: async (options: Omit<ExecOptions, 'stdin'>): Promise<GuestState> => {
      const result = await host.exec(['pct', 'status', String(ctid)], options)
      if (!result.ok) return {kind: 'unavailable', reason: 'vantage_unreachable', message: result.message}
      return parsePctStatus(result.stdout, result.code)
    },
  }
}

/** Reads `status: running` / `status: stopped`. */
export function parsePctStatus(stdout: string, code: number): GuestState {
  const m = stdout.match(/status:\s*(\S+)/)
  if (m) return {kind: 'ct-status', state: m[1]!}
  return {kind: 'unavailable', reason: 'exec_failed', message: `pct status exited ${code}: ${stdout.trim().slice(0, 200)}`}
}
