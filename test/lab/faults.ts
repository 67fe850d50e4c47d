import {rm, writeFile} from 'node:fs/promises'
import {join} from 'node:path'

import type {CauseCode} from '../../src/verdict/causes.js'
import type {Layer, Status} from '../../src/model/status.js'
import {hideApiKey, newApiKey, restoreApiKeys} from './api-keys.js'
import {installCli, removeCli} from './cts.js'
import {isRealCt} from './real-ct.js'
import {setGatewayVariation, setVariation} from './gateway.js'
import {NGINX_CONF, TYPO_DIRECTIVE} from './nginx-config.js'
import {FIREWALL_FAULTS} from './firewall-faults.js'
import {clearFirewall, firewall, restartWith, restore, startNginx, stopNginx} from './fault-mechanics.js'
import {ctExec, pct, rerunService, startService, stopService, waitLastLogLine, waitListening, waitState} from './services.js'
import type {EmulatorOptions} from './services.js'
import {addressOf, ctById, GATEWAY_CTID, PCT_MISSING, SERVICES, SLOW_FAULT_MS, STATE, SUBNET, VM_SERVICES} from './topology.js'
import {CERT_FAULTS} from './cert-faults.js'
import {PROXY_FAULTS} from './proxy-faults.js'
import {agentOption, composeIn, execHangs, execHealed, startAgent, startVm, stopAgent, stopVm} from './vm-faults.js'
import {setRecord, startDns, stopDns, toService} from './dns.js'
import {NAMED, nameOf} from './names.js'
import type {LabService} from './topology.js'

/** The verdict a fault must produce (cause codes of src/verdict/causes.ts). */
export interface Expected {
  /** null with cause `healthy`: the fault is the gateway's own and its services stay healthy. */
  layer: Layer | null
  cause: CauseCode
  /** The target's status; `fail` unless said otherwise (`pass` when healthy). */
  status?: Status
  /** A line of the verdict's evidence must match (e.g. the nginx file:line to change). */
  evidence?: RegExp
  /** One of the verdict's hints must match (e.g. the change to make). */
  hint?: RegExp
  /** One of the verdict's hint commands must match (e.g. `qm start 1002`). */
  command?: RegExp
}

/**
 * One row of the fault table: what the lab breaks for a service, how it puts it back, and the
 * verdict phoenix must give. Adding a fault is adding a row; the e2e suite iterates the table.
 */
export interface Fault {
  name: string
  /** What the lab does, in words (for `lab faults` and test names). */
  does: string
  /** Services it can be injected on. */
  appliesTo: readonly string[]
  /** Affects every service at once (the gateway itself): injected once, not per service. */
  shared?: boolean
  inject(s: LabService): Promise<void>
  heal(s: LabService): Promise<void>
  /** The verdict of every service it affects. */
  expect: Expected
  /** The verdict of the gateway target (`check gateway`), when the row says what it must be. */
  gateway?: Expected
  /** A finding `phoenix audit` must report (hardening is posture: `check` leaves it out). */
  audit?: RegExp
  /** phoenix arguments the row needs beyond the suite's (e.g. --deep for checks that cost GPU time). */
  args?: readonly string[]
  /** Needs real systemd (the real-CT lab): the shims have no such state. */
  realOnly?: boolean
  /** The process keeps logging after the check (a restart loop): its last lines then are newer than the evidence. */
  stillLogging?: boolean
  /** The verdict of the VMs' services where it differs from `expect` (a shared fault). */
  vm?: Expected
  /** Checks each affected service must show, by id: `status: summary` matches (a probe blocked by design is a skip). */
  checks?: Readonly<Record<string, RegExp>>
  /** Only the gateway can be affected (its certificate files): only `check gateway` runs, once per mode. */
  gatewayOnly?: boolean
  /** Only its own services can be affected (Traefik routes nothing else): only they are checked. */
  servicesOnly?: boolean
}

/** The services of a gateway-only fault stay healthy. */
export const HEALTHY: Expected = {layer: null, cause: 'healthy', status: 'pass'}

const CONF = NGINX_CONF.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')
/** The gateway's nginx.conf with a line number (then `rest`): where phoenix must say the fault is. */
const confLine = (rest = '') => new RegExp(`${CONF}:\\d+${rest}`)
/** The upstream's server line, and the hint that changes it. */
const UPSTREAM_LINE = confLine(': server [\\d.]+:\\d+')
const UPSTREAM_FIX = new RegExp(`In ${CONF}:\\d+ change [\\d.]+:\\d+ to [\\d.]+:\\d+`)

/** An address on the bridge where nothing listens (no machine has it). */
export const NOWHERE = `${SUBNET}.199`

const ALL = SERVICES.map((s) => s.name)
/** The services in VMs (the real-CT lab only): the VM rows are theirs. */
const VM = VM_SERVICES.map((s) => s.name)
const SYSTEMD = SERVICES.filter((s) => s.runtime === 'systemd').map((s) => s.name)
/** One container of the CTs' (the crash loop is docker's, not the service's: one is enough). */
const ONE_CONTAINER = SERVICES.filter((s) => s.runtime === 'docker').slice(0, 1).map((s) => s.name)

/** A fault that restarts the emulator with other options; healed by restarting it healthy. */
function emulatorFault(name: string, does: string, expect: Expected, options: (s: LabService) => EmulatorOptions, appliesTo = ALL): Fault {
  return {
    name, does, appliesTo, expect,
    inject: (s) => restartWith(s, options(s)),
    heal: restore,
  }
}

/** What model-missing serves instead (nothing, for Ollama: no model pulled). */
const OTHER_MODELS: Readonly<Record<string, readonly string[]>> = {'vllm-chat': ['Qwen/Qwen2.5-7B-Instruct'], 'vllm-embed': ['intfloat/multilingual-e5-large']}

/**
 * Off-by-one ports: 8000→8001, 5678→5679 (n8n's own task broker port), 6333→6334, 11434→11435,
 * 8080→8081 (Open WebUI; llama.cpp's port, but in another CT), 8081→8082.
 */
const otherPort = (s: LabService) => s.port + 1

/**
 * What differs for a VM (vm-faults.ts): it is entered through its guest agent (`qm guest exec`), so
 * the VM, the agent and qm's own timeout can each be why nothing is seen inside. Only a stopped VM
 * is the service's outage; the others are blind spots (unknown), never a fault of the service.
 */
const VM_FAULTS: readonly Fault[] = [
  {
    name: 'vm-stopped', does: 'qm stop: the VM stops hard (its container killed, its tap link down)', appliesTo: VM, realOnly: true,
    inject: stopVm, heal: startVm,
    expect: {layer: 'service', cause: 'vm_stopped', command: /^qm start 1002$/m},
  },
  {
    name: 'agent-stopped', does: 'systemctl stop qemu-guest-agent inside the VM: it runs, its agent answers no ping', appliesTo: VM, realOnly: true,
    inject: stopAgent, heal: startAgent,
    expect: {layer: 'service', cause: 'agent_not_responding', status: 'unknown', command: /^qm guest cmd 1002 ping$/m, hint: /Start the agent inside VM 1002/},
  },
  {
    name: 'agent-not-enabled', does: "the VM's config without agent: 1 (a VM created without the option): QEMU gives it no agent channel", appliesTo: VM, realOnly: true,
    inject: (s) => agentOption(s, false), heal: (s) => agentOption(s, true),
    expect: {layer: 'service', cause: 'agent_not_enabled', status: 'unknown', command: /^qm set 1002 --agent enabled=1$/m},
  },
  {
    name: 'exec-timeout', does: "docker (systemctl for a unit) in the VM hangs and ignores SIGTERM (a stuck daemon): the check script outlives qm's --timeout, which returns only its pid", appliesTo: VM, realOnly: true,
    inject: execHangs, heal: execHealed,
    expect: {layer: 'service', cause: 'exec_timed_out', status: 'unknown', command: /^qm guest exec-status 1002 \d+$/m},
  },
  {
    // Found by compose's labels: Debian's compose v1 names the container ai-stack_qdrant_1, v2 would
    // say ai-stack-qdrant-1; the inventory names only the project and the service.
    name: 'compose-stopped', does: 'docker-compose -p ai-stack stop qdrant in the VM, as the operator would', appliesTo: VM, realOnly: true,
    inject: (s) => composeIn(s, 'stop'), heal: async (s) => (await composeIn(s, 'start'), await waitListening(s.ctid, s.port)),
    expect: {layer: 'service', cause: 'service_down', evidence: /compose service qdrant of project ai-stack \(container ai-stack_qdrant_1\) is exited/, command: /^qm guest exec 1002 .*docker compose -p ai-stack restart qdrant/m},
  },
]

/**
 * DNS (issue 13.3): the lab's dnsmasq on the host serves a name per named service (dns.ts), and
 * every vantage (the host, the gateway CT, the client) resolves it. A wrong or missing record is
 * seen first from the host, the innermost vantage: the verdict is the host layer's.
 */
const NAME = (rest: string) => new RegExp(`(${NAMED.join('|')})\\.internal\\.phoenix\\.test${rest}`)
const DNS_FAULTS: readonly Fault[] = [
  {
    name: 'dns-to-service', does: "the service's name resolves straight to its own CT (dnsmasq address=/NAME/CT-IP, as the operators' generator writes it): clients skip nginx", appliesTo: NAMED,
    inject: (s) => setRecord(s, toService(s)),
    heal: (s) => setRecord(s, undefined),
    expect: {layer: 'host', cause: 'dns_elsewhere', evidence: /nginx skipped/, hint: NAME(`/${SUBNET.replaceAll('.', '\\.')}\\.153`)},
  },
  {
    name: 'dns-name-missing', does: "the service's address= line taken out of dnsmasq's records: its name is NXDOMAIN", appliesTo: NAMED,
    inject: (s) => setRecord(s, {missing: true}),
    heal: (s) => setRecord(s, undefined),
    expect: {layer: 'host', cause: 'dns_unresolved', evidence: /198\.18\.0\.1 answers NXDOMAIN/, hint: /has no record for/},
  },
  {
    // The gateway's own answer is its /etc/hosts (as an old pin left there): the host, the innermost
    // vantage, gets the gateway from dnsmasq; the gateway CT, next out, the service's CT.
    name: 'dns-split', does: "a stale /etc/hosts line in the gateway CT pins the service's name to its own CT, while dnsmasq (the host's and the client's answer) gives the gateway",
    appliesTo: ['qdrant'], realOnly: true, servicesOnly: true,
    inject: (s) => ctExec(GATEWAY_CTID, ['sh', '-c', `printf '%s %s\\n' ${addressOf(s)} ${nameOf(s)} >> /etc/hosts`]).then(() => undefined),
    heal: (s) => ctExec(GATEWAY_CTID, ['sed', '-i', `/ ${nameOf(s)!.replaceAll('.', '\\.')}$/d`, '/etc/hosts']).then(() => undefined),
    expect: {layer: 'gateway', cause: 'dns_split', evidence: /\/etc\/hosts line \d+/, hint: /\/etc\/hosts line \d+ in the gateway CT 953 names qdrant\.internal\.phoenix\.test/, command: /^pct exec 953 -- sed -n \d+p \/etc\/hosts$/m},
  },
  {
    name: 'dnsmasq-down', does: "the host's dnsmasq stopped: every vantage's resolver refuses (port unreachable)", appliesTo: NAMED,
    inject: stopDns,
    heal: startDns,
    expect: {layer: 'host', cause: 'dns_unresolved', evidence: /198\.18\.0\.1 does not answer at all/, hint: /does not answer: start it/},
  },
]

export const FAULTS: readonly Fault[] = [
  {
    // open-webui's PID 1 is a shell (topology.ts shellPid1): on real docker, docker stop kills it
    // after the grace period and it exits 137, still a stop (real-systemd-findings D2).
    name: 'stopped', does: 'systemctl stop / docker stop (open-webui\'s PID 1 ignores SIGTERM: exit 137 after the 10 s grace period); the VM\'s compose service: compose-stopped', appliesTo: ALL,
    inject: stopService,
    heal: async (s) => (await startService(s), await waitListening(s.ctid, s.port)),
    expect: {layer: 'service', cause: 'service_down'},
  },
  {
    name: 'crashed', does: 'the process exits right after start (emulator --fault crash)', appliesTo: ALL,
    // A real container's policy becomes on-failure:3 (docker's start limit: exited after the third
    // restart); systemd's Restart=on-failure ends failed at StartLimitBurst=3. The real n8n loads for
    // 10-20 s before it finds its port taken: four starts can take minutes on a loaded machine.
    inject: async (s) => (await rerunService(s, {fault: 'crash', restart: 'on-failure:3'}), await waitState(s, 'failed', 300_000)),
    heal: restore,
    expect: {layer: 'service', cause: 'service_crashed'},
  },
  {
    name: 'crash-loop', does: 'the process exits at start and Restart=on-failure waits 300 s before the next try (a drop-in): real systemd shows activating (auto-restart)',
    appliesTo: SYSTEMD, realOnly: true,
    inject: async (s) => {
      if (!isRealCt(s.ctid)) throw new Error('crash-loop needs the real-CT lab (npm run lab -- up --real)')
      await ctExec(s.ctid, ['sh', '-c', `mkdir -p /etc/systemd/system/${s.unit}.service.d && printf '[Service]\\nRestartSec=300\\n' > /etc/systemd/system/${s.unit}.service.d/lab-crash-loop.conf`])
      await rerunService(s, {fault: 'crash'})
      await waitState(s, 'activating')
    },
    heal: async (s) => {
      await ctExec(s.ctid, ['sh', '-c', `rm -rf /etc/systemd/system/${s.unit}.service.d && systemctl daemon-reload && systemctl reset-failed ${s.unit}`])
      await restore(s)
    },
    // Not starting (exit 1, wait): the process died and systemd waits to try again.
    expect: {layer: 'service', cause: 'service_crashed'},
  },
  {
    // restart: always never gives up: docker restarts it with a doubling delay (from 100 ms). A
    // check lands between two tries (`restarting`) or while node starts again before it exits
    // (running, RestartCount > 0, nothing answering): a crash loop either way.
    name: 'restart-loop', does: 'the process exits at start under restart: always: docker restarts it for ever', appliesTo: ONE_CONTAINER, realOnly: true, stillLogging: true,
    inject: async (s) => (await rerunService(s, {fault: 'crash', restart: 'always'}), await waitState(s, 'restarting', 90_000)),
    heal: restore,
    expect: {layer: 'service', cause: 'service_crashed', evidence: /is restarting \(exit 1\), crash loop|is running but restarted \d+ times/},
  },
  {
    // cgroup v1 here (the lab's host): systemd sees only the SIGKILL under MemoryMax (said as likely);
    // a Proxmox VE 7+ host's cgroup v2 says Result=oom-kill. Restarted on failure, three kills within
    // the start limit, then failed. docker's --memory is left out: docker in this lab's nested
    // cgroup v1 CT reports the kill as exit 137 with OOMKilled false (it misses the OOM event), which
    // is what a docker kill looks like; OOMKilled true is read (test/checks/oom.test.ts).
    name: 'oom', does: 'the process grows past its memory limit at start (emulator --fault oom under MemoryMax=192M): the kernel\'s OOM killer ends it, three times',
    appliesTo: SYSTEMD.slice(0, 1), realOnly: true,
    inject: async (s) => (await rerunService(s, {fault: 'oom', memory: '192M'}), await waitState(s, 'failed', 90_000)),
    heal: restore,
    expect: {layer: 'service', cause: 'service_oom', evidence: /loading model weights into memory/, hint: /raise MemoryMax/, command: /systemctl set-property \S+ MemoryMax=384M/},
  },
  emulatorFault('loopback-bind', 'the service listens on 127.0.0.1 inside its CT', {layer: 'host', cause: 'bound_to_loopback'}, () => ({host: '127.0.0.1'})),
  // Not a fault: many operators bind the service to the CT's own address (N8N_LISTEN_ADDRESS, vLLM
  // --host, OLLAMA_HOST=<CT IP>). Inside the CT phoenix must ask that address, not 127.0.0.1.
  emulatorFault('ct-address-bind', "the service listens on its CT's address only, not on 127.0.0.1 (N8N_LISTEN_ADDRESS, vLLM --host, OLLAMA_HOST set to the CT's IP)",
    HEALTHY, (s) => ({host: addressOf(s)})),
  emulatorFault('wrong-port', 'the service listens on another port (its port + 1)', {layer: 'service', cause: 'not_listening'}, (s) => ({port: otherPort(s)})),
  emulatorFault('unhealthy', 'the health endpoint answers 5xx (emulator --fault unhealthy): vLLM 503 (engine dead), Open WebUI 500 (an unhandled exception), llama.cpp 500 (a backend error)',
    {layer: 'service', cause: 'api_unhealthy'}, () => ({fault: 'unhealthy'}), ['vllm-chat', 'vllm-embed', 'open-webui', 'llamacpp']),
  emulatorFault('hang', 'accepts connections, never answers (emulator --fault hang)', {layer: 'service', cause: 'api_timeout'}, () => ({fault: 'hang'})),
  emulatorFault('slow', `answers after ${SLOW_FAULT_MS} ms, past the inventory's slowMs`, {layer: 'service', cause: 'slow', status: 'warn'},
    () => ({fault: 'slow', extra: ['--slow-ms', String(SLOW_FAULT_MS)]})),
  {
    name: 'firewall-gateway', does: 'nft in the CT drops every packet from the gateway CT', appliesTo: ALL,
    inject: (s) => firewall(s, `ip saddr ${ctById(GATEWAY_CTID).address} drop`),
    heal: clearFirewall,
    expect: {layer: 'gateway', cause: 'gateway_blocked'},
  },
  {
    name: 'firewall-host', does: 'nft in the CT drops all inbound traffic (loopback aside)', appliesTo: ALL,
    inject: (s) => firewall(s, 'iif "lo" accept\n    drop'),
    heal: clearFirewall,
    expect: {layer: 'host', cause: 'network_blocked'},
  },
  {
    name: 'ct-stopped', does: 'pct stop: units stopped, init gone, link down', appliesTo: ALL,
    inject: (s) => pct(['stop', s.ctid]),
    heal: async (s) => (await pct(['start', s.ctid]), await waitListening(s.ctid, s.port, undefined, 90_000)),
    expect: {layer: 'service', cause: 'container_stopped'},
  },
  {
    name: 'gateway-down', does: 'nginx in the gateway CT is stopped', appliesTo: ALL, shared: true,
    inject: stopNginx,
    heal: startNginx,
    expect: {layer: 'client', cause: 'gateway_down'},
  },
  {
    name: 'route-missing', does: "nginx.conf regenerated without the service's locations, reloaded", appliesTo: ALL,
    inject: (s) => setVariation(s.name, {omit: true}),
    heal: (s) => setVariation(s.name, {omit: undefined}),
    expect: {layer: 'client', cause: 'route_missing'},
  },
  {
    name: 'upstream-wrong-port', does: "nginx's upstream points at the service's port + 1, reloaded", appliesTo: ALL,
    inject: (s) => setVariation(s.name, {upstreamPort: otherPort(s)}),
    heal: (s) => setVariation(s.name, {upstreamPort: undefined}),
    expect: {layer: 'client', cause: 'upstream_mismatch', evidence: UPSTREAM_LINE, hint: UPSTREAM_FIX},
  },
  {
    name: 'upstream-wrong-address', does: `nginx's upstream points at ${NOWHERE}, where nothing answers (502/504 within proxy_connect_timeout 2s), reloaded`, appliesTo: ALL,
    inject: (s) => setVariation(s.name, {upstreamAddress: NOWHERE}),
    heal: (s) => setVariation(s.name, {upstreamAddress: undefined}),
    expect: {layer: 'client', cause: 'upstream_mismatch', evidence: UPSTREAM_LINE, hint: UPSTREAM_FIX},
  },
  {
    name: 'route-wrong-upstream', does: "vllm-chat's locations proxy to the embeddings CT's upstream (embedding_service), reloaded", appliesTo: ['vllm-chat'],
    inject: (s) => setVariation(s.name, {proxyTo: 'vllm-embed'}),
    heal: (s) => setVariation(s.name, {proxyTo: undefined}),
    // The fix is the location's proxy_pass; embedding_service's server line serves vllm-embed and stays.
    expect: {layer: 'client', cause: 'route_wrong_upstream', evidence: confLine(': proxy_pass http://embedding_service'), hint: new RegExp(`In ${CONF}:\\d+ change proxy_pass http://embedding_service to proxy_pass http://qwen_service;`)},
  },
  {
    name: 'route-via-map', does: "the vLLM locations proxy through a variable, as the operators' gateway does: proxy_pass http://$lab_backend; with a map $uri entry per route naming its upstream, reloaded", appliesTo: ['vllm-chat', 'vllm-embed'],
    inject: (s) => setVariation(s.name, {viaMap: true}),
    heal: (s) => setVariation(s.name, {viaMap: undefined}),
    // Nothing is wrong: phoenix follows the map to each route's own upstream.
    expect: HEALTHY,
  },
  {
    name: 'map-wrong-upstream', does: "vllm-chat's locations proxy through map $uri $lab_backend, whose entries for its routes name the embeddings CT's upstream (embedding_service), reloaded", appliesTo: ['vllm-chat'],
    inject: (s) => setVariation(s.name, {viaMap: true, proxyTo: 'vllm-embed'}),
    heal: (s) => setVariation(s.name, {viaMap: undefined, proxyTo: undefined}),
    // The fix is the map entry of vllm-chat's route, never the proxy_pass line the map's routes share.
    expect: {layer: 'client', cause: 'route_wrong_upstream', evidence: confLine(': map \\$uri \\$lab_backend entry ~\\^/v1/chat/completions → http://embedding_service'),
      hint: new RegExp(`In ${CONF}:\\d+ change embedding_service to qwen_service \\(map \\$uri \\$lab_backend entry`)},
  },
  {
    name: 'gateway-blanks-key', does: 'the location blanks the key header (proxy_set_header api-key ""; for Qdrant, Authorization for vLLM), reloaded: the service takes the key, the route refuses it', appliesTo: ['qdrant', 'vllm-chat'],
    inject: (s) => setVariation(s.name, {blankKey: true}),
    heal: (s) => setVariation(s.name, {blankKey: undefined}),
    expect: {layer: 'client', cause: 'gateway_drops_key', evidence: confLine(': proxy_set_header (api-key|authorization) ""'), hint: /remove proxy_set_header (api-key|authorization)/},
  },
  {
    name: 'rewrite-wrong', does: 'proxy_pass without the trailing slash and no rewrite: the route\'s prefix reaches the service, reloaded', appliesTo: ['n8n', 'qdrant'],
    inject: (s) => setVariation(s.name, {keepPrefix: true}),
    heal: (s) => setVariation(s.name, {keepPrefix: undefined}),
    expect: {layer: 'client', cause: 'route_wrong_target', evidence: confLine()},
  },
  {
    name: 'websocket-headers-missing', does: "the location without the Upgrade/Connection headers (n8n's /rest/push, Open WebUI's /ws/socket.io/), reloaded", appliesTo: ['n8n', 'open-webui'],
    inject: (s) => setVariation(s.name, {noWebsocket: true}),
    heal: (s) => setVariation(s.name, {noWebsocket: undefined}),
    expect: {layer: 'client', cause: 'websocket_not_proxied', evidence: confLine()},
  },
  {
    // n8n 2.8 checks the session before the Origin, so a probe without one sees 101 and a plain
    // close: the verdict comes from the location's headers (a logged-in editor gets "Invalid origin!").
    name: 'websocket-origin-host', does: "n8n's location without proxy_set_header Host (nginx sends the upstream's name, so a logged-in editor's push gets \"Invalid origin!\" and 1008), reloaded", appliesTo: ['n8n'],
    inject: (s) => setVariation(s.name, {noHost: true}),
    heal: (s) => setVariation(s.name, {noHost: undefined}),
    expect: {layer: 'client', cause: 'websocket_origin_rejected', status: 'warn', evidence: confLine("\\) sends n8n nginx's default Host"), hint: /X-Forwarded-Host \$http_host/},
  },
  {
    name: 'ollama-host-header', does: 'the location forwards the public Host (not localhost:11434) to an Ollama that applies its Host guard (--host-guard), reloaded', appliesTo: ['ollama'],
    inject: (s) => setVariation(s.name, {publicHost: true}),
    heal: (s) => setVariation(s.name, {publicHost: undefined}),
    expect: {layer: 'client', cause: 'host_header_rejected'},
  },
  {
    name: 'config-syntax-error', does: 'a misspelt directive written into nginx.conf, reload tried (refused: nginx keeps the old config)', appliesTo: ALL, shared: true,
    inject: () => setGatewayVariation({typo: true}),
    heal: () => setGatewayVariation({typo: undefined}),
    expect: HEALTHY,
    gateway: {layer: 'service', cause: 'config_invalid', evidence: confLine(`: unknown directive "${TYPO_DIRECTIVE}"`)},
  },
  {
    name: 'https-redirect', does: "the gateway's http server redirects every request to https (return 301 https://$host$request_uri, as the operators' gateway does), reloaded", appliesTo: ALL, shared: true,
    inject: () => setGatewayVariation({httpsRedirect: true}),
    heal: () => setGatewayVariation({httpsRedirect: undefined}),
    expect: {layer: 'client', cause: 'gateway_https_redirect', evidence: confLine(': return 301 https://'), hint: /use the https URL in gateway\.url/},
  },
  {
    name: 'server-tokens-on', does: 'server_tokens on in the http block (the healthy gateway has off), reloaded', appliesTo: ALL, shared: true,
    inject: () => setGatewayVariation({serverTokensOn: true}),
    heal: () => setGatewayVariation({serverTokensOn: undefined}),
    expect: HEALTHY,
    // Posture, not health: check says the gateway is healthy, audit names the line.
    gateway: HEALTHY,
    audit: new RegExp(`server_tokens: .*\\(${CONF}:\\d+\\)`),
  },
  {
    name: 'ping-filtered', does: 'nft in the CT drops ICMP echo requests; TCP to the service still passes', appliesTo: ALL,
    inject: (s) => firewall(s, 'icmp type echo-request drop'),
    heal: clearFirewall,
    expect: {layer: 'host', cause: 'ping_filtered', status: 'warn', evidence: /host\.ping: .* does not answer ping/, hint: /firewall/},
  },
  {
    name: 'pct-missing', does: "pct is not there for phoenix's run: off PATH on the host, 'pct: not found' for the SSH session", appliesTo: ALL, shared: true,
    inject: async () => writeFile(join(STATE, PCT_MISSING), ''),
    heal: async () => rm(join(STATE, PCT_MISSING), {force: true}),
    // A blind spot, not a fault: unknown (exit 3), never host/network_blocked "healthy inside its CT".
    expect: {layer: 'service', cause: 'vantage_unreachable', status: 'unknown', evidence: /service\.ct: .*pct.*not (found|installed)/},
    gateway: {layer: 'service', cause: 'vantage_unreachable', status: 'unknown'},
    // A VM's service is entered with qm, which is still there: only its gateway layer (pct exec into CT 953) is blind.
    vm: {layer: 'gateway', cause: 'vantage_unreachable', status: 'unknown', evidence: /gateway\.ct: .*pct.*not (found|installed)/},
  },
  emulatorFault('model-missing', 'vLLM serves another model, Ollama has none pulled (the inventory names model:)', {layer: 'service', cause: 'model_missing'},
    (s) => ({models: OTHER_MODELS[s.name] ?? []}), ['vllm-chat', 'vllm-embed', 'ollama']),
  {
    name: 'starting', appliesTo: ['vllm-chat', 'vllm-embed', 'llamacpp'],
    does: 'still loading its model (emulator --fault starting --startup-ms 0): vLLM\'s process up, port closed, loading lines in its journal; llama-server listening, /health and the API 503 "Loading model"',
    inject: async (s) => {
      const starting: EmulatorOptions = {fault: 'starting', extra: ['--startup-ms', '0']}
      if (s.kind === 'llamacpp') return restartWith(s, starting)
      await rerunService(s, starting)
      await waitLastLogLine(s, 'Dynamo bytecode transform')
    },
    heal: restore,
    // vLLM's outer layers are refused, llama.cpp's answer 503 through the gateway too: users get
    // nothing meanwhile, so the service fails, and the loading explains it.
    expect: {layer: 'service', cause: 'service_starting'},
  },
  emulatorFault('db-down', "n8n's database is unreachable: /healthz ok, readiness 503 (emulator --fault db-down)", {layer: 'service', cause: 'database_not_ready'}, () => ({fault: 'db-down'}), ['n8n']),
  emulatorFault('not-ready', "readiness 503 while liveness is fine (emulator --fault not-ready): Qdrant's shards (/readyz), Open WebUI's database (/ready)",
    {layer: 'service', cause: 'not_ready'}, () => ({fault: 'not-ready'}), ['qdrant', 'open-webui']),
  emulatorFault('key-rotated', "the service restarted with a new API key; phoenix's env var still has the lab's", {layer: 'service', cause: 'api_auth_failed'},
    () => ({apiKey: newApiKey()}), ['qdrant', 'vllm-chat']),
  {
    name: 'key-unset', does: "phoenix runs without the service's apiKeyEnv variable (cron without EnvironmentFile=); the service keeps its key",
    appliesTo: ['qdrant', 'vllm-chat'],
    inject: (s) => hideApiKey(s.apiKeyEnv!),
    heal: restoreApiKeys,
    // Not an outage: the run could not check the keyed calls (unknown, exit 3), and says which variable to set.
    expect: {layer: 'service', cause: 'api_key_unset', status: 'unknown', evidence: /\$(QDRANT|VLLM)_API_KEY not set for this run/, hint: /EnvironmentFile=/},
  },
  emulatorFault('kv-full', "vLLM's KV cache 97% used, requests queued (emulator --fault kv-full)", {layer: 'service', cause: 'kv_cache_full', status: 'warn'}, () => ({fault: 'kv-full'}), ['vllm-chat']),
  {
    name: 'cli-missing', does: "the ollama command taken off CT 955's /usr/local/bin (a login shell's PATH)", appliesTo: ['ollama'],
    inject: removeCli,
    heal: installCli,
    expect: {layer: 'service', cause: 'cli_missing', status: 'warn'},
  },
  {
    ...emulatorFault('embedding-dim', 'the embedding model returns 768 dimensions, the inventory says dim: 1024 (checked with --deep)', {layer: 'service', cause: 'embedding_dim_mismatch'},
      () => ({extra: ['--dim', '768']}), ['vllm-embed']),
    args: ['--deep'],
  },
  ...VM_FAULTS,
  ...FIREWALL_FAULTS,
  ...CERT_FAULTS,
  ...DNS_FAULTS,
  ...PROXY_FAULTS,
]

export function faultByName(name: string): Fault {
  const found = FAULTS.find((f) => f.name === name)
  if (!found) throw new Error(`no fault "${name}" (known: ${FAULTS.map((f) => f.name).join(', ')})`)
  return found
}
