/**
 * Every finding a check can report and every cause a verdict can name: one closed union, so a
 * typo in a judgement fails the build and a new cause makes the compiler name each table that needs
 * it (src/verdict/causes.ts, cause-evidence.ts, hints.ts). Codes are stable: monitors and runbooks
 * key on them, and the README's causes table lists them (npm run docs).
 */
export type CauseCode =
  | 'healthy'
  | 'container_stopped'
  | 'vm_stopped'
  | 'agent_not_enabled'
  | 'agent_not_responding'
  | 'exec_timed_out'
  | 'runtime_missing'
  | 'service_down'
  | 'service_crashed'
  | 'service_starting'
  | 'service_restarting'
  | 'not_listening'
  | 'api_refused'
  | 'api_timeout'
  | 'api_unhealthy'
  | 'api_unexpected'
  | 'api_error'
  | 'slow'
  | 'model_missing'
  | 'api_auth_failed'
  | 'api_key_unset'
  | 'inference_failed'
  | 'embedding_dim_mismatch'
  | 'kv_cache_full'
  | 'not_ready'
  | 'database_not_ready'
  | 'collection_missing'
  | 'cli_missing'
  | 'bound_to_loopback'
  | 'bound_elsewhere'
  | 'network_blocked'
  | 'ping_filtered'
  | 'host_http_failed'
  | 'gateway_blocked'
  | 'gateway_ct_stopped'
  | 'gateway_down'
  | 'gateway_timeout'
  | 'gateway_tls'
  | 'gateway_dns'
  | 'route_missing'
  | 'route_wrong_target'
  | 'route_wrong_upstream'
  | 'upstream_mismatch'
  | 'upstream_error'
  | 'config_invalid'
  | 'cert_expired'
  | 'cert_expiring'
  // Certificates as a PKI (issue 13 item 4).
  | 'cert_untrusted'
  | 'cert_name_mismatch'
  | 'cert_key_mismatch'
  | 'renewal_stalled'
  | 'hardening_weak'
  | 'host_header_rejected'
  | 'websocket_not_proxied'
  | 'websocket_origin_rejected'
  | 'gateway_drops_key'
  | 'client_forbidden'
  | 'client_redirected'
  | 'gateway_https_redirect'
  | 'client_unexpected'
  | 'answer_not_http'
  | 'tls_mismatch'
  | 'answer_truncated'
  | 'answer_stalled'
  | 'answer_oversized'
  | 'connection_reset'
  | 'vantage_unreachable'
  | 'tool_missing'
  | 'deadline'
  // DNS as a layer of facts (issue 13.3): at the layer of the vantage that resolved the name.
  | 'dns_elsewhere'
  | 'dns_split'
  | 'dns_unresolved'
  // A Proxmox cluster (issue 15)
  | 'node_unreachable'
  | 'node_offline'
  | 'ha_stopped'
  | 'quorum_lost'

/**
 * Findings a check reports that are not causes themselves: the verdict reads them in context (a
 * port refused from the host is network_blocked, from the gateway CT gateway_blocked; a 502 at the
 * client is upstream_mismatch or upstream_error, by what the gateway CT itself reached).
 */
export type PathFinding = 'port_refused' | 'host_unreachable' | 'port_filtered' | 'upstream_refused' | 'upstream_timeout'

/** What a check's judgement points to (Judgement.finding): a cause, or a finding the verdict reads. */
export type Finding = CauseCode | PathFinding
