import {Flags} from '@oclif/core'

import {PhoenixCommand} from '../../cli/base-command.js'

export default class InventoryDiff extends PhoenixCommand {
  static override summary = 'Where the inventory and the estate disagree, with the line to change.'
  static override description = `Discovers the estate through the inventory's Proxmox host (as phoenix init does: pct list and config,
one scan per running CT, nginx -T, a harmless GET per port) and compares: a service's CT renumbered,
its address changed, its port moved, its unit or route renamed, the gateway's CT or address; a
service no CT runs; a running service the inventory lacks. Each difference names the file and line.

EXIT CODES
  0   the inventory matches the estate
  1   they differ
  64  usage or config error, or the host cannot be read`

  static override examples = ['<%= config.bin %> inventory diff', '<%= config.bin %> inventory diff --json']
  static override flags = {
    config: Flags.string({char: 'c', description: 'Inventory file (else $PHOENIX_CONFIG, ./phoenix.yaml, ~/.config/phoenix/config.yaml).', helpValue: 'FILE'}),
    'accept-new-host-key': Flags.boolean({description: 'Over SSH: accept an unknown host key and record it in proxmox.knownHosts (a changed key is never accepted).', default: false}),
  }

  async run(): Promise<void> {
    const {flags} = await this.parse(InventoryDiff)
    const {formatDrift, inventoryDrift} = await import('../../run/discovery/drift-run.js')
    const report = await inventoryDrift(flags.config, flags['accept-new-host-key'])
    await this.print(report, () => formatDrift(report))
    if (report.differences.length + report.missing.length + report.unlisted.length > 0) this.exit(1)
  }
}
