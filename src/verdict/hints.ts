import {q} from '../io/shell-words.js'
import {BEARER_KEY, healthPathOf, hostPort} from '../checks/services/kind.js'
import {ctApi, unitOr} from '../checks/hint-context.js'
import type {HintContext, HintMaker} from '../checks/hint-context.js'
import {kindModule} from '../checks/services/registry.js'
import type {Inventory, ProxyDef, ServiceDef} from '../model/inventory.js'
import type {CauseCode} from './causes.js'
import {QUORUM_HINTS} from './cluster-causes.js'
import {runtimeEnvLines} from '../checks/hint-ct-api.js'
import {envIsSet, fwFileOf, gatewayErrorLog, gatewayStatus, gatewayWords, nginxShow, nginxTestThen, shIn, word} from '../checks/hint-words.js'
import {guestOf, guestWords} from '../io/guests/guests.js'
import type {Hint} from '../model/report.js'
import type {GuestWords} from '../model/ports.js'
import {PROXY_HINTS} from './proxy-hints.js'
import {nginxTarget} from '../checks/services/route-check.js'

function context(s: ServiceDef, inv: Inventory): HintContext {
  const guest = guestWords(guestOf(s))
  const gwGuest = guestWords(guestOf(inv.gateway))
  const ct = guest.run
  const unit = s.runtime && 'systemd' in s.runtime ? s.runtime.systemd : undefined
  const container = s.runtime && 'docker' in s.runtime ? s.runtime.docker : undefined
  // Compose v2 acts on a project by its name, from its containers' labels: no compose file needed.
  const compose = s.runtime && 'compose' in s.runtime ? `docker compose -p ${word(s.runtime.compose.project)}` : undefined
  const composed = s.runtime && 'compose' in s.runtime ? word(s.runtime.compose.service) : ''
  return {
    s,
    guest,
    gwGuest,
    ct,
    gw: gwGuest.run,
    start: unit ? `${ct} systemctl restart ${word(unit)}` : container ? `${ct} docker restart ${word(container)}` : compose ? `${ct} ${compose} restart ${composed}` : `${ct} ss -tlnp`,
    logs: unit ? `${ct} journalctl -u ${word(unit)} -n 50 --no-pager` : container ? `${ct} docker logs --tail 50 ${word(container)}` : compose ? `${ct} ${compose} logs --tail 50 ${composed}` : `${ct} ss -tlnp`,
    url: q(`http://${hostPort(s.address, s.port)}${healthPathOf(s, kindModule(s.kind))}`),
    route: s.route ? `${s.route.host ? `server_name ${s.route.host}, ` : ''}location ${s.route.path}` : 'its location',
    key: kindModule(s.kind).key ?? BEARER_KEY,
  }
}

/** `c.start` restarts the unit or container the inventory names; without one it only lists sockets. */
const restartFix = (c: HintContext): Pick<Hint, 'fix'> => (c.s.runtime ? {fix: 'restart_service'} : {})

// Behind a proxy, nginx's upstream must be the proxy (route-check.ts nginxTarget), never the service itself.
const upstreamCheck = (c: HintContext, inv: Inventory): Hint => ({text: `Compare nginx's upstream for ${c.s.name} with ${upstreamFor(c.s, inv)}`, command: shIn(guestOf(inv.gateway), `${gatewayWords(inv).nginx} -T 2>/dev/null | grep -n -B2 -A6 -F -e upstream -e ${word(c.s.route?.path ?? c.s.name)}`)})
const errorLog = (_c: HintContext, inv: Inventory): Hint => ({text: 'Read what nginx says about this upstream', command: gatewayErrorLog(inv)})
const rawAnswer = (c: HintContext): Hint => ({text: 'Look at the raw answer (the first bytes are enough)', command: `curl -sv --max-time 5 ${c.url} 2>&1 | head -c 2000`})
const firewall = (c: HintContext, inv: Inventory): Hint => ({text: `Check the Proxmox firewall rules of ${c.guest.label} (and whether net0 has firewall=1)`, command: `cat ${fwFileOf(inv, c.guest.id)}; ${c.guest.config} ${c.guest.id} | grep ^net`})

/** Behind a proxy, nginx's hop is to the proxy: test that one, and read the proxy's firewall. */
const toProxy = (c: HintContext, p: ProxyDef, inv: Inventory): Hint[] => {
  const g = guestWords(p.guest)
  return [{text: `Test the hop nginx makes to the proxy, from ${c.gwGuest.label}`, command: `${c.gw} nc -zv -w 3 ${word(p.address)} ${p.port}`}, {text: `Check the Proxmox firewall rules of the proxy's ${g.label} (and whether net0 has firewall=1)`, command: `cat ${fwFileOf(inv, g.id)}; ${g.config} ${g.id} | grep ^net`}]
}

/** Start the guest, then read why it stopped: the host's journal of its CT or VM. */
const startGuest = (c: HintContext): Hint[] => [{text: `Start ${c.guest.label}`, command: `${c.guest.start} ${c.guest.id}`, fix: 'start_guest'}, {text: 'If it does not stay up, read why', command: `journalctl -u ${c.guest.unit} -n 50 --no-pager`}]
/** The VM a guest-agent cause is about: the service's, else the gateway's (a gateway in a VM). */
const vmOf = (c: HintContext): GuestWords => (c.guest.gate === 'vm' ? c.guest : c.gwGuest)
const agentPing = (vm: GuestWords): Hint => ({text: 'Then check that the agent answers', command: `qm guest cmd ${vm.id} ping`})

/** A hint for every cause, with the exact command for this CT, unit, container and route. */
const HINTS: Record<CauseCode, HintMaker> = {
  healthy: () => [],
  container_stopped: startGuest,
  vm_stopped: startGuest,
  agent_not_enabled: (c) => [
    {text: `Enable the QEMU guest agent in ${vmOf(c).label}'s config and install qemu-guest-agent inside it; QEMU adds the agent's channel only at start, so stop and start the VM`, command: `qm set ${vmOf(c).id} --agent enabled=1`},
    agentPing(vmOf(c)),
  ],
  agent_not_responding: (c) => [
    {text: `Start the agent inside ${vmOf(c).label} (from its console, qm terminal ${vmOf(c).id} or the web console) and enable it at boot`, command: 'systemctl enable --now qemu-guest-agent'},
    agentPing(vmOf(c)),
  ],
  exec_timed_out: (c) => [
    {text: `Look at the load in ${vmOf(c).label}; if it is only slow, raise --timeout`, command: `${vmOf(c).run} sh -c 'uptime; top -bn1 | head -n 15'`},
  ],
  runtime_missing: (c) => [{text: 'List what runs in the CT and fix runtime: in the inventory', command: `${c.ct} sh -c 'systemctl list-units --type=service --no-pager; docker ps -a'`}],
  service_down: (c) => [{text: `Start ${c.s.name}`, command: c.start, ...restartFix(c)}, {text: 'Then read its last log lines', command: c.logs}],
  service_crashed: (c) => [{text: `Read why ${c.s.name} exited (the last lines are in the evidence)`, command: c.logs}, {text: 'Fix the cause, then restart it', command: c.start}],
  service_oom: (c) => [{text: `Read what ${c.s.name} did before the kill (the last lines are in the evidence)`, command: c.logs}],
  service_starting: (c) => [{text: 'Wait for the model to load; follow the log', command: c.logs}],
  service_restarting: (c) => [{text: 'Read why the container restarts', command: c.logs}],
  not_listening: (c) => [{text: `See what listens in ${c.guest.label}; the service's port setting or the inventory's port (${c.s.port}) is wrong`, command: `${c.ct} ss -tlnp`}, {text: 'Read its startup log', command: c.logs}],
  api_refused: (c) => [{text: 'The port refuses connections inside the CT; read the log', command: c.logs}],
  api_timeout: (c) => [{text: `${c.s.name} is hung: read its log, then restart it`, command: c.logs}, {text: 'Restart', command: c.start, ...restartFix(c)}],
  api_unhealthy: (c) => [{text: `${c.s.name} reports itself unhealthy: read its log`, command: c.logs}, {text: 'Restart once the cause is fixed', command: c.start}],
  api_unexpected: (c) => [{text: `Check that port ${c.s.port} in ${c.guest.label} is really ${c.s.kind}`, command: `${c.ct} ss -tlnp`}],
  api_error: (c) => [{text: 'Read the service log', command: c.logs}],
  model_missing: (c) => [{text: `vLLM serves another model: check --model / --served-model-name in the unit, or fix model: in the inventory`, command: `${c.ct} systemctl cat ${word(unitOr(c, 'vllm'))}`}, {text: 'See what it serves', command: ctApi(c, '/v1/models', Boolean(c.s.apiKeyEnv))}],
  api_auth_failed: (c) => [
    c.s.apiKeyEnv
      ? {text: `The service refused the key in $${c.s.apiKeyEnv}: compare it with the key the service was started with (its unit's or container's environment), and export the right one where phoenix runs`, command: envIsSet(c.s.apiKeyEnv)}
      : {text: `The API wants a key: set apiKeyEnv: in the inventory to the NAME of an env var that holds it`},
  ],
  api_key_unset: (c, inv) => keyVars(c, inv).map((name) => ({text: `Set $${name} where phoenix runs: under systemd, EnvironmentFile=/etc/phoenix/keys.env (lines ${name}=..., mode 600) in the [Service] section of phoenix's unit; from cron, source that file first (set -a; . /etc/phoenix/keys.env; phoenix check --all)`, command: envIsSet(name)})),
  inference_failed: (c) => [{text: `The model is listed but does not answer: read the log`, command: c.logs}],
  embedding_dim_mismatch: (c) => [{text: `Compare the loaded model with the vector size your collections use (dim: ${c.s.dim ?? '?'})`, command: ctApi(c, '/v1/models', Boolean(c.s.apiKeyEnv))}],
  kv_cache_full: (c) => [{text: 'The KV cache is nearly full: lower --max-model-len or --max-num-seqs, or add GPU memory; watch the queue', command: ctApi(c, '/metrics', false, `grep -E 'kv_cache_usage_perc|num_requests_(running|waiting)'`)}],
  not_ready: (c) => [{text: 'Start-up, the database or Redis is not ready: read the log', command: c.logs}],
  database_not_ready: (c) => [{text: 'n8n cannot use its database (down, unreachable, or migrations running): read its log', command: c.logs}, {text: `See the database settings ${c.s.name} runs with (its own environment; secrets masked)`, command: databaseEnv(c)}],
  collection_missing: (c) => [{text: `List the collections Qdrant has; create or restore the missing one, or fix collections: in the inventory`, command: ctApi(c, '/collections', true)}],
  cli_missing: (c) => [{text: `Put the binary's folder on the login PATH (e.g. /usr/local/bin in /etc/profile)`, command: `${c.ct} bash -lc 'echo $PATH; ls -l /usr/local/bin/ollama'`}],
  slow: (c) => [{text: `Look at the load in ${c.guest.label}`, command: `${c.ct} sh -c 'uptime; top -bn1 | head -n 15'`}],
  bound_to_loopback: (c) => [{text: `Make ${c.s.name} listen on 0.0.0.0:${c.s.port} (or ${c.s.address}), not 127.0.0.1`, command: `${c.ct} ss -tlnp`}, {text: 'Restart after the change', command: c.start}],
  bound_elsewhere: (c) => [{text: `Make ${c.s.name} listen on 0.0.0.0 or ${c.s.address}, or fix address: in the inventory`, command: `${c.ct} ss -tlnp`}],
  network_blocked: (c, inv) => [firewall(c, inv), {text: `Check from the host by hand`, command: `nc -zv -w 3 ${word(c.s.address)} ${c.s.port}`}, {text: "Look for a firewall inside the CT", command: `${c.ct} sh -c 'nft list ruleset 2>/dev/null || iptables -S'`}],
  host_http_failed: (c) => [{text: 'Request the health path from the host by hand', command: `curl -sv --max-time 5 ${q(`http://${hostPort(c.s.address, c.s.port)}${healthPathOf(c.s, kindModule(c.s.kind))}`)}`}],
  gateway_blocked: (c, inv) => (c.s.viaProxy && inv.proxy ? toProxy(c, inv.proxy, inv) : [{text: `Test the hop nginx makes, from ${c.gwGuest.label}`, command: `${c.gw} nc -zv -w 3 ${word(c.s.address)} ${c.s.port}`}, firewall(c, inv), {text: `Check ${c.guest.label}'s own firewall for rules against ${inv.gateway.address}`, command: `${c.ct} sh -c 'nft list ruleset 2>/dev/null || iptables -S'`}]),
  gateway_ct_stopped: (c) => [{text: `Start the gateway ${c.gwGuest.label}`, command: `${c.gwGuest.start} ${c.gwGuest.id}`, fix: 'start_guest'}],
  gateway_down: (_c, inv) => [{text: 'Check nginx in the gateway CT', command: gatewayStatus(inv)}, {text: 'Test its config, then start it', command: nginxTestThen(inv, 'start'), fix: 'start_nginx'}],
  gateway_timeout: (_c, inv) => [{text: 'nginx does not answer in time; check its state and load', command: gatewayStatus(inv)}],
  gateway_tls: (c, inv) => [tlsCheck(c.s, inv)],
  gateway_dns: (_c, inv) => [{text: `Resolve ${new URL(inv.gateway.url).hostname}, or use the gateway's IP in gateway.url`, command: `getent hosts ${word(new URL(inv.gateway.url).hostname)}`}],
  route_missing: (c, inv) => [{text: `Add ${c.route} to the gateway's server block (inside server { }), then test and reload`, command: nginxShow(inv, 'location', 0)}, {text: 'Reload after the fix', command: nginxTestThen(inv, 'reload')}],
  route_wrong_target: (c, inv) => [upstreamCheck(c, inv)],
  route_wrong_upstream: (c, inv) => [{text: `Show ${c.route} and the upstream its proxy_pass names (the fix is that proxy_pass; the other service keeps its upstream)`, command: nginxShow(inv, `location ${c.s.route?.path ?? '/'}`)}, errorLog(c, inv)],
  upstream_mismatch: (c, inv) => [upstreamCheck(c, inv), errorLog(c, inv)],
  upstream_error: (c, inv) => [errorLog(c, inv), {text: 'Run the inner layers to see where it breaks', command: `phoenix diag ${word(c.s.name)}`}],
  config_invalid: (c, inv) => [{text: 'Fix the line nginx -t names (the evidence shows it), test again, then reload', command: `${c.gw} ${gatewayWords(inv).nginx} -t`}, {text: 'Reload once the test passes', command: nginxTestThen(inv, 'reload')}],
  cert_expired: (_c, inv) => [{text: 'Reload nginx once the renewed certificate is in place', command: nginxTestThen(inv, 'reload')}],
  cert_expiring: (_c, inv) => [{text: 'Find why the renewal did not run (the renewal timer or cron job, its log), renew, then reload nginx', command: nginxTestThen(inv, 'reload')}],
  cert_untrusted: (_c, inv) => [{text: 'See the chain the gateway serves, verified against gateway.ca', command: `openssl s_client -connect ${word(tlsTarget(inv))} -showcerts${inv.gateway.ca ? ` -CAfile ${word(inv.gateway.ca)}` : ''} </dev/null`}],
  cert_name_mismatch: (_c, inv) => [{text: 'Reissue the certificate with every name the server block serves (subjectAltName), then test and reload', command: nginxTestThen(inv, 'reload')}],
  cert_key_mismatch: (_c, inv) => [{text: 'Put the certificate and the key it was issued for in place together (or reissue both), then test and reload', command: nginxTestThen(inv, 'reload')}],
  renewal_stalled: (_c, inv) => [{text: 'Renew, then reload nginx once the new certificate is in place', command: nginxTestThen(inv, 'reload')}],
  hardening_weak: (_c, inv) => [{text: 'Apply the fixes listed (each names its file and line), then test and reload', command: nginxTestThen(inv, 'reload')}],
  host_header_rejected: (c, inv) => [{text: `Ollama accepts only local Host names: set proxy_set_header Host localhost:${c.s.port}; in ${c.route}, then reload`, command: nginxShow(inv, `location ${c.s.route?.path ?? '/ollama/'}`)}, {text: 'Or let Ollama listen on every address (then it accepts any Host)', command: `${c.ct} systemctl edit ${word(unitOr(c, 'ollama'))}`}],
  websocket_not_proxied: (c, inv) => [{text: `Add to ${c.route}: proxy_http_version 1.1; proxy_set_header Upgrade $http_upgrade; proxy_set_header Connection "upgrade"; then reload`, command: nginxShow(inv, `location ${c.s.route?.path ?? '/'}`, 10)}, {text: 'Reload after the fix', command: nginxTestThen(inv, 'reload')}],
  websocket_origin_rejected: (c) => [{text: `Pass the browser's host through: proxy_set_header Host $host; (or X-Forwarded-Host and X-Forwarded-Proto) in ${c.route}; for n8n also N8N_PROXY_HOPS=1`, command: c.logs}],
  gateway_drops_key: (c, inv) => [{text: `Find what ${c.route} does with the ${c.key.header} header: a proxy_set_header that blanks or replaces it drops the client's key`, command: nginxShow(inv, `location ${c.s.route?.path ?? '/'}`, 10)}],
  client_forbidden: (c, inv) => [{text: 'The route needs credentials: check the gateway\'s auth for it and the service\'s api key', command: nginxShow(inv, `location ${c.s.route?.path ?? '/'}`)}],
  client_redirected: (c, inv) => [{text: `Find what answers the redirect for ${c.route} (the Location is in the evidence): a return or rewrite in nginx, or the service behind it`, command: shIn(guestOf(inv.gateway), `${gatewayWords(inv).nginx} -T 2>/dev/null | grep -n -E 'return +30|rewrite|location'`)}, errorLog(c, inv)],
  gateway_https_redirect: (_c, inv) => [{text: `The gateway redirects http to https: use the https URL in gateway.url (${httpsOf(inv.gateway.url)}), with gateway.ca if a private CA signed its certificate`, command: `curl -sI ${q(inv.gateway.url)}`}],
  client_unexpected: (c, inv) => [errorLog(c, inv)],
  answer_not_http: (c) => [{text: `See which program holds port ${c.s.port} in ${c.guest.label}, and what it answers`, command: `${c.ct} ss -tlnp`}, rawAnswer(c)],
  tls_mismatch: (c) => [{text: 'Use the scheme the port serves: https:// for a TLS port, http:// for a plain one (in gateway.url, or the service\'s own setting)', command: `curl -sv --max-time 5 -o /dev/null ${c.url}`}],
  answer_truncated: (c) => [{text: `${c.s.name} breaks off its answers: read its log for a crash or a kill mid-request`, command: c.logs}, rawAnswer(c)],
  answer_stalled: (c) => [{text: `${c.s.name} starts answering but does not finish in time: read its log, and check its load`, command: c.logs}],
  answer_oversized: (c) => [rawAnswer(c)],
  connection_reset: (c) => [{text: `The program on port ${c.s.port} drops the request: read its log`, command: c.logs}, rawAnswer(c)],
  ping_filtered: (c, inv) => [firewall(c, inv), {text: `Or look for an ICMP rule inside ${c.guest.label} (nft or iptables); if ICMP is filtered on purpose, this warning is expected`, command: `${c.ct} sh -c 'nft list ruleset 2>/dev/null || iptables -S'`}],
  vantage_unreachable: (_c, inv) => [
    inv.proxmox.mode === 'ssh'
      ? {text: 'phoenix could not reach the Proxmox host: check SSH by hand', command: `ssh -p ${inv.proxmox.port} ${word(`${inv.proxmox.user}@${inv.proxmox.host}`)} pct list`}
      : {text: 'pct did not run here: run phoenix on the Proxmox host as root, or set proxmox.host to reach it over SSH', command: 'pct list'},
  ],
  tool_missing: (c) => [{text: `Install the missing tool in ${c.guest.label} (the check names it), or accept the blind spot`, command: `${c.ct} sh -c 'command -v curl nc ss ping'`}],
  deadline: () => [{text: 'Raise --deadline, or lower --timeout so slow probes finish within it'}],
  // The check names the resolver, the record and the vantage (its own hints come first); these are general.
  dns_elsewhere: (c) => [{text: `Point ${c.s.route?.host ?? 'the name'} at the gateway's address where it is served (dnsmasq address=/NAME/GATEWAY-IP, or the /etc/hosts line), never at ${c.s.address}`}],
  dns_split: () => [{text: 'Make every vantage use the same resolver (the one that answers right), or give each resolver the same record'}],
  dns_unresolved: () => [{text: 'Start the resolver named in the evidence, or add the record to it (dnsmasq address=/NAME/GATEWAY-IP)'}],
  // A Proxmox cluster (issue 15): the node's own name and address are in the verdict's evidence.
  node_unreachable: () => [{text: 'Check that the node answers over SSH (its address and sshd), and whether the cluster still sees it', command: 'pvecm status'}],
  node_offline: () => [{text: 'Bring the node back (its power, its cluster network); with quorum, HA recovers the guests it manages onto other nodes', command: 'pvecm status'}],
  ha_stopped: (c) => [
    {text: `HA keeps ${c.guest.label} down: ask HA to start it (a plain start is undone)`, command: `ha-manager set ${c.guest.gate}:${c.guest.id} --state started`},
    {text: 'Read why HA stopped it (an error state follows failed starts or recoveries)', command: 'ha-manager status'},
  ],
  quorum_lost: () => QUORUM_HINTS,
  ...PROXY_HINTS,
}

/** Masks the value of every *PASSWORD*, *KEY*, *SECRET* or *TOKEN* variable in `NAME=value` lines. */
const MASK = `sed -E 's/^([A-Za-z0-9_]*(PASSWORD|KEY|SECRET|TOKEN)[A-Za-z0-9_]*=).*/\\1***/'`

/**
 * The DB_* variables of the service's own process: the unit's or container's environment, not a
 * fresh shell's (which has none of them). Printed one per line, secrets masked before they show.
 */
function databaseEnv(c: HintContext): string {
  return `${c.ct} sh -c ${q(`${runtimeEnvLines(c.s)} | grep '^DB_' | ${MASK}`)}`
}

/** The gateway URL on https, as its redirect points. */
function httpsOf(url: string): string {
  const u = new URL(url)
  u.protocol = 'https:'
  u.port = ''
  return u.toString().replace(/\/$/, '')
}

/**
 * The handshake a client makes for this route, verified against gateway.ca: with the route's name as
 * SNI where it has one (name-based servers choose their certificate by it), so openssl shows the
 * certificate the client was given and why it refused it (expired, another name, another CA).
 */
function tlsCheck(s: ServiceDef, inv: Inventory): Hint {
  const sni = s.route?.host && inv.gateway.url.startsWith('https:') ? s.route.host : undefined
  const options = [...(sni ? ['-servername', word(sni)] : []), ...(inv.gateway.ca ? ['-CAfile', word(inv.gateway.ca), '-verify_return_error'] : [])]
  return {text: `Check the certificate the gateway serves${sni ? ` for ${sni}` : ''} against gateway.ca (\`phoenix check gateway\` names the file and what is wrong with it)`,
    command: `openssl s_client -connect ${word(tlsTarget(inv))}${options.map((o) => ` ${o}`).join('')} -showcerts </dev/null`}
}

/** Where nginx must send a service's route, in words: its address, or its proxy's. */
function upstreamFor(s: ServiceDef, inv: Inventory): string {
  const t = nginxTarget(s, inv)
  return t === s ? hostPort(s.address, s.port) : `${hostPort(t.address, t.port)} (its proxy, ${inv.proxy!.kind}: not ${s.name} itself)`
}

/** host:port for openssl s_client: the URL's own port, else 443. */
function tlsTarget(inv: Inventory): string {
  const url = new URL(inv.gateway.url)
  return `${url.hostname}:${url.port || '443'}`
}

/** The env vars a service's calls take keys from: its own apiKeyEnv, and the gateway's (NAME when neither is named). */
function keyVars(c: HintContext, inv: Inventory): string[] {
  const named = [c.s.apiKeyEnv, inv.gateway.apiKeyEnv].filter((v): v is string => Boolean(v))
  return named.length ? named : ['NAME']
}

/** The hints for a cause, for this service: its kind's own where the kind has them, else the cause's. */
export function hintsFor(cause: CauseCode, service: ServiceDef, inv: Inventory): Hint[] {
  return (kindModule(service.kind).hints?.[cause] ?? HINTS[cause])(context(service, inv), inv)
}
