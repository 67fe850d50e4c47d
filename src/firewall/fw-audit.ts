import type {FirewallState, FwFile} from '../model/firewall.js'
import type {GuestRef} from '../model/ports.js'
import {enforcement} from './fw-path.js'

/** A firewall finding of `phoenix audit`: what is declared but not in force, or a line pve-firewall leaves out. */
export interface FirewallFinding {
  id: 'firewall_off' | 'firewall_not_enforced' | 'firewall_bad_line'
  summary: string
  fix: string
  file?: string
  line?: number
}

/** A guest the inventory names, at the address its service is reached on. */
export interface AuditedGuest {
  guest: GuestRef
  address: string
  label: string
}

/**
 * Rules declared but not enforced, and lines pve-firewall leaves out, for the guests the inventory
 * names. Declared means a `.fw` file with at least one enabled rule; enforced means cluster.fw's
 * `enable: 1`, the guest's own `enable: 1` (off by default) and `firewall=1` on its NIC. Pure.
 */
export function auditFirewall(state: FirewallState, guests: readonly AuditedGuest[]): FirewallFinding[] {
  const findings: FirewallFinding[] = []
  const declared = guests.filter((g) => hasRules(state.guests[String(g.guest.id)]))
  const cluster = state.cluster
  if (declared.length && cluster.options.enable?.value !== '1') {
    const enable = cluster.options.enable
    findings.push({
      id: 'firewall_off',
      summary: `the cluster firewall is off (${enable ? `enable: ${enable.value}` : 'no enable: 1'} in ${cluster.present ? '[OPTIONS]' : 'an absent cluster.fw'}): the rules of ${declared.map((g) => g.label).join(', ')} are not enforced`,
      fix: `set enable: 1 under [OPTIONS] in ${cluster.path}, after an IN rule that admits your own SSH and port 8006 (its policy_in applies to the host)`,
      file: cluster.path,
      ...(enable ? {line: enable.line} : {}),
    })
  }
  for (const g of cluster.options.enable?.value === '1' ? declared : []) {
    const e = enforcement(state, String(g.guest.id), g.address)
    if (e.on) continue
    const file = state.guests[String(g.guest.id)]!
    findings.push({id: 'firewall_not_enforced', summary: `${g.label}'s firewall rules are declared but not enforced: ${e.why}`, fix: fixFor(g, e.nic?.text, file), ...(e.by ? {file: e.by.file, ...(e.by.line === undefined ? {} : {line: e.by.line})} : {})})
  }
  const files = [cluster, ...guests.map((g) => state.guests[String(g.guest.id)]).filter((f): f is FwFile => f !== undefined)]
  for (const f of new Set(files)) {
    for (const p of [...f.problems].sort((a, b) => a.line - b.line)) findings.push({id: 'firewall_bad_line', summary: `pve-firewall leaves this line out (${p.problem}): ${p.text}`, fix: 'correct the line, or remove it (pve-firewall compile shows the same warning)', file: p.file, line: p.line})
  }
  return findings
}

function hasRules(file: FwFile | undefined): boolean {
  return file?.present === true && file.rules.some((r) => r.enabled && !r.problem)
}

/** Turn on what is missing: the file's option, or the NIC's firewall flag (the NIC's other options as they are). */
function fixFor(g: AuditedGuest, nic: string | undefined, file: FwFile): string {
  if (file.options.enable?.value !== '1') return `set enable: 1 under [OPTIONS] in ${file.path} (a guest's firewall is off until then)`
  const m = nic === undefined ? undefined : /^(net\d+):\s*(\S+)$/.exec(nic)
  if (!m) return `give the guest's network device firewall=1 (${g.guest.kind === 'vm' ? 'qm' : 'pct'} set ${g.guest.id} --net0 …,firewall=1)`
  const options = m[2]!.split(',').filter((o) => !o.startsWith('firewall=')).concat('firewall=1').join(',')
  // Quoted for the shell: the value comes from the host's config.
  return `${g.guest.kind === 'vm' ? 'qm' : 'pct'} set ${g.guest.id} --${m[1]} '${options.replaceAll("'", `'\\''`)}'`
}
