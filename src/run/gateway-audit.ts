import {guestIds} from '../io/guests/guests.js'
import {runnerFor} from '../checks/probes/registry.js'
import {authChecks} from '../checks/services/nginx-posture.js'
import type {Status} from '../model/status.js'
import type {Inventory} from '../model/inventory.js'
import {createRunIo} from '../io/run-io.js'
import {auditFirewallOnHost} from './read-firewall.js'
import {readNginx} from './read-nginx.js'

/** One practice of the gateway plans that the config does not follow, and the line that fixes it. */
export interface AuditFinding {
  /**
   * `server_tokens`, `tls_missing`, `hsts`, …, or `auth_bypassed` (a configured guard lets a request
   * through); the Proxmox firewall's `firewall_off`, `firewall_not_enforced`, `firewall_bad_line`.
   */
  id: string
  summary: string
  fix: string
  file?: string
  line?: number
}

/** What `phoenix audit` reports: the gateway's posture, apart from its health. */
export interface AuditReport {
  schemaVersion: 1
  /** pass: every practice followed; warn: some missing; unknown: the config could not be read. */
  status: Extract<Status, 'pass' | 'warn' | 'unknown'>
  gateway: {ctid?: number; vmid?: number; url: string}
  findings: AuditFinding[]
  /** Why nothing was audited (the CT or nginx -T could not be read). */
  unread?: string
}

/**
 * Audits the gateway's loaded config against the gateway plans' hardening practices (one `pct exec`
 * for `nginx -T`), then asks each route whose config sets up auth without credentials: it must refuse.
 */
export async function auditGateway(inv: Inventory, options: {timeoutMs: number; acceptNewHostKey: boolean}): Promise<AuditReport> {
  const gateway = {...guestIds(inv.gateway.guest), url: inv.gateway.url}
  const io = await createRunIo(inv, {acceptNewHostKey: options.acceptNewHostKey, deadlineMs: options.timeoutMs * 2})
  try {
    // The firewall's files are read on the host while nginx's config is read in the gateway CT.
    const [read, firewall] = await Promise.all([readNginx(inv, io, options.timeoutMs), auditFirewallOnHost(inv, io, options.timeoutMs)])
    if ('unread' in read) return {schemaVersion: 1, status: 'unknown', gateway, findings: firewall, unread: read.unread}
    const {obs} = read
    if (!obs.routes.length) {
      const first = obs.test.messages[0]
      const why = obs.test.ok ? 'nginx -T printed no server block' : `nginx -t fails${first ? `: ${first.file ? `${first.file}:${first.line}: ` : ''}${first.text}` : ''} (phoenix check gateway)`
      return {schemaVersion: 1, status: 'unknown', gateway, findings: firewall, unread: `nothing to audit: ${why}`}
    }
    const findings: AuditFinding[] = [...obs.hardening.map((f) => ({...f})), ...firewall]
    const seen = new Map([['service.config', obs]])
    for (const check of authChecks({inventory: inv, deep: false, apiKeys: new Map()})) {
      const answer = await runnerFor(check.probe).native!(check.probe as never, io.net, options.timeoutMs)
      const judged = check.judge(answer, seen)
      if (judged.status === 'warn') findings.push({id: 'auth_bypassed', summary: judged.summary, fix: judged.hints?.[0]?.text ?? 'a request without credentials must get 401'})
    }
    return {schemaVersion: 1, status: findings.length ? 'warn' : 'pass', gateway, findings}
  } finally {
    await io.close()
  }
}
