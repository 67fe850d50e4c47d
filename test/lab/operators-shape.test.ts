import {existsSync} from 'node:fs'

import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import type {Report, Verdict} from '../../src/model/report.js'
import {down, phoenix, up} from './lab.js'
import type {Mode} from './lab.js'
import {labNamespaces} from './namespaces.js'
import {NGINX_CONF} from './nginx-config.js'
import {PROXY_ADDRESS, SHAPE_FAULTS} from './operators-estate.js'
import type {ShapeExpect} from './operators-estate.js'
import {DYNAMIC_FILE_IN_CT} from './traefik.js'
import {addressOf, OPERATORS_SERVICES, STATE} from './topology.js'

/**
 * The lab in the operators' shape (issue 13's "done when"): nginx terminates TLS and sends every
 * name to Traefik, Traefik routes each name to its service, dnsmasq names every service, the
 * gateway's 24-hour certificate comes from the lab's CA, and each service's CT admits only Traefik.
 * `check --all` is green in both modes; each fault along that path gets its layer and cause in both
 * modes; and no hint phoenix prints on that estate would break another route: nginx's one
 * `location /` serves every name, so a hint that repoints it (or an upstream) at one service's address
 * would take every other route off Traefik.
 */

const MODES: readonly Mode[] = ['local', 'ssh']
const RUN_FLAGS = ['--timeout', '5s', '--deadline', '30s']
const NAMES = OPERATORS_SERVICES.map((s) => s.name)
const ADDRESSES = OPERATORS_SERVICES.map(addressOf)

async function check(mode: Mode, targets: readonly string[]): Promise<{code: number; report: Report}> {
  const r = await phoenix(['check', ...targets, '--json', ...RUN_FLAGS], {mode})
  try {
    return {code: r.code, report: JSON.parse(r.stdout) as Report}
  } catch {
    throw new Error(`phoenix (${mode}) exited ${r.code} without a JSON report:\n${r.stderr.slice(0, 3000)}\n${r.stdout.slice(0, 3000)}`)
  }
}

/** Both modes at once: the checks only read, and the lab's two vantages are independent. */
const inBothModes = (targets: readonly string[]) => Promise.all(MODES.map(async (mode) => ({mode, ...(await check(mode, targets))})))

/** Every verdict the test saw, for the property over all of them. */
const seen: {where: string; verdict: Verdict}[] = []

function verdictOf(report: Report, name: string): Verdict {
  const s = report.services.find((x) => x.name === name)
  if (!s) throw new Error(`no ${name} in the report`)
  return s.verdict
}

function expectVerdict(where: string, v: Verdict, e: ShapeExpect): void {
  expect({layer: v.layer, cause: v.cause}, `${where}: ${JSON.stringify(v.evidence, null, 1)}`).toEqual({layer: e.layer, cause: e.cause})
  if (e.evidence) expect(v.evidence.join('\n'), `${where}: the evidence`).toMatch(e.evidence)
  if (e.hint) expect(v.hints.map((h) => h.text).join('\n'), `${where}: the hints`).toMatch(e.hint)
}

/** Words that make a hint about nginx's routing (nginx, its config file, an upstream, proxy_pass). */
const NGINX_ROUTING = new RegExp(`${NGINX_CONF.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}|\\bnginx\\b|\\bupstream\\b|proxy_pass`)
const TRAEFIK_CAUSES = new Set(['proxy_router_missing', 'proxy_rule_mismatch', 'proxy_service_url_wrong', 'proxy_backend_down', 'proxy_backend_tls'])

/**
 * No hint breaks another route: one about nginx's routing never names a service's own address (the
 * shared `location /` goes to Traefik), and where it says where nginx must send it, it names Traefik;
 * a Traefik verdict's hints name the router (or, when none exists, the file to add it to) and its file:line.
 */
function expectHintsKeepOtherRoutes(where: string, v: Verdict): void {
  for (const h of v.hints) {
    const said = `${h.text}\n${h.command ?? ''}`
    if (!NGINX_ROUTING.test(said)) continue
    for (const a of ADDRESSES) expect(said, `${where}: an nginx hint naming ${a}`).not.toMatch(new RegExp(`${a.replaceAll('.', '\\.')}(?!\\d)`))
    if (/\b(change|point|set|proxy_pass http)/i.test(h.text)) expect(said, `${where}: an nginx hint that moves the route`).toContain(PROXY_ADDRESS)
  }
  if (!TRAEFIK_CAUSES.has(v.cause)) return
  const texts = v.hints.map((h) => h.text).join('\n')
  expect(texts, `${where}: a Traefik hint naming the file`).toContain(DYNAMIC_FILE_IN_CT)
  if (v.cause !== 'proxy_router_missing') expect(texts, `${where}: a Traefik hint naming the router at its file:line`).toMatch(new RegExp(`router \\S+.*${DYNAMIC_FILE_IN_CT.replaceAll('.', '\\.')}:\\d+|${DYNAMIC_FILE_IN_CT.replaceAll('.', '\\.')}:\\d+.*router \\S+`))
}

describe("the lab in the operators' shape", () => {
  beforeAll(async () => {
    await up({shape: 'operators'})
  }, 600_000)

  afterAll(async () => {
    await down()
    expect(await labNamespaces()).toEqual([])
    expect(existsSync(STATE)).toBe(false)
  }, 60_000)

  it('check --all is green in both modes', async () => {
    for (const {mode, code, report} of await inBothModes(['--all'])) {
      expect(report.services.map((s) => [s.name, s.status, s.verdict.cause]), mode).toEqual([...NAMES, 'gateway'].map((n) => [n, 'pass', 'healthy']))
      expect(code, mode).toBe(0)
    }
  })

  describe.each(SHAPE_FAULTS.map((f) => [f.name, f] as const))('%s', (_name, f) => {
    const targets = Object.keys(f.expect)

    it(`${f.does}: ${Object.entries(f.expect).map(([t, e]) => `${t} ${e.layer}/${e.cause}`).join(', ')}, in both modes, and heals`, async () => {
      await f.inject()
      try {
        for (const {mode, code, report} of await inBothModes(targets)) {
          for (const t of targets) {
            const v = verdictOf(report, t)
            seen.push({where: `${f.name} ${t} (${mode})`, verdict: v})
            expectVerdict(`${f.name}: ${t} (${mode})`, v, f.expect[t]!)
          }
          expect(code, mode).toBe(2)
        }
      } finally {
        await f.heal()
      }
    })
  })

  it('no hint phoenix printed on this estate would break another route', () => {
    expect(seen.length).toBeGreaterThanOrEqual(SHAPE_FAULTS.length * MODES.length)
    for (const {where, verdict} of seen) expectHintsKeepOtherRoutes(where, verdict)
  })

  it('healed: check --all is green again in both modes', async () => {
    for (const {mode, code, report} of await inBothModes(['--all'])) {
      expect(report.services.map((s) => [s.name, s.status, s.verdict.cause]), mode).toEqual([...NAMES, 'gateway'].map((n) => [n, 'pass', 'healthy']))
      expect(code, mode).toBe(0)
    }
  })
})
