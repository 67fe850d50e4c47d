import {HA_KEEPS_DOWN} from '../io/cluster/cluster-output.js'
import {guestWords} from '../io/guests/guests.js'
import type {CheckSpec, Judgement, Vantage} from '../model/check-spec.js'
import type {RunIo, Shell} from '../model/ports.js'
import type {ClusterRun} from './cluster-run.js'
import type {BatchOutcome} from './remote-batch.js'

/**
 * The cluster's word on a batch's gate (issue 15): a node phoenix could not reach is a blind spot
 * named after the node, a node the cluster says is offline is not even tried, and a stopped guest
 * that HA keeps down is HA's doing.
 */

/** Where a vantage's batch runs: its node's shell in a cluster, else the host's. */
export function shellFor(vantage: Vantage, io: RunIo): Shell | undefined {
  const node = vantage.at === 'local' ? undefined : vantage.node
  return node && io.nodes ? io.nodes.shell(node) : io.host
}

/** The node of a vantage when the cluster says it is offline (or phoenix knows no way to it): its batch is not sent. */
export function unseenNode(vantage: Vantage, shell: Shell | undefined, cluster: ClusterRun | undefined): BatchOutcome['gate'] | undefined {
  const node = vantage.at === 'local' ? undefined : vantage.node
  if (!node || !cluster) return undefined
  const state = cluster.view?.nodes.find((n) => n.name === node)
  const what = vantage.at === 'guest' ? guestWords(vantage.guest).label : 'the host layer'
  if (state && !state.online) {
    return {status: 'unknown', finding: 'node_offline', summary: `node ${node} is offline in the cluster (pvesh get /cluster/status on ${cluster.view!.asked}: online 0): ${what} could not be seen`, evidence: [`/cluster/status: node ${node} online 0`, ...quorumLines(cluster)]}
  }
  if (!shell) return {status: 'unknown', finding: 'node_unreachable', summary: `node ${node}: phoenix knows no way to it (not in proxmox.nodes, and the cluster gave no address): ${what} could not be seen`}
  return undefined
}

/** The outcome of a batch not sent: every spec unobserved, the gate saying why. */
export function notSent(specs: readonly CheckSpec[], gate: Judgement): BatchOutcome {
  return {observations: specs.map(() => ({kind: 'unavailable', reason: 'vantage_unreachable', message: gate.summary})), gate, durationMs: 0}
}

/** A batch's gate, read with what the cluster said. */
export function clusterGate(outcome: BatchOutcome, vantage: Vantage, shell: Shell, cluster: ClusterRun | undefined): BatchOutcome {
  const gate = outcome.gate
  if (!gate || !cluster) return outcome
  if (gate.status === 'unknown' && gate.finding === 'vantage_unreachable' && shell.node) {
    return {...outcome, gate: {...gate, finding: 'node_unreachable', evidence: [...(gate.evidence ?? []), ...quorumLines(cluster)]}}
  }
  if (vantage.at === 'guest' && gate.status === 'fail' && (gate.finding === 'container_stopped' || gate.finding === 'vm_stopped')) {
    const words = guestWords(vantage.guest)
    const ha = cluster.view?.ha.get(`${words.gate}:${words.id}`)
    const held = ha && HA_KEEPS_DOWN.includes(ha.state)
    const evidence = [...(gate.evidence ?? []), ...(ha ? [`ha-manager status: ${ha.line}`] : []), ...quorumLines(cluster)]
    return {...outcome, gate: {...gate, ...(held ? {finding: 'ha_stopped' as const, summary: `${gate.summary}; HA keeps it ${ha.state}`} : {}), evidence}}
  }
  return outcome
}

/** pvecm's lines when the cluster is not quorate: the evidence of every cluster-made blind spot or stop. */
function quorumLines(cluster: ClusterRun): string[] {
  return cluster.view?.quorate === false ? cluster.view.quorum.map((l) => `pvecm status: ${l}`) : []
}
