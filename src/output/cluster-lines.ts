import type {Report, ServiceReport} from '../model/report.js'
import type {Style} from './style.js'

/**
 * A cluster's part of the human report (issue 15): the node that answered, each node with its
 * guests of this run (offline ones marked), quorum, and every guest found on another node than
 * the inventory's. Empty for a single host.
 */
export function clusterLines(report: Report, st: Style): string[] {
  const c = report.cluster
  if (!c) return []
  const nodes = c.nodes.map((n) => `${n.name} (${n.guests} guest${n.guests === 1 ? '' : 's'}${n.online ? '' : `, ${st.c.red('offline')}`})`).join(', ')
  const asked = c.asked ? `asked ${c.asked}` : st.c.yellow(`not asked: ${c.error ?? 'no node answered'}; guests placed as the inventory says`)
  const quorum = c.quorate === false ? `; ${st.c.red('quorum lost')}` : c.quorate ? '; quorate' : ''
  const lines = [`cluster: ${asked}; nodes ${nodes}${quorum}`]
  for (const m of c.moved) lines.push(`  ${m.guest} found on ${m.to} (the inventory says ${m.from})`)
  return [...lines, '']
}

/** A guest's label with its node in a cluster: `CT 957@pve2`. */
export function placedLabel(label: string, s: Pick<ServiceReport, 'node'>): string {
  return s.node ? `${label}@${s.node}` : label
}
