import {randomBytes} from 'node:crypto'

import type {ClusterView} from '../../model/cluster.js'
import type {Shell} from '../../model/ports.js'
import {clusterView, SECTIONS} from './cluster-output.js'
import type {Section} from './cluster-output.js'

/**
 * What phoenix asks a node once per run, all read-only: where every guest runs, which nodes are
 * online, whether the cluster is quorate, what HA wants of its guests. One exec (`sh -s`, the script
 * on stdin), on the connection the node's own batches use afterwards.
 */
const COMMANDS: Record<Section, string> = {
  resources: 'pvesh get /cluster/resources --type vm --output-format json',
  status: 'pvesh get /cluster/status --output-format json',
  pvecm: 'pvecm status',
  ha: 'ha-manager status',
}

/** The script: each command's output after a marker of this call's nonce (no output can forge one). */
export function clusterScript(nonce: string): string {
  // An empty line before each marker: an output without a final newline (pvesh's JSON) must not hide it.
  return [...SECTIONS.map((s) => `echo; echo '@@${nonce} ${s}'; ${COMMANDS[s]} 2>&1 </dev/null`), `echo; echo '@@${nonce} end'`, 'exit 0', ''].join('\n')
}

/** The sections of the script's output, or undefined when it did not run to its end. */
export function splitSections(stdout: string, nonce: string): Record<Section, string> | undefined {
  const out = {resources: '', status: '', pvecm: '', ha: ''} as Record<Section, string>
  let current: Section | undefined
  let ended = false
  for (const line of stdout.split('\n')) {
    const marker = line.startsWith(`@@${nonce} `) ? line.slice(nonce.length + 3) : undefined
    if (marker === 'end') ended = true
    if (marker !== undefined) current = (SECTIONS as readonly string[]).includes(marker) ? (marker as Section) : undefined
    else if (current) out[current] += `${line}\n`
  }
  return ended ? out : undefined
}

/** Asks one node; never rejects: a failure is a sentence naming the node's shell. */
export async function askCluster(shell: Shell, timeoutMs: number, signal?: AbortSignal): Promise<ClusterView | string> {
  const nonce = randomBytes(9).toString('hex')
  const result = await shell.exec(['sh', '-s'], {timeoutMs, stdin: clusterScript(nonce), maxOutput: 4 * 1024 * 1024, ...(signal ? {signal} : {})})
  if (!result.ok) return result.message
  const sections = splitSections(result.stdout, nonce)
  if (!sections) return `${shell.description}: the cluster query did not run (exit ${result.code}): ${result.stderr.trim().split('\n')[0] ?? ''}`
  const view = clusterView(sections)
  return typeof view === 'string' ? `${shell.description}: ${view}` : view
}
