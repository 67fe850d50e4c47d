import {describe, expect, it} from 'vitest'

import type {CauseCode} from '../../src/model/findings.js'
import type {ServiceReport} from '../../src/model/report.js'
import {findRootCauses} from '../../src/verdict/root-causes.js'
import type {Layer, Status} from '../../src/model/status.js'

const GATEWAY = 953

/** A service whose verdict is this, with the one check that says why. */
function svc(name: string, ctid: number, layer: Layer | null, cause: CauseCode, status: Status = 'fail', gate?: {id: string; summary: string}): ServiceReport {
  const checks = gate ? [{id: gate.id, status: 'unknown' as Status, summary: gate.summary, durationMs: 1}] : []
  return {name, kind: name === 'gateway' ? 'nginx' : 'http', ctid, status, layers: [{layer: layer ?? 'service', status, checks}],
    verdict: {layer, cause, summary: `${name}: ${cause}`, hints: [{text: `fix ${name}`, command: `fix ${name}`}], evidence: []}}
}

describe('findRootCauses: one fault behind several verdicts, said once', () => {
  it('the gateway CT stopped explains every route and the gateway target, with the gateway\'s own fix', () => {
    const services = [svc('n8n', 954, 'gateway', 'gateway_ct_stopped'), svc('ollama', 955, 'gateway', 'gateway_ct_stopped'), svc('qdrant', 952, null, 'healthy', 'pass'), svc('gateway', GATEWAY, 'service', 'container_stopped')]
    expect(findRootCauses(services, {kind: 'ct', id: GATEWAY})).toEqual([{
      cause: 'gateway_ct_stopped', layer: 'gateway', scope: 'gateway CT 953', summary: 'the gateway CT 953 is stopped: every route through it fails',
      services: ['n8n', 'ollama', 'gateway'], hints: [{text: 'fix gateway', command: 'fix gateway'}],
    }])
  })

  it('nginx down: the routes\' gateway_down and the gateway target\'s stopped unit are one fault', () => {
    const services = [svc('n8n', 954, 'client', 'gateway_down'), svc('ollama', 955, 'client', 'gateway_down'), svc('gateway', GATEWAY, 'service', 'service_down')]
    const [rc, ...rest] = findRootCauses(services, {kind: 'ct', id: GATEWAY})
    expect(rest).toEqual([])
    expect(rc).toMatchObject({cause: 'gateway_down', layer: 'client', services: ['n8n', 'ollama', 'gateway'], hints: [{command: 'fix gateway'}]})
    expect(rc!.summary).toMatch(/^Nothing answers on the gateway's address.* \(gateway: service\/service_down\)$/)
  })

  it('a vantage phoenix could not reach (pct missing, SSH down) is one blind spot for every CT behind it', () => {
    const gate = (ctid: number) => ({id: 'service.ct', summary: `CT ${ctid}: pct is not installed here (not on PATH)`})
    const services = [svc('n8n', 954, null, 'vantage_unreachable', 'unknown', gate(954)), svc('ollama', 955, null, 'vantage_unreachable', 'unknown', gate(955))]
    expect(findRootCauses(services, {kind: 'ct', id: GATEWAY})).toMatchObject([{cause: 'vantage_unreachable', layer: null, summary: 'phoenix could not get in: pct is not installed here (not on PATH)', services: ['n8n', 'ollama']}])
  })

  it('two services in one stopped CT are one fault; the same cause in two CTs is two faults, and not a root cause', () => {
    const shared = findRootCauses([svc('vllm-chat', 950, 'service', 'container_stopped'), svc('vllm-embed', 950, 'service', 'container_stopped')], {kind: 'ct', id: GATEWAY})
    expect(shared).toMatchObject([{cause: 'container_stopped', scope: 'CT 950', services: ['vllm-chat', 'vllm-embed']}])
    expect(findRootCauses([svc('n8n', 954, 'service', 'service_down'), svc('ollama', 955, 'service', 'service_down')], {kind: 'ct', id: GATEWAY})).toEqual([])
  })

  it('routes nginx sends to one backend it cannot use (a shared upstream, a location / to a proxy) are one fault, named by that backend', () => {
    const behind = (name: string, ctid: number, cause: CauseCode, via: string) => {
      const s = svc(name, ctid, 'client', cause)
      return {...s, verdict: {...s.verdict, via}}
    }
    const services = [
      behind('n8n', 954, 'upstream_error', '10.0.0.102:80'),
      behind('ollama', 955, 'upstream_error', '10.0.0.102:80'),
      behind('qdrant', 952, 'upstream_mismatch', '10.0.0.102:80'),
      behind('webui', 956, 'upstream_error', '10.0.0.156:8080'),
    ]
    expect(findRootCauses(services, {kind: 'ct', id: GATEWAY})).toEqual([{
      cause: 'upstream_error', layer: 'client', scope: 'nginx → 10.0.0.102:80',
      summary: 'nginx cannot use 10.0.0.102:80 for any route it sends there: nginx could not use its upstream (502/504); the inner layers were not checked, so where is open',
      services: ['n8n', 'ollama', 'qdrant'], hints: [{text: 'fix n8n', command: 'fix n8n'}],
    }])
    // Without the backend (a verdict from before the route was read), the same causes stay each service's own.
    expect(findRootCauses(services.map((s) => ({...s, verdict: {...s.verdict, via: undefined}})), {kind: 'ct', id: GATEWAY})).toEqual([])
  })

  it('one service, or a healthy estate, has no root cause beyond its verdict', () => {
    expect(findRootCauses([svc('n8n', 954, 'gateway', 'gateway_ct_stopped')], {kind: 'ct', id: GATEWAY})).toEqual([])
    expect(findRootCauses([svc('n8n', 954, null, 'healthy', 'pass'), svc('ollama', 955, null, 'healthy', 'pass')], {kind: 'ct', id: GATEWAY})).toEqual([])
  })

  it('one resolver that does not answer (the host\'s dnsmasq down) is one fault for every name through it; NXDOMAIN for two names is two', () => {
    const named = (name: string, ctid: number, failure: 'no_answer' | 'nxdomain') => {
      const s = svc(name, ctid, 'host', 'dns_unresolved')
      s.layers[0]!.checks.push({id: 'host.dns', status: 'fail', summary: 'x', durationMs: 1, observed: {kind: 'dns', name: `${name}.internal.test`, addresses: [], resolvers: ['198.18.0.1'], failure}})
      return s
    }
    expect(findRootCauses([named('qdrant', 952, 'no_answer'), named('llamacpp', 957, 'no_answer')], {kind: 'ct', id: GATEWAY})).toMatchObject([{
      cause: 'dns_unresolved', layer: 'host', scope: 'resolver 198.18.0.1', summary: 'the resolver 198.18.0.1 does not answer: no name asked of it resolves', services: ['qdrant', 'llamacpp'],
    }])
    expect(findRootCauses([named('qdrant', 952, 'nxdomain'), named('llamacpp', 957, 'nxdomain')], {kind: 'ct', id: GATEWAY})).toEqual([])
  })
})
