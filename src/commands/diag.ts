import {Args, Flags} from '@oclif/core'

import {PhoenixCommand} from '../cli/base-command.js'
import type {OutputChoice} from '../cli/base-command.js'
import {EXIT_CODES_HELP} from '../cli/exit-help.js'
import {runFlags, waitFlag} from '../cli/flags.js'
import {chooseFormat, formatFlags} from '../cli/output-format.js'
import type {Inventory} from '../model/inventory.js'
import type {Report} from '../model/report.js'

export default class Diag extends PhoenixCommand {
  static override summary = 'Diagnose one service during an incident: layer by layer, verdict, evidence, fix.'
  static override description = `Walks one service inside out: in its CT (unit, socket, local API), from the Proxmox host, from the
gateway CT, and through the gateway as a client. Names the innermost layer that broke, the cause, the
evidence seen, and the exact commands to run next.

${EXIT_CODES_HELP}`

  static override examples = ['<%= config.bin %> diag n8n', '<%= config.bin %> diag ollama --json', '<%= config.bin %> diag qdrant --layer service --layer host', '<%= config.bin %> diag ollama --watch', '<%= config.bin %> diag n8n --fix']

  static override args = {service: Args.string({description: 'Service name from the inventory.', required: true})}
  static override flags = {
    ...runFlags,
    ...formatFlags,
    wait: waitFlag,
    watch: Flags.boolean({description: 'After a fix: rerun until healthy, showing what changes (--wait 15m).', default: false, exclusive: ['wait']}),
    deep: Flags.boolean({description: 'Make the calls that cost GPU time (a completion, an embedding); --no-deep to skip them.', default: true, allowNo: true}),
    fix: Flags.boolean({description: 'If a hint is a safe start or restart phoenix knows (a stopped CT, unit, container or nginx; a hung service), show its command, ask, run it, then diagnose again until healthy (--wait, 1m by default). Without --fix nothing is ever changed.', default: false, exclusive: ['watch']}),
    yes: Flags.boolean({char: 'y', description: 'With --fix: run the fix without asking (for scripts; stdin need not be a terminal).', default: false}),
  }

  async run(): Promise<void> {
    const {args, flags} = await this.parse(Diag)
    const {checkFixCanAsk} = await import('../cli/fix-flow.js')
    checkFixCanAsk(flags.fix, flags.yes, Boolean(process.stdin.isTTY))
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
    const output = {format, textfile: flags.textfile, context: {command: 'diag' as const, colour: this.colour, timeoutMs: run.options.timeoutMs, slowMs: run.inventory.thresholds.slowMs}}
    if (!flags.fix) return this.finish(report, output, wait)
    const rerun = () => executeRun({...run, options: {...run.options, startedAtMs: performance.now()}}, flags)
    const after = await this.fixOnce(report, args.service, run.inventory, output, flags)
    // Not run: the human view showed the report already; a machine format prints it now.
    if (!after) return output.format === 'human' && output.textfile === undefined ? this.exitFor(report, output) : this.finish(report, output)
    await this.finish(await rerun(), output, waitPlan(flags.wait ?? '1m', false, rerun))
  }

  /**
   * `--fix`: shows the first report and the fix's exact command, asks (unless --yes), runs it on the
   * Proxmox host through the run's own way in; true when it ran (then the caller diagnoses again).
   * Nothing runs when no hint is a safe fix, the answer is not yes, or the run was interrupted.
   */
  private async fixOnce(report: Report, service: string, inventory: Inventory, output: OutputChoice, flags: {yes: boolean; 'accept-new-host-key': boolean}): Promise<boolean> {
    const [flow, {applyFix}, {interruptedExitCode, watchInterrupts}] = await Promise.all([import('../cli/fix-flow.js'), import('../run/apply-fix.js'), import('../cli/interrupt.js')])
    if (output.format === 'human' && output.textfile === undefined) await this.tell([(await this.renderer(output))(report), ''], output)
    const fix = flow.fixFor(report, service)
    if (interruptedExitCode() !== undefined) return false
    if (!fix) return (await this.tell(flow.noFixLines(report, service), output), false)
    await this.tell(flow.fixLines(fix), output)
    if (!flags.yes && !(await flow.confirm('Run it? [y/N] '))) return (await this.tell(['Not run; nothing was changed.'], output), false)
    const interrupts = watchInterrupts()
    try {
      await this.tell([...flow.resultLines(await applyFix(inventory, fix.command, {acceptNewHostKey: flags['accept-new-host-key'], signal: interrupts.signal})), ''], output)
    } finally {
      interrupts.dispose()
    }
    return interruptedExitCode() === undefined
  }
}
