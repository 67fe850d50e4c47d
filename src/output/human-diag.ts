import {guestOfIds, guestWords} from '../io/guests/guests.js'
import {placedLabel} from './cluster-lines.js'
import type {CheckResult, LayerResult, ServiceReport, Verdict} from '../model/report.js'
import {duration, makeStyle} from './style.js'
import type {Style} from './style.js'

const LAYER_TITLES: Record<LayerResult['layer'], string> = {
  service: 'service  inside the CT',
  host: 'host     Proxmox host → CT',
  proxy: 'proxy    proxy CT → CT',
  gateway: 'gateway  gateway CT → CT',
  client: 'client   through the gateway',
}

/** `phoenix diag`: the walk, layer by layer inside out, then the verdict, evidence and hints. */
export function formatDiag(service: ServiceReport, colour: boolean): string {
  const st = makeStyle(colour)
  const lines = [st.c.bold(`${service.name} (${service.kind}, ${placedLabel(guestWords(guestOfIds(service)).label, service)}${service.movedFrom ? `, moved from ${service.movedFrom}` : ''})`), '']
  for (const layer of service.layers) {
    // Behind a proxy, nginx's hop is to the proxy, not to the service's CT.
    const title = layer.layer === 'gateway' && service.layers.some((l) => l.layer === 'proxy') ? 'gateway  gateway CT → proxy' : LAYER_TITLES[layer.layer]
    lines.push(`${st.icon(layer.status)} ${st.c.bold(title)}  ${st.status(layer.status)}`)
    for (const check of layer.checks) lines.push(checkLine(check, st))
  }
  lines.push('', ...verdictLines(service.verdict, service.status, st))
  return lines.join('\n')
}

function checkLine(check: CheckResult, st: Style): string {
  const time = check.status === 'skip' ? '' : st.c.gray(` (${duration(check.durationMs)})`)
  return `    ${st.icon(check.status)} ${check.id.padEnd(18)} ${check.summary}${time}`
}

function verdictLines(v: Verdict, status: ServiceReport['status'], st: Style): string[] {
  if (v.layer === null && v.cause === 'healthy') return [st.c.green.bold(`verdict: healthy`), `  ${v.summary}`]
  const lines = [`${st.icon(status)} ${st.c.bold(`verdict: ${v.layer ?? 'unknown'} / ${v.cause}`)}`, `  ${v.summary}`]
  if (v.evidence.length) lines.push('', st.c.bold('evidence'), ...v.evidence.map((e) => `  ${st.c.gray(e)}`))
  if (v.hints.length) {
    lines.push('', st.c.bold('next'))
    for (const h of v.hints) {
      lines.push(`  • ${h.text}`)
      if (h.command) lines.push(`    ${st.c.cyan(`$ ${h.command}`)}`)
    }
  }
  return lines
}
