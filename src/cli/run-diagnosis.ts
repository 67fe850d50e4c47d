import {realpathSync} from 'node:fs'

import type {RunOptions} from '../model/check-spec.js'
import {diagnose} from '../run/diagnose.js'
import type {RunProgress} from '../run/diagnose.js'
import type {Report} from '../model/report.js'
import {LAYERS} from '../model/status.js'
import type {Layer} from '../model/status.js'
import {UsageError} from '../inventory/errors.js'
import {loadInventory} from '../inventory/load.js'
import type {Inventory, ServiceDef} from '../model/inventory.js'
import {createRunIo} from '../io/run-io.js'
import {parseDuration} from './duration.js'
import {watchInterrupts} from './interrupt.js'
import {readApiKeys, selectServices} from './select.js'

/** The parsed flags a diagnosing command passes on. */
export interface RunFlags {
  config?: string
  timeout: string
  deadline: string
  concurrency: number
  layer?: string[]
  'accept-new-host-key': boolean
  deep: boolean
}

/** A planned run, before any probe is sent: so a command can show progress for exactly these services. */
export interface PlannedRun {
  inventory: Inventory
  services: ServiceDef[]
  options: RunOptions
}

/** Loads the inventory (unless given one) and turns flags into run options; throws UsageError on bad input. */
export function planRun(flags: RunFlags, names: readonly string[], all: boolean, given?: Inventory): PlannedRun {
  const inventory = given ?? loadInventory(flags.config)
  const services = selectServices(inventory, names, all)
  const timeoutMs = parseDuration(flags.timeout, 'timeout')
  const deadlineMs = parseDuration(flags.deadline, 'deadline')
  if (deadlineMs < timeoutMs) throw new UsageError(`--deadline (${flags.deadline}) must not be shorter than --timeout (${flags.timeout})`)
  // The proxy layer exists only where the inventory has a proxy: reports without one stay as they were.
  const layers: Layer[] = flags.layer?.length ? LAYERS.filter((l) => flags.layer!.includes(l)) : LAYERS.filter((l) => l !== 'proxy' || inventory.proxy)
  return {inventory, services, options: {timeoutMs, deadlineMs, startedAtMs: runStart(), reportMs: reportTime(services.length), concurrency: flags.concurrency, layers, deep: flags.deep}}
}

/**
 * Where the deadline counts from. When phoenix is the process (bin/run.js), its start
 * (performance.now() 0): the deadline then bounds the whole process a cron job or a monitor
 * waits for, start-up included. In-process (the command tests), the moment the run is planned.
 */
function runStart(): number {
  let main = process.argv[1] ?? ''
  try {
    main = realpathSync(main) // an installed bin is a symlink to bin/run.js
  } catch {}
  return /[\\/]bin[\\/](run|dev)\.js$/.test(main) ? 0 : performance.now()
}

/**
 * What judging and printing the report take, kept inside the deadline: ~0.5 ms a service on a
 * 2-core machine under load (BENCHMARKS.md, 1000 services), plus a margin; at most 1 s.
 */
function reportTime(services: number): number {
  return Math.min(1000, 100 + Math.ceil(services / 2))
}

/** Runs a planned diagnosis with its IO, and always releases the IO (the SSH connection). */
export async function executeRun(run: PlannedRun, flags: RunFlags, progress?: RunProgress): Promise<Report> {
  // A Ctrl-C or SIGTERM stops the run as its deadline would, and the report is still printed.
  const interrupts = watchInterrupts()
  const options = {...run.options, signal: interrupts.signal}
  const io = await createRunIo(run.inventory, {acceptNewHostKey: flags['accept-new-host-key'], deadlineMs: run.options.deadlineMs})
  try {
    return await diagnose({inventory: run.inventory, services: run.services, options, apiKeys: readApiKeys(run.inventory, run.services)}, io, progress)
  } finally {
    await io.close()
    interrupts.dispose()
  }
}
