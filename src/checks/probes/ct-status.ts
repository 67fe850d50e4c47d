import type {CtStatusProbe, Observation} from '../../model/probes.js'

/** `pct status CTID` on the Proxmox host; run as argv, no shell needed. */
export function ctStatusArgv(probe: CtStatusProbe): string[] {
  return ['pct', 'status', String(probe.ctid)]
}

/** Reads `status: running` / `status: stopped`. */
export function parseCtStatus(stdout: string, code: number): Observation {
  const m = stdout.match(/status:\s*(\S+)/)
  if (m) return {kind: 'ct-status', state: m[1]!}
  return {kind: 'unavailable', reason: 'exec_failed', message: `pct status exited ${code}: ${stdout.trim().slice(0, 200)}`}
}
