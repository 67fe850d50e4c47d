import type {Expectation, Judgement} from '../../model/check-spec.js'
import type {Inventory, ServiceDef} from '../../model/inventory.js'
import type {NginxObservation} from '../../model/probes.js'
import type {KindCheck, PlanContext, ServiceKindModule} from './kind.js'
import {certificateJudges} from './nginx-certs.js'
import {nginxTestThen} from '../hint-words.js'
import {postureChecks} from './nginx-posture.js'
import {judgeRoute, nginxProbe} from './route-check.js'
import {kindModule} from './registry.js'

/**
 * The nginx gateway itself (`phoenix diag gateway`): its unit, sockets and answer like any service,
 * plus what only nginx can say: `nginx -t` with file and line, every inventory route checked against
 * the loaded config, the hardening practices of the gateway plans, and the error log's recent lines.
 */
export const nginxKind: ServiceKindModule = {
  defaultHealth: '/',
  example: {name: 'gateway', kind: 'nginx', guest: {kind: 'ct', id: 953}, address: '10.0.0.153', port: 80, runtime: {systemd: 'nginx'}, route: {path: '/'}},
  exampleFor: ['config_invalid', 'hardening_weak', 'cert_expired', 'cert_expiring', 'cert_untrusted', 'cert_name_mismatch', 'cert_key_mismatch', 'renewal_stalled'],
  // The gateway checking a route to itself says nothing the other layers do not.
  layers: ['service', 'host', 'client'],
  // Any answer from nginx (404 for /, 301 to https) means it is up; 5xx means it is not serving.
  verifyHealth: (status) => (status > 0 && status < 500 ? {status: 'pass', summary: `nginx answered ${status}`} : undefined),
  client: () => ({subpath: '', accept: (status) => (status > 0 && status < 500 ? {status: 'pass', summary: `the gateway answered ${status}`} : undefined)}),
  // Health first; the hardening audit (posture, not health) only where asked: diag and audit.
  extraChecks: (_s, c) => [
    nginxCheck(c, 'service.config', (obs) => configValid(obs, c.inventory)),
    nginxCheck(c, 'service.routes', (obs) => routesMatch(obs, c)),
    ...certificateJudges.map(({id, judge}) => nginxCheck(c, id, (obs) => judge(obs, c.inventory))),
    nginxCheck(c, 'service.errors', (obs) => recentErrors(obs, c.inventory)),
    ...(c.posture ? postureChecks(c) : []),
  ],
}

/** The gateway as a diagnosable target, made from the inventory's gateway. */
export function gatewayTarget(inv: Inventory): ServiceDef {
  const url = new URL(inv.gateway.url)
  const port = Number(url.port || (url.protocol === 'https:' ? 443 : 80))
  return {name: 'gateway', kind: 'nginx', guest: inv.gateway.guest, address: inv.gateway.address, port, runtime: {systemd: inv.gateway.unit}, route: {path: '/'}}
}

export function nginxCheck(c: PlanContext, id: string, judge: (obs: NginxObservation) => Judgement): KindCheck {
  const expectation: Expectation = (obs) => (obs.kind === 'nginx' ? judge(obs) : {status: 'unknown', summary: `unexpected observation ${obs.kind}`})
  return {layer: 'service', id, probe: nginxProbe(c.inventory), judge: expectation}
}

/** `nginx -t`: an [emerg] stops the next reload; the running nginx keeps its old config meanwhile. */
function configValid(obs: NginxObservation, inv: Inventory): Judgement {
  const located = (m: {text: string; file?: string; line?: number}) => (m.file ? `${m.file}:${m.line}: ${m.text}` : m.text)
  if (!obs.test.ok) {
    const errors = obs.test.messages.filter((m) => m.level === 'emerg' || m.level === 'crit' || m.level === 'alert')
    const first = errors[0] ?? obs.test.messages[0]
    const mismatch = errors.map((m) => KEY_MISMATCH.exec(m.text)?.[1]).find(Boolean)
    if (mismatch) return keyRefused(mismatch, obs, inv)
    return {
      status: 'fail',
      summary: `nginx -t fails${first ? `: ${located(first)}` : ''}; a reload would be refused (the running nginx keeps its old config)`,
      finding: 'config_invalid',
      evidence: obs.test.messages.map((m) => `[${m.level}] ${located(m)}`),
      hints: errors.filter((m) => m.file).map((m) => ({text: `Fix ${m.file}:${m.line}: ${m.text}`})),
    }
  }
  if (obs.problems.length) {
    const problems = obs.problems.map((p) => located({text: p.message, file: p.file, line: p.line}))
    return {status: 'warn', summary: `nginx -t passes, but ${problems.length} problem(s) in the config: ${problems[0]}`, finding: 'config_invalid', evidence: problems}
  }
  const servers = new Set(obs.routes.map((r) => `${r.server.file}:${r.server.line}`)).size
  return {status: 'pass', summary: `nginx -t passes; ${obs.routes.length} locations in ${servers} server blocks`}
}

/** nginx -t's words when a certificate's key is not its own (OpenSSL's X509_R_KEY_VALUES_MISMATCH). */
const KEY_MISMATCH = /SSL_CTX_use_PrivateKey\("([^"]+)"\) failed .*key values mismatch/

/**
 * nginx -t refuses a key that does not belong to its certificate: the pair on disk no longer
 * matches (a renewal wrote one file and not the other), and nginx will not reload or start with it.
 */
function keyRefused(key: string, obs: NginxObservation, inv: Inventory): Judgement {
  const said = obs.test.messages.filter((m) => KEY_MISMATCH.test(m.text)).map((m) => `[${m.level}] ${m.text}`)
  return {
    status: 'fail',
    summary: `nginx -t refuses ${key}: it is not the key of the certificate it is paired with; a reload or start would fail (the running nginx keeps the old pair)`,
    finding: 'cert_key_mismatch',
    evidence: [...said, `nginx -t: the key ${key} and its ssl_certificate have different public keys`],
    hints: [{text: `Put in ${key} the key its certificate was issued for (or reissue both), then test and reload`, command: nginxTestThen(inv, 'reload')}],
  }
}

/** Every inventory route, checked against the loaded config. */
function routesMatch(obs: NginxObservation, c: PlanContext): Judgement {
  if (!obs.test.ok) return {status: 'skip', summary: 'skipped: nginx -t fails (service.config)'}
  const routed = c.inventory.services.filter((s) => s.route)
  const judged = routed.map((s) => ({s, j: judgeRoute(s, c.inventory, obs, kindModule(s.kind).client(s, c).subpath, new Map())}))
  const bad = judged.filter(({j}) => j.status !== 'pass')
  if (!bad.length) return {status: 'pass', summary: `${routed.length} routes match the inventory (${routed.map((s) => s.route!.path).join(', ')})`}
  return {
    status: 'warn',
    summary: bad.map(({s, j}) => `${s.name}: ${j.summary}`).join('; '),
    finding: bad[0]!.j.finding ?? 'route_missing',
    evidence: bad.flatMap(({s, j}) => [`${s.name}: ${j.summary}`, ...(j.evidence ?? []).map((e) => `  ${e}`)]),
    hints: bad.flatMap(({j}) => j.hints ?? []),
  }
}

/** Recent upstream errors in the error log, counted per inventory service. */
function recentErrors(obs: NginxObservation, inv: Inventory): Judgement {
  if (obs.errorLogUnread) return {status: 'pass', summary: `${obs.errorLogUnread}: no error lines read`}
  const upstream = obs.errors.filter((e) => e.peer)
  if (!upstream.length) return {status: 'pass', summary: `no upstream errors in the last ${obs.errors.length} error-log entries`}
  const named = (e: (typeof upstream)[number]) => inv.services.find((s) => s.address === e.peer!.address && s.port === e.peer!.port)?.name ?? `${e.peer!.address}:${e.peer!.port}`
  const counts = new Map<string, number>()
  for (const e of upstream) counts.set(`${named(e)} ${e.kind}`, (counts.get(`${named(e)} ${e.kind}`) ?? 0) + 1)
  return {
    status: 'pass',
    summary: `upstream errors in the log: ${[...counts].map(([k, n]) => `${k} ×${n}`).join(', ')}`,
    evidence: upstream.slice(-5).map((e) => `${e.time} [${e.level}] ${named(e)}: ${e.message}`),
  }
}
