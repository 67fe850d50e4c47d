import {guestLabel} from '../../io/guests/guests.js'
import type {Judgement, Seen} from '../../model/check-spec.js'
import type {ServiceDef} from '../../model/inventory.js'
import {apiAnswers, listed, parseJson, sameModel} from '../expectations/api.js'
import {twoHundredWithout} from '../expectations/http.js'
import type {KindCheck, PlanContext, ServiceKindModule} from './kind.js'
import {unitOr} from '../hint-context.js'
import {nginxShow, word} from '../hint-words.js'
import {insideUrl} from './kind.js'

/**
 * Ollama, checked as the CT 955 plan verifies it (section 6): unit active, `ollama` on a login
 * shell's PATH, listening on 0.0.0.0:11434, /api/tags inside the CT, and the same models through
 * the gateway's /ollama/api/tags.
 */
export const ollamaKind: ServiceKindModule = {
  defaultHealth: '/',
  api: true,
  example: {name: 'ollama', kind: 'ollama', guest: {kind: 'ct', id: 955}, address: '10.0.0.155', port: 11434, runtime: {systemd: 'ollama'}, route: {path: '/ollama/'}, model: 'llama3.2:latest'},
  exampleFor: ['model_missing', 'bound_to_loopback', 'host_header_rejected', 'cli_missing'],
  hints: {
    model_missing: (c) => [{text: `Pull ${c.s.model ?? 'the model'} into ${c.guest.label}`, command: `${c.ct} ollama pull ${word(c.s.model ?? 'MODEL')}`}, {text: 'Then list what is there', command: `${c.ct} ollama list`}],
    bound_to_loopback: (c) => [{text: 'Ollama binds 127.0.0.1 by default: add Environment="OLLAMA_HOST=0.0.0.0:11434" to the unit, then restart', command: `${c.ct} systemctl edit ${word(unitOr(c, 'ollama'))}`}, {text: 'Restart', command: c.start}],
    client_forbidden: (c, inv) => [{text: 'Ollama bound to loopback rejects foreign Host headers: set proxy_set_header Host localhost:11434 in the route', command: nginxShow(inv, `location ${c.s.route?.path ?? '/ollama/'}`)}],
  },
  verifyHealth: twoHundredWithout('Ollama is running', 'answered 200 but not "Ollama is running": is this Ollama?', 'api_unexpected'),
  client: () => ({subpath: 'api/tags', accept: throughGateway}),
  // Without model: in the inventory there is nothing to ask for a token (Ollama has no default model).
  extraChecks: (s, c) => [cliCheck(), modelsCheck(s, c), ...(s.model ? [inferenceCheck(s, c, s.model)] : [])],
}

/** Bound to loopback, Ollama answers a foreign Host header with an empty 403 (allowedHostsMiddleware). */
function throughGateway(status: number, body: string, seen: Seen): Judgement | undefined {
  if (status === 403 && body.trim() === '') {
    return {status: 'fail', summary: 'the route answers 403 with an empty body: Ollama\'s Host-header guard rejects the Host nginx forwards', finding: 'host_header_rejected'}
  }
  if (status !== 200) return undefined
  const via = tagNames(body)
  if (via === undefined) return {status: 'fail', summary: 'the route answers 200 but not an Ollama model list: it leads somewhere else', finding: 'route_wrong_target'}
  const inside = seen.get('service.models')
  const direct = inside?.kind === 'http' && inside.status === 200 ? tagNames(inside.body ?? '') : undefined
  if (direct && direct.join() !== via.join()) {
    return {status: 'fail', summary: `the route lists ${listed(via)}, the CT itself lists ${listed(direct)}: it leads to another Ollama`, finding: 'route_wrong_target'}
  }
  return undefined
}

/** `ollama` on the PATH of a login shell (the plan's "log out and back in, then which ollama"). */
function cliCheck(): KindCheck {
  return {
    layer: 'service',
    id: 'service.cli',
    probe: {kind: 'command', command: 'ollama'},
    judge: (obs) => {
      if (obs.kind !== 'command') return {status: 'unknown', summary: `unexpected observation ${obs.kind}`}
      if (obs.path) return {status: 'pass', summary: `ollama is on a login shell's PATH (${obs.path})`}
      return {status: 'warn', summary: `ollama is not on a login shell's PATH (${obs.searchPath ?? '?'})`, finding: 'cli_missing'}
    },
  }
}

/** /api/tags inside the CT lists the model the inventory expects. */
function modelsCheck(s: ServiceDef, c: PlanContext): KindCheck {
  const what = `GET /api/tags inside ${guestLabel(s)}`
  return {
    layer: 'service',
    id: 'service.models',
    needs: ['service.http'],
    probe: {kind: 'http', url: insideUrl(s, '/api/tags')},
    judge: apiAnswers(what, c.inventory.thresholds.slowMs, (body) => {
      const models = tagNames(body)
      if (!models) return {status: 'fail', summary: `${what}: not an Ollama model list`, finding: 'api_unexpected'}
      if (s.model && !models.some((m) => sameModel(m, s.model!))) {
        return {status: 'fail', summary: `model ${s.model} is not pulled; ${guestLabel(s)} has: ${listed(models)}`, finding: 'model_missing', evidence: [`pulled models: ${listed(models)}`]}
      }
      return {status: 'pass', summary: `models: ${listed(models)}`}
    }),
  }
}

/** One token from the expected model (loads it if needed): costs GPU time, so --deep. */
function inferenceCheck(s: ServiceDef, c: PlanContext, model: string): KindCheck {
  const what = `POST /api/generate inside ${guestLabel(s)}`
  return {
    layer: 'service',
    id: 'service.inference',
    deep: true,
    needs: ['service.models'],
    probe: {kind: 'http', method: 'POST', url: insideUrl(s, '/api/generate'), headers: {'content-type': 'application/json'}, body: JSON.stringify({model, prompt: 'ping', stream: false, options: {num_predict: 1}})},
    judge: apiAnswers(what, c.inventory.thresholds.slowMs, (body, _seen, obs) => {
      const json = parseJson(body) as {done?: unknown} | undefined
      return json?.done === true ? {status: 'pass', summary: `one token from ${model} in ${obs.latencyMs} ms`} : {status: 'fail', summary: `${what}: no finished answer`, finding: 'inference_failed'}
    }, (status, line) => (status === 404 || status === 400 ? {status: 'fail', summary: `${what} answered ${status}`, finding: 'inference_failed', evidence: [line]} : undefined)),
  }
}

/** Model names of an /api/tags body, sorted; undefined when it is not one. */
function tagNames(body: string): string[] | undefined {
  const json = parseJson(body) as {models?: {name?: unknown}[] | null} | undefined
  if (!json || !('models' in json)) return undefined
  return (json.models ?? []).map((m) => String(m.name)).sort()
}
