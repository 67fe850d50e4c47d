import type {ClusterReport} from '../model/cluster.js'
import type {Hint, RootCause, ServiceReport} from '../model/report.js'
import {CAUSES} from './causes.js'
import type {CauseCode} from './causes.js'

/** What to do about a lost quorum (also the causes table's hint). */
export const QUORUM_HINTS: Hint[] = [{text: 'See which nodes the cluster has lost and bring them back; only with quorum can guests be started, migrated or recovered', command: 'pvecm status'}]

/** The verdicts a cluster without quorum can explain: guests down or out of sight, and none can be started or moved. */
const QUORUM_EXPLAINS: readonly CauseCode[] = ['node_offline', 'node_unreachable', 'ha_stopped', 'container_stopped', 'vm_stopped', 'gateway_ct_stopped']

/**
 * The cluster's own faults (issue 15), said once above the services: quorum lost, with the services
 * whose verdicts it explains (it may explain none: it is said anyway, a warning). Pure.
 */
export function clusterRootCauses(cluster: ClusterReport, services: readonly ServiceReport[]): RootCause[] {
  if (cluster.quorate !== false) return []
  const offline = cluster.nodes.filter((n) => !n.online).map((n) => n.name)
  const explained = services.filter((s) => QUORUM_EXPLAINS.includes(s.verdict.cause)).map((s) => s.name)
  const who = offline.length ? `; offline: ${offline.join(', ')}` : ''
  return [{
    cause: 'quorum_lost',
    layer: null,
    scope: `cluster (asked ${cluster.asked ?? '?'})`,
    summary: `${CAUSES.quorum_lost.meaning.replace(/ \(warning.*$/, '')}${who}`,
    services: explained,
    hints: QUORUM_HINTS,
  }]
}
