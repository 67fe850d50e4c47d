import {describe, expect, it} from 'vitest'

import {parseNginx} from '../../src/checks/probes/nginx.js'
import type {NginxObservation} from '../../src/model/probes.js'
import {kindModule} from '../../src/checks/services/registry.js'
import {judgeRoute, nginxProbe, routeRequest} from '../../src/checks/services/route-check.js'
import {isCause} from '../../src/verdict/causes.js'
import {hintsFor} from '../../src/verdict/hints.js'
import {matchRoute, passFor} from '../../src/gateway/route-table.js'
import {parseInventory} from '../../src/inventory/load.js'
import type {ServiceDef} from '../../src/model/inventory.js'
import {FAULTS} from '../lab/faults.js'
import {inventoryYaml} from '../lab/inventory.js'
import {NAMED} from '../lab/names.js'
import {NGINX_CONF, nginxConf} from '../lab/nginx-config.js'
import type {GatewayVariation, RouteVariation, RouteVariations} from '../lab/nginx-config.js'
import {SERVICES} from '../lab/topology.js'

/**
 * No printed hint may propose a change that breaks another route phoenix knows of (issue 9, 4a/4b).
 * Pure: the lab's generated nginx.conf for each fault-matrix row (and for configs the operators
 * really have: one `location /` to Traefik, a catch-all that belongs to one service), read as the
 * gateway's nginx probe reads it, every inventory route judged; every "In FILE:LINE change …" a hint
 * proposes must name a line no other inventory route uses (its location, proxy_pass, upstream server).
 */

const inv = parseInventory(inventoryYaml('local'), 'lab.yaml')
const context = {inventory: inv, deep: false, apiKeys: new Map<string, string>()}
const subpath = (s: ServiceDef) => kindModule(s.kind).client(s, context).subpath

function observe(conf: string): NginxObservation {
  const ok = `nginx: the configuration file ${NGINX_CONF} syntax is ok`
  const lines = [ok, '@@rc 0', '@@dump', `# configuration file ${NGINX_CONF}:`, ...conf.split('\n'), '@@log']
  return parseNginx(lines, nginxProbe(inv)) as NginxObservation
}

/** file:line of everything another service's route goes through. */
function linesOf(obs: NginxObservation, o: ServiceDef): string[] {
  const request = routeRequest(o, inv, subpath(o))
  const r = matchRoute(obs.routes, request)
  if (!r) return []
  // A variable proxy_pass: the map entry (or set) this route gets is a line it uses too.
  const pass = passFor(r, request)
  const origins = [r.location, ...(pass ? [pass, ...pass.servers, ...(pass.chosen ? [pass.chosen] : [])] : [])]
  return origins.map((x) => `${x.file}:${x.line}`)
}

/** Every hint the route check and its cause would print for each service, with the lines others use. */
function judgeAll(conf: string) {
  const obs = observe(conf)
  return inv.services.filter((s) => s.route).map((s) => {
    const j = judgeRoute(s, inv, obs, subpath(s), new Map())
    const hints = [...(j.hints ?? []), ...(j.finding && isCause(j.finding) ? hintsFor(j.finding, s, inv) : [])]
    const edits = hints.flatMap((h) => [...h.text.matchAll(/\bIn (\S+:\d+) change\b/g)].map((m) => m[1]!))
    const others = new Set(inv.services.filter((o) => o !== s && o.route).flatMap((o) => linesOf(obs, o)))
    return {name: s.name, finding: j.finding, status: j.status, hints: hints.map((h) => h.text), edits, breaks: edits.filter((e) => others.has(e))}
  })
}

/** The nginx variation each route-fault row of the matrix injects, per service it applies to. */
const ROW_VARIATIONS: Readonly<Record<string, (name: string) => RouteVariation>> = {
  'route-missing': () => ({omit: true}),
  'upstream-wrong-port': (n) => ({upstreamPort: SERVICES.find((s) => s.name === n)!.port + 1}),
  'upstream-wrong-address': () => ({upstreamAddress: '198.18.0.199'}),
  'rewrite-wrong': () => ({keepPrefix: true}),
  'websocket-headers-missing': () => ({noWebsocket: true}),
  'ollama-host-header': () => ({publicHost: true}),
  'route-wrong-upstream': () => ({proxyTo: 'vllm-embed'}),
  'route-via-map': () => ({viaMap: true}),
  'map-wrong-upstream': () => ({viaMap: true, proxyTo: 'vllm-embed'}),
  'gateway-blanks-key': () => ({blankKey: true}),
}

/** The gateway-wide rows (a typo is refused by nginx -t, so the judge skips: nothing to print). */
const GATEWAY_ROWS: Readonly<Record<string, GatewayVariation>> = {
  'https-redirect': {httpsRedirect: true},
  'server-tokens-on': {serverTokensOn: true},
}

/**
 * One `location /` for everything in the default server: to Traefik (the operators' v3 generator),
 * or to n8n's upstream. The lab's named services (names.ts) have servers of their own, which it does not serve.
 */
function catchAll(target: string): string {
  return nginxConf(Object.fromEntries(SERVICES.map((s) => [s.name, {omit: true}])))
    .replace(/(server_name [^;]+;\n)/, `$1        location / { proxy_pass ${target}; }\n`)
}
const byPath = (j: {name: string}) => !NAMED.includes(j.name)

describe('printed hints never break another route', () => {
  const rows = FAULTS.map((f) => {
    const v = ROW_VARIATIONS[f.name]
    const variations: RouteVariations = v ? Object.fromEntries(f.appliesTo.map((n) => [n, v(n)])) : {}
    return [f.name, variations, GATEWAY_ROWS[f.name] ?? {}] as const
  })

  it.each(rows)('fault-matrix row %s', (_name, variations, gateway) => {
    for (const j of judgeAll(nginxConf(variations, gateway))) expect(j.breaks, `${j.name}: ${j.hints.join(' | ')}`).toEqual([])
  })

  it('the http server redirecting to https: gateway_https_redirect for every route, no location to add', () => {
    for (const j of judgeAll(nginxConf({}, {httpsRedirect: true}))) {
      expect(j).toMatchObject({finding: 'gateway_https_redirect', status: 'warn', edits: []})
      expect(j.hints.join('\n')).not.toMatch(/Add .*location|WebSocket|Upgrade/)
    }
  })

  it('a location sent to another service\'s upstream: route_wrong_upstream, fixed on its proxy_pass, never on the shared server line', () => {
    const chat = judgeAll(nginxConf({'vllm-chat': {proxyTo: 'vllm-embed'}})).find((j) => j.name === 'vllm-chat')!
    expect(chat).toMatchObject({finding: 'route_wrong_upstream', status: 'warn', breaks: []})
    expect(chat.hints[0]).toMatch(/^In \S+nginx\.conf:\d+ change proxy_pass http:\/\/embedding_service to proxy_pass http:\/\/qwen_service; \(vllm-embed keeps its own upstream embedding_service\)/)
  })

  it('routes through map $uri $lab_backend (proxy_pass http://$lab_backend): green; an entry sending chat to the embeddings upstream is fixed on that entry', () => {
    expect(judgeAll(nginxConf({'vllm-chat': {viaMap: true}, 'vllm-embed': {viaMap: true}})).map((j) => j.status)).toEqual(inv.services.filter((s) => s.route).map(() => 'pass'))
    const conf = nginxConf({'vllm-chat': {viaMap: true, proxyTo: 'vllm-embed'}, 'vllm-embed': {viaMap: true}})
    const chat = judgeAll(conf).find((j) => j.name === 'vllm-chat')!
    const entry = conf.split('\n').findIndex((l) => l.includes('~^/v1/chat/completions embedding_service')) + 1
    expect(chat).toMatchObject({finding: 'route_wrong_upstream', status: 'warn', breaks: [], edits: [`${NGINX_CONF}:${entry}`]})
    expect(chat.hints[0]).toMatch(`change embedding_service to qwen_service (map $uri $lab_backend entry ~^/v1/chat/completions: only vllm-chat's requests get it)`)
  })

  it('every service to a wrong neighbour at once: each fix is its own proxy_pass', () => {
    const names = SERVICES.map((s) => s.name)
    const variations = Object.fromEntries(names.map((n, i) => [n, {proxyTo: names[(i + 1) % names.length]!}]))
    for (const j of judgeAll(nginxConf(variations))) {
      expect(j.breaks, `${j.name}: ${j.hints.join(' | ')}`).toEqual([])
      expect(j.finding).toBe('route_wrong_upstream')
    }
  })

  it('one location / to an intermediate proxy (Traefik): one shared note per service, no "change X to Y"', () => {
    const all = judgeAll(catchAll('http://198.18.0.12:80')).filter(byPath)
    for (const j of all) {
      expect(j.edits, j.name).toEqual([])
      expect(j.status, j.name).toBe('pass')
      expect(j.hints.join('\n')).toMatch(/location \/ \(\S+:\d+\) forwards every route here \(.*\) to 198\.18\.0\.12:80: \S+'s route is decided there/)
    }
  })

  it('a catch-all location that is n8n\'s own: the others need a location of their own; n8n\'s is left alone', () => {
    const all = judgeAll(catchAll('http://n8n_service')).filter(byPath)
    for (const j of all.filter((x) => x.name !== 'n8n')) {
      expect(j.breaks, j.name).toEqual([])
      expect(j.hints.join('\n')).toMatch(/a location of its own .* location \/ \(\S+:\d+\) is n8n's: leave it as it is/)
    }
  })
})
