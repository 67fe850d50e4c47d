import type {CauseCode} from '../model/findings.js'
import type {Layer} from '../model/status.js'

/** A cause: a stable code, the layer it belongs to, and what it means to an operator. */
export interface Cause {
  layer: Layer | null
  meaning: string
}

/**
 * Every cause a verdict can name. Codes are stable: monitors and runbooks key on them. The README's
 * causes table is generated from this list (npm run docs) and a test keeps the two equal.
 */
export const CAUSES = {
  healthy: {layer: null, meaning: 'Every layer passed.'},
  container_stopped: {layer: 'service', meaning: 'The service\'s CT is not running.'},
  vm_stopped: {layer: 'service', meaning: 'The service\'s VM is not running (qm status: stopped).'},
  agent_not_enabled: {layer: null, meaning: 'The VM runs, but its config does not enable the QEMU guest agent (agent: 1 in qm config), so phoenix cannot look inside it: a blind spot (unknown), not a fault of the service.'},
  agent_not_responding: {layer: null, meaning: 'The VM runs, but its QEMU guest agent does not answer (not installed, stopped or hung in the guest): nothing inside the VM can be seen (unknown); the service is not at fault.'},
  exec_timed_out: {layer: null, meaning: 'The check script inside the VM was still running at qm guest exec\'s --timeout (qm returned only its pid): the VM is overloaded or a command in it hangs; nothing inside was seen (unknown).'},
  runtime_missing: {layer: 'service', meaning: 'The systemd unit or docker container named in the inventory does not exist in the CT.'},
  service_down: {layer: 'service', meaning: 'The unit or container is stopped (it exited cleanly or was stopped).'},
  service_crashed: {layer: 'service', meaning: 'The unit failed or the container exited with an error: its last log lines say why.'},
  service_oom: {layer: 'service', meaning: 'The kernel\'s OOM killer ended the unit or container at its memory limit (MemoryMax, docker --memory) or its guest\'s: raise the limit or find what grew.'},
  service_starting: {layer: 'service', meaning: 'The service is starting or loading its model; wait, then check again.'},
  service_restarting: {layer: 'service', meaning: 'The unit or container runs but has restarted: it is crash-looping or was killed.'},
  not_listening: {layer: 'service', meaning: 'Nothing listens on the configured port inside the CT (wrong port, or not started yet).'},
  api_refused: {layer: 'service', meaning: 'The port refuses connections inside the CT.'},
  api_timeout: {layer: 'service', meaning: 'The service accepts connections but does not answer its health endpoint in time (hung).'},
  api_unhealthy: {layer: 'service', meaning: 'The health endpoint answers with a 5xx status: the service says it is broken.'},
  api_unexpected: {layer: 'service', meaning: 'The health endpoint answers something this kind of service never says (wrong port or wrong service?).'},
  api_error: {layer: 'service', meaning: 'The health request failed in an unusual way (reset, protocol error).'},
  slow: {layer: 'service', meaning: 'Answers are correct but slower than thresholds.slowMs (warning).'},
  model_missing: {layer: 'service', meaning: 'The model the inventory expects (model:) is not served by vLLM or not pulled into Ollama.'},
  api_auth_failed: {layer: 'service', meaning: 'The API refused the key phoenix sent (401/403): the key in the env var named by apiKeyEnv is not the one the service expects.'},
  api_key_unset: {layer: null, meaning: 'The env var named by apiKeyEnv (or gateway.apiKeyEnv) is not set where phoenix runs (cron and systemd start with an almost empty environment), and the API refused the call without it: the run could not check it (unknown), the service is not at fault.'},
  inference_failed: {layer: 'service', meaning: 'A one-token completion or one embedding (--deep) failed although the model is listed.'},
  embedding_dim_mismatch: {layer: 'service', meaning: 'The embedding model returns vectors of another dimension than the inventory\'s dim: (wrong model loaded?).'},
  kv_cache_full: {layer: 'service', meaning: 'vLLM\'s KV cache is over 90% used: new requests queue or get preempted (warning).'},
  not_ready: {layer: 'service', meaning: 'The readiness endpoint answers 503 while liveness is fine (Qdrant shards, Open WebUI database or Redis).'},
  database_not_ready: {layer: 'service', meaning: 'n8n answers /healthz but /healthz/readiness is 503: its database is down, unreachable or migrating.'},
  collection_missing: {layer: 'service', meaning: 'A Qdrant collection the inventory lists (collections:) does not exist.'},
  cli_missing: {layer: 'service', meaning: 'The service\'s command (ollama) is not on a login shell\'s PATH in the CT (warning).'},
  bound_to_loopback: {layer: 'host', meaning: 'The service listens on 127.0.0.1 only: it works inside the CT and is refused from everywhere else.'},
  bound_elsewhere: {layer: 'host', meaning: 'The service listens on a specific address that is not the CT address in the inventory.'},
  network_blocked: {layer: 'host', meaning: 'The service is healthy inside its CT but the host cannot reach it: a firewall, or the CT\'s network config.'},
  ping_filtered: {layer: 'host', meaning: 'The CT\'s address does not answer ping from the host while TCP to the service connects: ICMP echo is filtered (a firewall rule); the service is reachable (warning).'},
  host_http_failed: {layer: 'host', meaning: 'TCP from the host connects but the health request fails there while it passes inside the CT.'},
  gateway_blocked: {layer: 'gateway', meaning: 'The gateway CT cannot reach the service (behind a proxy: the proxy) while the layers inside answer (the host reaches the service, or its hop is blocked by design): a firewall between the two CTs, or routing.'},
  gateway_ct_stopped: {layer: 'gateway', meaning: 'The gateway CT (or VM) is not running.'},
  gateway_down: {layer: 'client', meaning: 'Nothing answers on the gateway\'s address: nginx is stopped or not listening there.'},
  gateway_timeout: {layer: 'client', meaning: 'The gateway does not answer in time.'},
  gateway_tls: {layer: 'client', meaning: 'The TLS handshake with the gateway failed (certificate, CA or SNI name).'},
  gateway_dns: {layer: 'client', meaning: 'The gateway URL\'s host name does not resolve.'},
  route_missing: {layer: 'client', meaning: 'The gateway answers 404 for the service\'s route: no nginx location for it.'},
  route_wrong_target: {layer: 'client', meaning: 'The route answers, but not with this service\'s answer: it leads somewhere else.'},
  route_wrong_upstream: {layer: 'client', meaning: 'The route\'s location proxies to another service\'s upstream (chat sent to the embeddings CT): the fix is that location\'s proxy_pass, not the other service\'s upstream.'},
  upstream_mismatch: {layer: 'client', meaning: 'The gateway CT reaches the service directly, yet nginx answers 502/504: its upstream address or port is wrong.'},
  upstream_error: {layer: 'client', meaning: 'nginx could not use its upstream (502/504); the inner layers were not checked, so where is open.'},
  config_invalid: {layer: 'service', meaning: 'nginx -t fails (or the config has a directive where nginx refuses it): the next reload is refused; the running nginx keeps its old config.'},
  cert_expired: {layer: 'service', meaning: 'A certificate the gateway serves has expired: clients refuse its TLS (critical).'},
  cert_expiring: {layer: 'service', meaning: 'A certificate the gateway serves has less than a third of its lifetime left: its renewal did not happen (warning).'},
  cert_untrusted: {layer: 'service', meaning: 'A certificate the gateway serves does not chain to the CA in gateway.ca (through the intermediates in its own file): clients that trust that CA refuse it.'},
  cert_name_mismatch: {layer: 'service', meaning: 'A certificate the gateway serves does not cover every name its server block serves (server_name, the inventory\'s route hosts, gateway.url\'s host): clients asking for a missing name refuse it.'},
  cert_key_mismatch: {layer: 'service', meaning: 'A certificate and the key nginx pairs it with do not belong together: nginx refuses to load them at its next reload or start (the running nginx keeps the old pair).'},
  renewal_stalled: {layer: 'service', meaning: 'A certificate the gateway serves is older than its renewal interval allows (gateway.renewEvery, or the cron line or systemd timer renewing it): its renewal has stopped (warning).'},
  hardening_weak: {layer: 'service', meaning: 'The gateway misses hardening practices of the gateway plans: server_tokens, TLS, security headers, rate limits, auth (warning). Shown by `phoenix audit` and `diag gateway`, not by `check`.'},
  host_header_rejected: {layer: 'client', meaning: 'Ollama\'s Host-header guard answers 403 with an empty body: nginx forwards a Host it does not accept.'},
  websocket_not_proxied: {layer: 'client', meaning: 'A WebSocket upgrade through the route gets no 101: nginx does not pass Upgrade/Connection, so the live connection the service\'s web page opens through the gateway fails.'},
  websocket_origin_rejected: {layer: 'client', meaning: 'The upgrade goes through but the service rejects the browser\'s Origin ("Invalid origin!", close 1008): the Host it sees is not the one the browser used. Where phoenix has no session to see it (n8n checks the session first), read from the route: neither Host nor X-Forwarded-Host carries the browser\'s host (warning).'},
  gateway_drops_key: {layer: 'client', meaning: 'The service accepts its API key inside the CT, but the route refuses the same call with it: the gateway drops or blanks the key header (proxy_set_header api-key "";).'},
  client_forbidden: {layer: 'client', meaning: 'The route answers 401/403: credentials, or a Host-header guard behind the proxy.'},
  client_redirected: {layer: 'client', meaning: 'The route answers a redirect (3xx) where the service answers directly: a client is sent elsewhere (the Location is in the evidence; phoenix never follows it).'},
  gateway_https_redirect: {layer: 'client', meaning: 'The gateway redirects http to https for the route: gateway.url is the http URL; use the https one.'},
  client_unexpected: {layer: 'client', meaning: 'The route answers a status a client would not expect.'},
  answer_not_http: {layer: null, meaning: 'Something accepts connections on the port, but its answer is not HTTP (garbage, or a header section over the size limit): another program holds the port, or a broken proxy.'},
  tls_mismatch: {layer: null, meaning: 'One side speaks TLS and the other plain HTTP: an https:// URL to a plain port, or http:// to a port that serves TLS.'},
  answer_truncated: {layer: null, meaning: 'The status came, then the connection closed before the body was complete (short of its Content-Length): the program crashed or was killed mid-answer.'},
  answer_stalled: {layer: null, meaning: 'The status came, but the body was still arriving at the timeout: a stalled stream, or a body too slow to be read in time.'},
  answer_oversized: {layer: null, meaning: 'The answer\'s body is over 256 KiB: phoenix judged its start and discarded the rest; a health or API call that answers this much is misconfigured (warning).'},
  connection_reset: {layer: null, meaning: 'The connection was accepted, then reset before an answer: the program on the port dropped the request (it crashed, or refuses this client); not a firewall, which refuses or drops the connection itself.'},
  vantage_unreachable: {layer: null, meaning: 'phoenix could not get to a vantage point (SSH to the host, or pct exec into a CT): a blind spot, not a fault.'},
  tool_missing: {layer: null, meaning: 'A CT lacks the tool a check needs (curl, nc, ss): install it or accept the blind spot.'},
  deadline: {layer: null, meaning: 'The run\'s overall deadline passed before the check finished.'},
  // DNS (issue 13.3): each at the layer of the vantage that resolved the name (host, gateway, client).
  dns_elsewhere: {layer: null, meaning: 'The route\'s name (or the gateway URL\'s) resolves to an address that is not the gateway\'s, e.g. straight to the service\'s CT: clients skip nginx (its TLS, auth and routing); warning when the gateway\'s address is among the answers. At the layer of the vantage that resolved it.'},
  dns_split: {layer: null, meaning: 'The vantages disagree on the name: an earlier one (the host) resolves it to the gateway, this one (the gateway CT, the client) elsewhere or not at all: split DNS gone wrong, another resolver or a stale /etc/hosts line there.'},
  dns_unresolved: {layer: null, meaning: 'The name does not resolve at that vantage: the resolver answers NXDOMAIN, SERVFAIL or REFUSED for it, or does not answer at all (dnsmasq down); the resolver is named.'},
  // A Proxmox cluster (issue 15)
  node_unreachable: {layer: null, meaning: 'phoenix could not connect to the cluster node the guest runs on (SSH to that node failed): nothing on it was seen, a blind spot named after the node; the service is not at fault, and the other nodes\' verdicts stand.'},
  node_offline: {layer: null, meaning: 'The cluster says the node the guest runs on is offline (pvesh get /cluster/status: online 0): phoenix did not try it, nothing on it was seen (unknown); its guests are down or cut off until the node is back.'},
  ha_stopped: {layer: 'service', meaning: 'The guest is stopped and HA manages it with a state that keeps it down (ha-manager status: stopped, disabled, error, fence): a plain pct start or qm start is undone by HA; change its HA state instead.'},
  quorum_lost: {layer: null, meaning: 'The cluster has lost quorum (pvecm status: Quorate: No): /etc/pve is read-only, so guests cannot be started, migrated or recovered by HA until enough nodes see each other again (warning; the cluster section of the report).'},
  // The intermediate proxy (Traefik) between the gateway and the services routed through it (viaProxy).
  proxy_ct_stopped: {layer: 'proxy', meaning: 'The proxy\'s CT (or VM) is not running: every route through it fails.'},
  proxy_down: {layer: 'proxy', meaning: 'Traefik is not running in its CT (its unit is not active, or /ping is refused): nginx\'s routes to it fail.'},
  proxy_blocked: {layer: 'proxy', meaning: 'The proxy\'s CT cannot reach the service while it answers inside its CT (the host reaches it, or the host\'s hop is blocked by design): a firewall between the two CTs (a rule in the .fw files that blocks the proxy is named, with the line that lets it in), or routing.'},
  proxy_router_missing: {layer: 'proxy', meaning: 'No Traefik router matches the route (its Host and path) and none leads to the service: Traefik answers 404.'},
  proxy_rule_mismatch: {layer: 'proxy', meaning: 'A Traefik router leads to the service, but its rule does not match the route (another Host or path), or another router of higher priority takes the request.'},
  proxy_service_url_wrong: {layer: 'proxy', meaning: 'The Traefik router that takes the route sends it to a loadBalancer server URL that is not the service\'s address and port.'},
  proxy_backend_tls: {layer: 'proxy', meaning: 'Traefik\'s server URL for the service is https://, but the service answers plain HTTP: every request fails the TLS handshake (502).'},
  proxy_cert_expired: {layer: 'proxy', meaning: 'The certificate Traefik serves for the service\'s Host (tls.certificates) has expired: clients refuse its TLS.'},
  proxy_cert_expiring: {layer: 'proxy', meaning: 'The certificate Traefik serves for the service\'s Host has less than a third of its lifetime left: its renewal did not happen (warning).'},
  proxy_cert_untrusted: {layer: 'proxy', meaning: 'The certificate Traefik serves for the service\'s Host does not chain to the CA in gateway.ca: clients that trust that CA refuse it.'},
  proxy_cert_name_mismatch: {layer: 'proxy', meaning: 'No certificate in Traefik\'s tls.certificates covers a Host of a router with tls that leads to the service: Traefik serves its self-signed default certificate for it, which clients refuse.'},
  proxy_cert_key_mismatch: {layer: 'proxy', meaning: 'A certFile of tls.certificates and its keyFile do not belong together: Traefik does not load the pair and serves its default certificate.'},
  proxy_backend_down: {layer: 'proxy', meaning: 'Traefik\'s health check marks the service\'s server DOWN (its API\'s serverStatus) while the service answers: Traefik answers 503 "no available server" (its healthCheck path or port is wrong?).'},
} as const satisfies Record<CauseCode, Cause>

export type {CauseCode}

/** Whether a string is a known cause code. */
export function isCause(code: string): code is CauseCode {
  return Object.hasOwn(CAUSES, code)
}
