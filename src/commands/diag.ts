import {Args, Flags} from '@oclif/core'

import {PhoenixCommand} from '../cli/base-command.js'
import {EXIT_CODES_HELP} from '../cli/exit-help.js'
import {runFlags, waitFlag} from '../cli/flags.js'
import {chooseFormat, formatFlags} from '../cli/output-format.js'

export default class Diag extends PhoenixCommand {
  static override summary = 'Diagnose one service during an incident: layer by layer, verdict, evidence, fix.'
  static override description = `Walks one service inside out: in its CT (unit, socket, local API), from the Proxmox host, from the
gateway CT, and through the gateway as a client. Names the innermost layer that broke, the cause, the
evidence seen, and the exact commands to run next.

${EXIT_CODES_HELP}`

  static override examples = ['<%= config.bin %> diag n8n', '<%= config.bin %> diag ollama --json', '<%= config.bin %> diag qdrant --layer service --layer host', '<%= config.bin %> diag ollama --watch']

  static override args = {service: Args.string({description: 'Service name from the inventory.', required: true})}
  static override flags = {
    ...runFlags,
    ...formatFlags,
    wait: waitFlag,
    watch: Flags.boolean({description: 'After a fix: rerun until healthy, showing what changes (--wait 15m).', default: false, exclusive: ['wait']}),
    deep: Flags.boolean({description: 'Make the calls that cost GPU time (a completion, an embedding); --no-deep to skip them.', default: true, allowNo: true}),
  }

  async run(): Promise<void> {
    const {args, flags} = await this.parse(Diag)
    // Imported here, not at the top: `phoenix diag --help` loads this file, and needs none of it.
    const [{executeRun, planRun}, {SILENT, terminalProgress}, {waitPlan}] = await Promise.all([import('../cli/run-diagnosis.js'), import('../output/progress.js'), import('../cli/wait-loop.js')])
    const format = chooseFormat(flags, this.jsonEnabled())
    // diag shows the gateway's posture too (hardening); check leaves it to `phoenix audit`.
    // No inventory file: the estate is discovered for this run (said on stderr), or how to make one (exit 64).
    const {inventoryForRun} = await import('../run/discovery/for-run.js')
    const inventory = await inventoryForRun(flags.config, flags['accept-new-host-key'], (line) => process.stderr.write(`phoenix: ${line}\n`))
    const planned = planRun(flags, [args.service], false, inventory)
    const run = {...planned, options: {...planned.options, posture: true}}
    const live = format === 'human' && process.stdout.isTTY
    const progress = live ? terminalProgress(run.services.map((s) => s.name), process.stdout, this.colour) : SILENT
    // --wait: each rerun's deadline counts from its own start.
    const wait = waitPlan(flags.wait, flags.watch, () => executeRun({...run, options: {...run.options, startedAtMs: performance.now()}}, flags))
    const report = await progress.around(executeRun(run, flags, progress.listener))
    await this.finish(report, {format, textfile: flags.textfile, context: {command: 'diag', colour: this.colour, timeoutMs: run.options.timeoutMs, slowMs: run.inventory.thresholds.slowMs}}, wait)
  }
}
