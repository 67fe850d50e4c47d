import {readFirewallState} from '../../firewall/fw-read.js'
import {q} from '../../io/shell-words.js'
import type {FirewallProbe, Observation} from '../../model/probes.js'

/**
 * Reads the firewall on the host in the host's own batch (no exec of its own), in a few processes
 * whatever the estate's size: one `grep -Hn` prints every `.fw` file line by line with its path and
 * number, one `grep -H` every guest config's netN lines and section heads (what `pct config` shows
 * is the part before the first `[snapshot]`), and `ip -o addr` the host's own addresses. Read-only.
 */
/**
 * Each section's lines joined into one line by the record separator: a batch keeps MAX_PIECES
 * lines of a probe, and a thousand guests' files have more lines than that, but fit its bytes.
 */
const PACK = "| tr '\\n' '\\036'; echo"
const SEPARATOR = '\u001E'

export function firewallSnippet(probe: FirewallProbe): string {
  const files = ['cluster', ...probe.guests.map((g) => String(g.id))].map((id) => q(`firewall/${id}.fw`)).join(' ')
  // The node folder is a glob (nodes/*/): a guest's config is under whichever node it runs on.
  const configs = probe.guests.map((g) => `nodes/*/${g.config}/${Number(g.id)}.conf`).join(' ')
  return [
    `echo "\${_m}fw"`,
    `if cd ${q(probe.dir)} 2>/dev/null; then grep -Hn '' ${files} 2>/dev/null ${PACK}; echo "\${_m}conf"; grep -H -e '^net[0-9]*:' -e '^\\[' ${configs} 2>/dev/null ${PACK}; fi`,
    `echo "\${_m}addr"; ip -o addr show 2>/dev/null ${PACK}`,
  ].join('; ')
}

/** Reads what firewallSnippet printed into the firewall's state. */
export function parseFirewall(lines: readonly string[], probe: FirewallProbe): Observation {
  // Never unavailable: a host that cannot show its firewall must not blind the host layer.
  if (!lines.includes('@@fw')) return {kind: 'firewall', unread: `the firewall files under ${probe.dir} were not read: ${lines.join(' ').slice(0, 200)}`}
  return {kind: 'firewall', state: readFirewallState(lines.flatMap((l) => l.split(SEPARATOR)), probe.dir, probe.guests.map((g) => String(g.id)))}
}
