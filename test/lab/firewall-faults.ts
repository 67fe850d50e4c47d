import type {Fault} from './faults.js'
import {declareFirewall, PVE_DIR, removeFirewall} from './pve-firewall.js'
import {waitServerStatus} from './traefik.js'
import {ctById, GATEWAY_CTID, PROXIED_SERVICES, PROXY_CTID} from './topology.js'
import type {LabService} from './topology.js'

/**
 * Firewalls by design (issue 13 item 5): the lab writes a CT's real `.fw` file and enforces it from
 * that file with nftables in the CT's namespace (pve-firewall.ts); phoenix reads the same file on
 * the host. Healed by removing the file and what was enforced from it.
 */

const gw = ctById(GATEWAY_CTID).address
const GW = gw.replaceAll('.', '\\.')
const FW = `${PVE_DIR}/firewall/`.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')
const at = (rest: string) => new RegExp(`${FW}\\d+\\.fw${rest}`)

/**
 * Only the gateway may come in, on the service's port (line 8): the operators' design, with nginx in
 * Traefik's place. REJECT, not their DROP: the host's probes end at once instead of at --timeout
 * (the DROP path, and the default policy, are fw-blocks-gateway's and test/firewall's).
 */
const onlyGateway = (s: LabService, enable = 'enable: 1\n') => `# lab: only the gateway reaches ${s.name} (issue 13 item 5)
[OPTIONS]
${enable}policy_in: REJECT

[RULES]

IN ACCEPT -source ${gw} -p tcp -dport ${s.port} # the gateway
`

/** Traefik's address (CT 958), the one the operators' services admit. */
const traefik = ctById(PROXY_CTID).address
const TRAEFIK = traefik.replaceAll('.', '\\.')
const WEB = PROXIED_SERVICES.map((s) => s.name)
/** Traefik's CT, whose own .fw decides the gateway's hop to it. */
const proxyCt = {ctid: PROXY_CTID}

/** The operators' design itself: only Traefik may come in, on the service's port (line 8); REJECT as above. */
const onlyProxy = (s: LabService) => `# lab: only Traefik reaches ${s.name} (issue 13 item 5, the operators' design)
[OPTIONS]
enable: 1
policy_in: REJECT

[RULES]

IN ACCEPT -source ${traefik} -p tcp -dport ${s.port} # Traefik
`

/**
 * The service behind Traefik (the real-CT lab's web in CT 959): only it is checked (servicesOnly).
 * REJECT again: the probes end at once. The heal of a row that blocks Traefik waits until Traefik's
 * health check says UP (it may have seen the rule, DOWN).
 */
const PROXY_ROWS: readonly Fault[] = [
  {
    name: 'fw-only-proxy', does: "the service's .fw admits only Traefik (CT 958) on its port (policy_in REJECT), enforced from the file with nft in the CT",
    appliesTo: WEB, realOnly: true, servicesOnly: true,
    inject: (s) => declareFirewall(s, onlyProxy(s)),
    heal: removeFirewall,
    // The host's probes are blocked by design; the route's hops (Traefik's, nginx's to Traefik) pass.
    expect: {layer: null, cause: 'healthy', status: 'pass'},
    checks: {
      'host.tcp': at(':4 \\(policy_in: REJECT\\)$'), 'host.ping': at(':4 '), 'host.http': at(':4 '),
      'host.firewall': new RegExp(`^pass: from the host: blocked by .*959\\.fw:4 \\(policy_in: REJECT\\); from the proxy CT 958: allowed by .*959\\.fw:8 \\(IN ACCEPT -source ${TRAEFIK} -p tcp -dport 8090 # Traefik\\); from the gateway CT 953 to the proxy CT 958: allowed`),
      'proxy.tcp': /^pass: /, 'proxy.http': /^pass: /, 'gateway.tcp': /^pass: /,
    },
  },
  {
    name: 'fw-blocks-proxy', does: "a rule in the service's .fw rejects Traefik's address (line 6, policy_in ACCEPT), enforced from the file with nft in the CT",
    appliesTo: WEB, realOnly: true, servicesOnly: true,
    // New connections only: Traefik's kept-alive one to web stays up (conntrack's established, as on Proxmox), so its health check may stay UP.
    inject: (s) => declareFirewall(s, `# lab: a rule that blocks Traefik\n[OPTIONS]\nenable: 1\npolicy_in: ACCEPT\n[RULES]\nIN REJECT -source ${traefik}\n`),
    heal: async (s) => (await removeFirewall(s), await waitServerStatus(s.name, 'UP')),
    expect: {
      layer: 'proxy', cause: 'proxy_blocked',
      evidence: at(`:6 \\(IN REJECT -source ${TRAEFIK}\\), yet Traefik's route for web goes from the proxy CT 958 to it`),
      hint: new RegExp(`^Let the proxy through to web: write \`IN ACCEPT -source ${TRAEFIK} -p tcp -dport 8090\` in .*959\\.fw above line 6`, 'm'),
    },
    checks: {'host.tcp': /^pass: /},
  },
  {
    name: 'fw-blocks-gateway-to-proxy', does: `a rule in Traefik's CT's .fw (${PROXY_CTID}.fw) rejects the gateway's address (line 6, policy_in ACCEPT), enforced from the file with nft in CT ${PROXY_CTID}`,
    appliesTo: WEB, realOnly: true, servicesOnly: true,
    // nginx opens a connection to Traefik per request (no upstream keepalive): every request meets the rule at once.
    inject: () => declareFirewall(proxyCt, `# lab: a rule that blocks the gateway's hop to Traefik\n[OPTIONS]\nenable: 1\npolicy_in: ACCEPT\n[RULES]\nIN REJECT -source ${gw}\n`),
    heal: () => removeFirewall(proxyCt),
    expect: {
      layer: 'gateway', cause: 'gateway_blocked',
      evidence: new RegExp(`${FW}${PROXY_CTID}\\.fw:6 \\(IN REJECT -source ${GW}\\), yet nginx's route for web goes from the gateway CT ${GATEWAY_CTID} to the proxy CT ${PROXY_CTID}`),
      hint: new RegExp(`^Let the gateway through to the proxy CT ${PROXY_CTID}: write \`IN ACCEPT -source ${GW} -p tcp -dport 80\` in .*${PROXY_CTID}\\.fw above line 6`, 'm'),
    },
    // The route's other hops pass: the rule is the one thing between nginx and Traefik (REJECT: refused at once).
    checks: {'host.tcp': /^pass: /, 'proxy.tcp': /^pass: /, 'proxy.http': /^pass: /, 'gateway.tcp': new RegExp(`^fail: cannot connect to ${TRAEFIK}:80 \\(the proxy, CT ${PROXY_CTID}\\) from CT ${GATEWAY_CTID}: connection refused`)},
  },
]

export const FIREWALL_FAULTS: readonly Fault[] = [
  {
    name: 'fw-only-gateway', does: "the CT's .fw admits only the gateway on the service's port (policy_in REJECT), enforced from the file with nft in the CT",
    appliesTo: ['ollama', 'qdrant'],
    inject: (s) => declareFirewall(s, onlyGateway(s)),
    heal: removeFirewall,
    // The host's probes are blocked by design: skipped, naming the policy's line; the route works.
    expect: {layer: null, cause: 'healthy', status: 'pass'},
    checks: {'host.tcp': at(':4 \\(policy_in: REJECT\\)$'), 'host.ping': at(':4 '), 'host.http': at(':4 '), 'gateway.tcp': /^pass: /},
  },
  {
    name: 'fw-blocks-gateway', does: "a rule in the CT's .fw drops the gateway (line 6, policy_in ACCEPT), enforced from the file with nft in the CT",
    appliesTo: ['ollama'],
    inject: (s) => declareFirewall(s, `# lab: a rule that blocks the gateway\n[OPTIONS]\nenable: 1\npolicy_in: ACCEPT\n[RULES]\nIN DROP -source ${gw}\n`),
    heal: removeFirewall,
    expect: {layer: 'gateway', cause: 'gateway_blocked', evidence: at(':6 \\(IN DROP -source 198\\.18\\.0\\.153\\), yet nginx\'s route'), hint: /IN ACCEPT -source 198\.18\.0\.153 -p tcp -dport 11434` in .*955\.fw above line 6/},
  },
  {
    name: 'fw-not-enforced', does: "the CT's .fw declares only-the-gateway rules without enable: 1 (as lxc-manager.sh leaves it): nothing enforced",
    appliesTo: ['ollama'],
    inject: (s) => declareFirewall(s, onlyGateway(s, '')),
    heal: removeFirewall,
    expect: {layer: null, cause: 'healthy', status: 'pass'},
    audit: /^firewall_not_enforced: CT 955's firewall rules are declared but not enforced: .*955\.fw \[OPTIONS\] does not set enable: 1/m,
  },
  ...PROXY_ROWS,
]
