import {Args, Flags} from '@oclif/core'

import {PhoenixCommand} from '../cli/base-command.js'
import {EXIT_CODES_HELP} from '../cli/exit-help.js'
import {runFlags, waitFlag} from '../cli/flags.js'
import {chooseFormat, formatFlags} from '../cli/output-format.js'

export default class Check extends PhoenixCommand {
  static override summary = 'Check services at every layer, for cron and monitors.'
  static override description = `Runs the inside-out walk (service, host, gateway, client) for the named services, or all of them,
concurrently under one deadline. One line per service (a fault behind several services first, once);
--json or --format prometheus|nagios|junit for machines and monitors; --wait after a fix.

${EXIT_CODES_HELP}`

  static override examples = [
    '<%= config.bin %> check --all',
    '<%= config.bin %> check n8n ollama --json',
    '<%= config.bin %> check --all --layer client --timeout 3s',
    '<%= config.bin %> check --all --format nagios',
    '<%= config.bin %> check --all --textfile /var/lib/prometheus/node-exporter',
    '<%= config.bin %> check ollama --wait 5m',
  ]

  static override strict = false
  static override args = {service: Args.string({description: 'Service names from the inventory (repeatable).'})}
  static override flags = {
    ...runFlags,
    ...formatFlags,
    wait: waitFlag,
    all: Flags.boolean({description: 'Every service in the inventory (the default when none is named).', default: false}),
    deep: Flags.boolean({description: 'Also make calls that cost GPU time (a completion, an embedding).', default: false}),
  }

  async run(): Promise<void> {
    const {argv, flags} = await this.parse(Check)
    // Imported here, not at the top: `phoenix check --help` loads this file, and needs none of it.
    const [{executeRun, planRun}, {SILENT, terminalProgress}, {waitPlan}] = await Promise.all([import('../cli/run-diagnosis.js'), import('../output/progress.js'), import('../cli/wait-loop.js')])
    const format = chooseFormat(flags, this.jsonEnabled())
    // No inventory file: the estate is discovered for this run (said on stderr), or how to make one (exit 64).
    const {inventoryForRun} = await import('../run/discovery/for-run.js')
    const inventory = await inventoryForRun(flags.config, flags['accept-new-host-key'], (line) => process.stderr.write(`phoenix: ${line}\n`))
    const run = planRun(flags, argv as string[], flags.all, inventory)
    const live = format === 'human' && process.stdout.isTTY
    const progress = live ? terminalProgress(run.services.map((s) => s.name), process.stdout, this.colour) : SILENT
    // --wait: each rerun's deadline counts from its own start.
    const wait = waitPlan(flags.wait, false, () => executeRun({...run, options: {...run.options, startedAtMs: performance.now()}}, flags))
    const report = await progress.around(executeRun(run, flags, progress.listener))
    await this.finish(report, {format, textfile: flags.textfile, context: {command: 'check', colour: this.colour, timeoutMs: run.options.timeoutMs, slowMs: run.inventory.thresholds.slowMs}}, wait)
  }
}
