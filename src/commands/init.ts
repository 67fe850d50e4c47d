import {resolve} from 'node:path'

import {Flags} from '@oclif/core'

import {PhoenixCommand} from '../cli/base-command.js'
import {q} from '../io/shell-words.js'

export default class Init extends PhoenixCommand {
  static override summary = 'Write a draft inventory from what the Proxmox host runs.'
  static override description = `Reads pct list and pct config, qm list and qm config, each running CT's listening sockets,
units and containers (one pct exec each), and the gateway's nginx -T; asks each listening port a
harmless GET to tell the kinds apart; writes a draft inventory where every guessed value says how it
was found and what phoenix could not tell is a TODO line. Never a key: only the env var names.
On the Proxmox host, or over SSH with --host (or the proxmox section of an existing inventory).
An existing file is never overwritten: --merge keeps your edits and adds what is new, --force replaces it.`

  static override examples = [
    '<%= config.bin %> init --dry-run',
    '<%= config.bin %> init',
    '<%= config.bin %> init --host 10.0.0.1 --identity-file ~/.ssh/id_ed25519',
    '<%= config.bin %> init --merge',
    '<%= config.bin %> init --from /usr/local/phoenix_hypervisor/etc/phoenix_lxc_configs.json',
    '<%= config.bin %> init --example --dry-run',
  ]

  static override flags = {
    config: Flags.string({char: 'c', description: 'The inventory file to write (else $PHOENIX_CONFIG, an existing ./phoenix.yaml or ~/.config/phoenix/config.yaml, else ./phoenix.yaml).', helpValue: 'FILE'}),
    'dry-run': Flags.boolean({description: 'Print the draft; write nothing.', default: false}),
    merge: Flags.boolean({description: 'Keep the existing file (values, comments, order) and add what is new.', default: false, exclusive: ['force']}),
    force: Flags.boolean({description: 'Replace an existing file with the draft.', default: false}),
    example: Flags.boolean({description: 'The example estate (the seed topology) instead of discovering yours.', default: false, exclusive: ['from']}),
    from: Flags.string({description: "Import the operators' phoenix_lxc_configs.json (or phoenix_vm_configs.json); merged with what discovery sees when a host is reachable.", helpValue: 'FILE'}),
    host: Flags.string({description: 'The Proxmox host to discover over SSH (else this machine when pct is here).', helpValue: 'ADDRESS'}),
    port: Flags.integer({description: 'SSH port of --host.', min: 1, max: 65_535, dependsOn: ['host']}),
    user: Flags.string({description: 'SSH user of --host (root).', dependsOn: ['host']}),
    'identity-file': Flags.string({description: 'Private key for --host (else ssh-agent).', helpValue: 'FILE', dependsOn: ['host']}),
    'known-hosts': Flags.string({description: 'known_hosts for --host (~/.ssh/known_hosts).', helpValue: 'FILE', dependsOn: ['host']}),
    'accept-new-host-key': Flags.boolean({description: 'Over SSH: accept an unknown host key and record it (a changed key is never accepted).', default: false}),
  }

  async run(): Promise<unknown> {
    const {flags} = await this.parse(Init)
    const {initDraft} = await import('../run/discovery/init-run.js')
    const {findConfigFile} = await import('../inventory/load.js')
    const file = flags.config ? resolve(flags.config) : (findConfigFile(undefined) ?? resolve('phoenix.yaml'))
    const {draft, summary} = await initDraft(flags, file)
    const {draftText} = await import('../inventory/discovery/draft.js')
    if (flags['dry-run']) {
      await this.print({draft: draftText(draft)}, () => draftText(draft).replace(/\n$/, ''))
      for (const line of summary) this.logToStderr(`phoenix: ${line}`)
      return undefined
    }
    const {writeDraft} = await import('../inventory/discovery/write-draft.js')
    const outcome = writeDraft(file, draft, {merge: flags.merge, force: flags.force})
    const lines = [
      outcome.action === 'unchanged' ? `${file}: nothing new to add` : `${outcome.action === 'merged' ? 'merged into' : 'wrote'} ${file}${outcome.added.length ? ` (added: ${outcome.added.join(', ')})` : ''}`,
      ...summary,
      outcome.problem ? `it does not load yet: ${outcome.problem.split('\n').join(' ')}` : `next: phoenix check --all${file === resolve('phoenix.yaml') ? '' : ` --config ${q(file)}`}`,
    ]
    await this.print(outcome, () => lines.join('\n'))
    return undefined
  }
}
