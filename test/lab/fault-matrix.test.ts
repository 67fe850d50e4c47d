import {existsSync} from 'node:fs'
import {readFile} from 'node:fs/promises'

import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import type {AuditReport} from '../../src/run/gateway-audit.js'
import type {RoutesReport} from '../../src/run/gateway-routes.js'
import type {Report, ServiceReport} from '../../src/model/report.js'
import type {Status} from '../../src/model/status.js'
import {batchRows, exitCodeOf, rowStatuses, statusOf} from './fault-batches.js'
import {FAULTS} from './faults.js'
import type {Expected, Fault} from './faults.js'
import {down, fault, heal, phoenix, phoenixInTerminal, up} from './lab.js'
import type {Mode} from './lab.js'
import {labNamespaces} from './namespaces.js'
import {run} from './proc.js'
import {unitLogLines} from './services.js'
import {REAL_N8N_SKIPS} from './real-n8n.js'
import {PROXIED_SERVICES, SERVICES, STATE, VM_SERVICES} from './topology.js'
import {GATEWAY_KEY} from './tls.js'

/**
 * The fault matrix: every fault of the table on every service it applies to, diagnosed by the
 * built phoenix from the Proxmox host (local) and from an admin machine over SSH, on the real-CT
 * lab: the services' CTs boot real systemd, the docker-kind ones run real dockerd (the gateway's is a shim). A fault
 * is injected on all its services at once, with up to two other rows on other services where
 * nothing ties them (fault-batches.ts), then one `check` per mode (of every service, and of the
 * gateway where a row says its verdict): each affected target's verdict must be its row's, with the
 * evidence and hints it names, every other service healthy; then healed, everything healthy again.
 */

const MODES: readonly Mode[] = ['local', 'ssh']
// 5 s: above the slow fault's delay (topology.ts SLOW_FAULT_MS) with margin, short enough for hang.
// slowMs 2 s and a 30 s deadline: a healthy answer on a loaded 2-core CI machine (8 real CTs, three
// of them running dockerd, and a VM) took over 1 s, and a row then read `slow` instead of healthy.
const RUN_FLAGS = ['--timeout', '5s', '--deadline', '30s']
/** The real-CT lab unless PHOENIX_LAB_REAL=0 (then the rows that need real systemd, and the VMs, are left out). */
const REAL = process.env.PHOENIX_LAB_REAL !== '0'
/** The services checked: the CTs', and on the real-CT lab VM 1002's (qdrant-vm, through its guest agent). */
const NAMES = (REAL ? [...SERVICES, ...VM_SERVICES, ...PROXIED_SERVICES] : SERVICES).map((s) => s.name)
const IN_VM = new Set(VM_SERVICES.map((s) => s.name))
/**
 * PHOENIX_LAB_REAL_N8N=1: CT 954 runs the real n8n (real-n8n.ts), and only n8n's rows run, each
 * injected on n8n alone (the others' services stay healthy and are checked so); the rows whose
 * fault the real n8n has no way to show are left out (REAL_N8N_SKIPS says why).
 */
const REAL_N8N = process.env.PHOENIX_LAB_REAL_N8N === '1'
const rowsOf = (all: readonly Fault[]) => REAL_N8N ? all.filter((f) => (f.shared || f.appliesTo.includes('n8n')) && !REAL_N8N_SKIPS[f.name]) : all
/** Fault injection and healing: the real n8n takes tens of seconds per start (a crash: four). */
const INJECT_MS = REAL_N8N ? 600_000 : 120_000

/** The gateway of the healthy lab is healthy: its hardening (what seed 002 lacks) is `audit`'s, not `check`'s. */
const GATEWAY_BASELINE: Expected = {layer: null, cause: 'healthy', status: 'pass'}

/**
 * `check` of the seven services by name: `--all` adds the gateway itself (`phoenix diag gateway`),
 * whose own verdict is asserted on its own (its hardening warnings are the operators' plan's), or
 * added by name where a row says what it must be.
 */
async function check(mode: Mode, names: readonly string[] = NAMES, args: readonly string[] = []): Promise<{code: number; report: Report; said: string}> {
  const r = await phoenix(['check', ...names, '--json', ...RUN_FLAGS, ...args], {mode})
  try {
    return {code: r.code, report: JSON.parse(r.stdout) as Report, said: r.stdout + r.stderr}
  } catch {
    throw new Error(`phoenix (${mode}) exited ${r.code} without a JSON report:\n${r.stderr.slice(0, 3000)}\n${r.stdout.slice(0, 3000)}`)
  }
}

/** `phoenix audit --json`: its exit code and its findings as `id: summary (file:line)` lines. */
async function audit(mode: Mode): Promise<{code: number; lines: string}> {
  const r = await phoenix(['audit', '--json'], {mode})
  const report = JSON.parse(r.stdout) as AuditReport
  return {code: r.code, lines: report.findings.map((f) => `${f.id}: ${f.summary}${f.file ? ` (${f.file}${f.line === undefined ? '' : `:${f.line}`})` : ''}`).join('\n')}
}

function byName(report: Report, name: string): ServiceReport {
  const found = report.services.find((s) => s.name === name)
  if (!found) throw new Error(`no ${name} in the report`)
  return found
}

/** The service's verdict, with the evidence in the message when it is not the expected one. */
function verdictOf(report: Report, name: string) {
  const s = byName(report, name)
  return {name, status: s.status, layer: s.verdict.layer, cause: s.verdict.cause}
}

/** The last lines the service itself logged (not systemd's, nor the lab supervisor's systemd-like lines). */
async function ownLogLines(name: string): Promise<string[]> {
  const s = SERVICES.find((x) => x.name === name)!
  const log = await unitLogLines(s, 40)
  return log.filter((l) => !l.startsWith(`${s.unit}.service`) && !/^(Started|Stopped|Starting|Stopping|Failed to start) /.test(l)).slice(-3)
}

function expectAllHealthy(report: Report, except: readonly string[] = []): void {
  const healthy = NAMES.filter((n) => !except.includes(n)).map((n) => verdictOf(report, n))
  expect(healthy).toEqual(healthy.map((v) => ({...v, status: 'pass', layer: null, cause: 'healthy'})))
}

/** Each target's verdict is the expected one, and its evidence and hints say what the row says they do. */
function expectVerdicts(report: Report, names: readonly string[], e: Expected): void {
  const got = names.map((n) => verdictOf(report, n))
  const evidence = JSON.stringify(names.map((n) => byName(report, n).verdict.evidence), null, 1)
  expect(got, evidence).toEqual(names.map((name) => ({name, status: statusOf(e), layer: e.layer, cause: e.cause})))
  for (const n of names) {
    const v = byName(report, n).verdict
    if (e.evidence) expect(v.evidence.join('\n'), `${n}: the evidence`).toMatch(e.evidence)
    if (e.hint) expect(v.hints.map((h) => h.text).join('\n'), `${n}: the hints`).toMatch(e.hint)
    if (e.command) expect(v.hints.map((h) => h.command ?? '').join('\n'), `${n}: the hints' commands`).toMatch(e.command)
  }
}

/** A check of a service as `status: summary`. */
function checkLine(report: Report, name: string, id: string): string {
  const c = byName(report, name).layers.flatMap((l) => l.checks).find((x) => x.id === id)
  return c ? `${c.status}: ${c.summary}` : `no ${id}`
}


/** Where a fault is injected: every service it applies to (that this lab has), or once for a gateway-wide fault. */
function targets(f: Fault): readonly string[] {
  if (REAL_N8N && !f.shared) return ['n8n']
  return f.shared ? f.appliesTo.slice(0, 1) : f.appliesTo.filter((n) => NAMES.includes(n))
}

/** The services whose verdict a row says: none for a gateway-only row, all for a shared one, else its targets. */
const affectedBy = (f: Fault): readonly string[] => f.gatewayOnly ? [] : f.shared ? NAMES : targets(f)

/**
 * The rows this lab runs, packed (fault-batches.ts): rows on disjoint services with the same exit
 * code share one injection, one check per mode and one heal check.
 */
const BATCHES = batchRows(rowsOf(FAULTS).filter((f) => REAL || !f.realOnly), targets,
  (f) => exitCodeOf(rowStatuses(f, affectedBy(f).some((n) => IN_VM.has(n)))))

/** Runs a row's assertions, its name in front of what fails when the batch has other rows. */
function asRow(batch: readonly Fault[], f: Fault, assert: () => void): void {
  try {
    assert()
  } catch (error) {
    if (batch.length > 1 && error instanceof Error) error.message = `row ${f.name}: ${error.message}`
    throw error
  }
}

describe('fault matrix against the namespace lab', () => {
  beforeAll(async () => {
    // The real-CT lab (real-ct.ts): vllm-chat, vllm-embed, ollama and llamacpp as real systemd
    // units, qdrant, n8n and open-webui as real docker containers, in LXC CTs; PHOENIX_LAB_REAL=0
    // runs the matrix on the shims only.
    await up({real: REAL, realN8n: REAL_N8N})
  }, REAL_N8N ? 2_400_000 : 1_200_000)

  afterAll(async () => {
    await down()
    expect(await labNamespaces()).toEqual([])
    expect(existsSync(STATE)).toBe(false)
  }, 60_000)

  it('guards the root namespace: 198.18.0.0/24 is unreachable there, never routed out', async () => {
    const {stdout} = await run(['ip', 'route', 'show', '198.18.0.0/24'])
    expect(stdout).toMatch(/^unreachable 198\.18\.0\.0\/24/m)
  })

  it.each(MODES)('the healthy lab passes at every layer (%s)', async (mode) => {
    const {code, report} = await check(mode)
    expectAllHealthy(report)
    expect(report.services.map((s) => s.name)).toEqual(NAMES)
    // Traefik's TLS router for web: its certificate, a real file read in CT 958, judged.
    if (REAL) expect(checkLine(report, 'web', 'proxy.certs')).toMatch(/^pass: \/etc\/traefik\/certs\/web\.crt \(\/etc\/traefik\/dynamic\/dynamic_conf\.yml:\d+\) covers web\.internal\.phoenix\.test; /)
    expect(code).toBe(0)
  })

  it.each(MODES)('gateway routes: nginx\'s loaded routes, each serving its inventory service (%s)', async (mode) => {
    const r = await phoenix(['gateway', 'routes', '--json'], {mode})
    const report = JSON.parse(r.stdout) as RoutesReport
    expect(report.test.ok).toBe(true)
    const served = report.routes.filter((x) => x.service).map((x) => [x.service, x.match?.status])
    expect(served.sort()).toEqual(NAMES.map((n) => [n, 'pass']).sort())
    expect(report.unrouted).toEqual([])
    expect(r.code).toBe(0)
  })

  it.each(MODES)('the gateway itself: healthy for check (exit 0), with the hardening the operators\' plan lacks for audit (exit 1) (%s)', async (mode) => {
    const {code, report, said} = await check(mode, ['gateway'])
    expectVerdicts(report, ['gateway'], GATEWAY_BASELINE)
    expect(code).toBe(0)
    // The gateway CT has no openssl: its TLS key was read and its public half derived by phoenix.
    // Not a byte of the key is in what phoenix said.
    const keyCheck = byName(report, 'gateway').layers.flatMap((l) => l.checks).find((c) => c.id === 'service.cert-key')
    expect(keyCheck?.observed).toMatchObject({kind: 'nginx', keys: [{file: GATEWAY_KEY, via: REAL ? 'derived' : expect.any(String)}]})
    const key = (await readFile(GATEWAY_KEY, 'utf8')).split('\n').filter((l) => l.length > 8 && !l.startsWith('-----'))
    expect(key.length).toBeGreaterThan(0)
    for (const line of key) expect(said).not.toContain(line)
    // Seed 002 lists the current gateway's weaknesses (no TLS on the API, no auth, no rate limit,
    // no security headers); the lab mirrors that config, so audit must report them. Its
    // server_tokens is off, so that one practice is not among them.
    const findings = await audit(mode)
    expect(findings.code).toBe(1)
    expect(findings.lines).not.toContain('server_tokens')
    expect(findings.lines).toMatch(/^auth_missing: /m)
  })

  it.each(MODES)('check --all on the healthy lab exits 0 on a terminal, and piped (%s)', async (mode) => {
    const tty = await phoenixInTerminal(['check', '--all', ...RUN_FLAGS], {mode, guardMs: 60_000})
    expect(tty.hung, tty.raw).toBe(false)
    expect(tty.screen.filter((l) => /^. \S+\s+service /.test(l)), tty.screen.join('\n')).toEqual([...NAMES, 'gateway'].map((n) => expect.stringMatching(new RegExp(`^✔ ${n}\\s+service ✔  host ✔  (proxy ✔  )?(gateway ✔  )?client ✔$`))))
    expect(tty.code).toBe(0)
    const piped = await phoenix(['check', '--all', ...RUN_FLAGS], {mode})
    expect(piped.stdout).toMatch(new RegExp(`^${NAMES.length + 1} services: ${NAMES.length + 1} ok `, 'm'))
    expect(piped.code).toBe(0)
  })

  describe.each(BATCHES.map((b) => [b.map((f) => f.name).join(' + '), b] as const))('%s', (_name, b) => {
    let injected = false
    const inject = () => b.flatMap((f) => targets(f).map((s) => fault(s, f.name)))
    const healAll = () => b.flatMap((f) => targets(f).map(heal))
    // A gateway-only row checks the gateway alone: nothing else can be affected; rows whose fault
    // reaches only their own services check those; any other batch checks every service.
    const gatewayOnly = b.some((f) => f.gatewayOnly)
    const ownOnly = b.every((f) => f.servicesOnly)
    const allTargets = NAMES.filter((n) => b.some((f) => targets(f).includes(n)))
    const names = gatewayOnly ? ['gateway'] : ownOnly ? allTargets : b.some((f) => f.gateway) ? [...NAMES, 'gateway'] : NAMES
    const args = b.find((f) => f.args)?.args
    const said = b.map((f) => `${b.length > 1 ? `${f.name} ` : ''}${f.expect.layer ?? 'no layer'}/${f.expect.cause}${f.gateway ? `; gateway ${f.gateway.layer}/${f.gateway.cause}` : ''}`).join(', ')

    beforeAll(async () => {
      injected = true
      await Promise.all(inject())
    }, INJECT_MS)

    afterAll(async () => {
      if (injected) await Promise.all(healAll())
    }, INJECT_MS)

    it.each(MODES)(`gives ${said} (%s)`, async (mode) => {
      const {code, report} = await check(mode, names, args)
      const affected = b.flatMap(affectedBy)
      for (const f of b) {
        const mine = affectedBy(f)
        const inVm = mine.filter((n) => IN_VM.has(n))
        asRow(b, f, () => {
          // A shared fault's verdict for the VMs' services, where the row says it differs.
          expectVerdicts(report, f.vm ? mine.filter((n) => !IN_VM.has(n)) : mine, f.expect)
          if (f.vm) expectVerdicts(report, inVm, f.vm)
          if (f.gateway) expectVerdicts(report, ['gateway'], f.gateway)
          for (const [id, line] of Object.entries(f.checks ?? {})) for (const n of mine) expect(checkLine(report, n, id), `${n}: ${id}`).toMatch(line)
        })
      }
      if (!gatewayOnly && !ownOnly) expectAllHealthy(report, affected)
      expect(code).toBe(exitCodeOf(b.flatMap((f) => rowStatuses(f, affectedBy(f).some((n) => IN_VM.has(n))))))
      for (const finding of b.flatMap((f) => f.audit ? [f.audit] : [])) expect((await audit(mode)).lines).toMatch(finding)
      for (const f of b.filter((x) => x.expect.cause === 'service_crashed' && !x.stillLogging)) {
        for (const s of affectedBy(f)) {
          const evidence = byName(report, s).verdict.evidence.join('\n')
          const lines = await ownLogLines(s)
          expect(lines, `${s}: its last log lines`).not.toEqual([])
          for (const line of lines) expect(evidence, `${s}: its last log lines in the evidence`).toContain(line.trim())
        }
      }
    })

    it('heals: every service healthy again', async () => {
      await Promise.all(healAll())
      injected = false
      const {code, report} = await check('local', names, args)
      if (ownOnly) expectVerdicts(report, allTargets, GATEWAY_BASELINE)
      else if (!gatewayOnly) expectAllHealthy(report)
      if (b.some((f) => f.gateway)) expectVerdicts(report, ['gateway'], GATEWAY_BASELINE)
      for (const finding of b.flatMap((f) => f.audit ? [f.audit] : [])) expect((await audit('local')).lines).not.toMatch(finding)
      expect(code).toBe(0)
    }, INJECT_MS)
  })
})
