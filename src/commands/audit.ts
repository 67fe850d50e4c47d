import {PhoenixCommand} from '../cli/base-command.js'
import {parseDuration} from '../cli/duration.js'
import {gatewayReadFlags} from '../cli/flags.js'
import {exitCodeFor} from '../model/status.js'
import {loadInventory} from '../inventory/load.js'

export default class Audit extends PhoenixCommand {
  static override summary = 'Audit the gateway\'s hardening and the Proxmox firewall (posture, not health): what the plans ask that the estate lacks.'
  static override description = `Reads nginx -T inside the gateway CT (one pct exec) and checks it against the gateway plans'
practices: server_tokens off, TLS with HSTS, security headers (X-Frame-Options, X-Content-Type-Options,
CSP), rate limits and auth on API routes. Where the config sets up auth, a request without credentials
must be refused. On the host it reads the Proxmox firewall (cluster.fw and each guest's .fw): rules
declared but not enforced (the cluster's or the guest's enable unset, firewall=0 on its NIC) and lines
pve-firewall leaves out. Each finding names its file and line and the exact fix. Read-only.

\`phoenix check\` answers health (is it up, will it be up tomorrow) and leaves this out, so that a
healthy estate exits 0; \`phoenix diag gateway\` shows both.

EXIT CODES
  0   every practice is in place
  1   practices are missing (each is a finding)
  3   nothing was audited: the gateway CT or nginx's config could not be read
  64  usage or config error`

  static override examples = ['<%= config.bin %> audit', '<%= config.bin %> audit --json']
  static override flags = gatewayReadFlags

  async run(): Promise<void> {
    const {flags} = await this.parse(Audit)
    // Imported here, not at the top: `phoenix audit --help` needs none of it.
    const [{auditGateway}, {formatAudit}] = await Promise.all([import('../run/gateway-audit.js'), import('../output/human-audit.js')])
    const inventory = loadInventory(flags.config)
    const report = await auditGateway(inventory, {timeoutMs: parseDuration(flags.timeout, 'timeout'), acceptNewHostKey: flags['accept-new-host-key']})
    await this.print(report, () => formatAudit(report, inventory, this.colour))
    const code = exitCodeFor(report.status)
    if (code !== 0) this.exit(code)
  }
}
