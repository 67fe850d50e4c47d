import {readFirewallState} from '../../firewall/fw-read.js'
import {q} from '../../io/shell-words.js'
import type {FirewallProbe, Observation} from '../../model/probes.js'

/**
 * Reads the firewall on the host in the host's own batch (no exec of its own): each `.fw` file after
 * an `@@fw ID` marker (`@@absent` when there is none), each guest's current config section's netN
 * lines after `@@conf lxc/ID`, and `@@route ADDRESS SRC` per target. Read-only: shell builtins, and `ip route get`.
 */
export function firewallSnippet(probe: FirewallProbe): string {
  const ids = ['cluster', ...probe.guests.map((g) => String(g.id))].map(q).join(' ')
  const configs = probe.guests.map((g) => q(`${g.config}/${g.id}`)).join(' ')
  const addresses = probe.addresses.map(q).join(' ')
  // Shell builtins only for the files (read, printf, case): no process per file on a host of many guests.
  return [
    `d=${q(probe.dir)}`,
    `for f in ${ids}; do echo "\${_m}fw $f"; if [ -r "$d/firewall/$f.fw" ]; then while IFS= read -r l || [ -n "$l" ]; do printf '%s\\n' "$l"; done < "$d/firewall/$f.fw"; else echo "\${_m}absent"; fi; done`,
    // pct config prints a config's current section: everything before the first [snapshot] line.
    ...(configs ? [`for g in ${configs}; do echo "\${_m}conf $g"; n=0; for c in "$d"/nodes/*/"$g".conf; do [ -r "$c" ] || continue; n=1; while IFS= read -r l; do case $l in '['*) break ;; net[0-9]*:*) printf '%s\\n' "$l" ;; esac; done < "$c"; done; [ $n = 1 ] || echo "\${_m}absent"; done`] : []),
    ...(addresses ? [`for a in ${addresses}; do r=$(ip -o route get "$a" 2>/dev/null); s=\${r#* src }; [ "$s" = "$r" ] && s=; echo "\${_m}route $a \${s%% *}"; done`] : []),
  ].join('; ')
}

/** Reads what firewallSnippet printed into the firewall's state. */
export function parseFirewall(lines: readonly string[], probe: FirewallProbe): Observation {
  // Never unavailable: a host that cannot show its firewall must not blind the host layer.
  if (!lines.some((l) => l.startsWith('@@fw '))) return {kind: 'firewall', unread: `the firewall files under ${probe.dir} were not read: ${lines.join(' ').slice(0, 200)}`}
  return {kind: 'firewall', state: readFirewallState(lines, probe.dir)}
}
