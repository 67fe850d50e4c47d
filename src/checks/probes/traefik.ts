import {parseTraefikFiles, withApi} from '../../gateway/traefik-config.js'
import type {TraefikFile} from '../../gateway/traefik-config.js'
import {readCertSection} from '../../gateway/pem-read.js'
import {netErrorFromCurl} from '../../io/net-error.js'
import {mark, q, seconds} from '../../io/shell-words.js'
import type {Observation, TraefikProbe} from '../../model/probes.js'
import type {TraefikApi, TraefikObservation} from '../../model/traefik.js'
import {readKeys, readPems} from './nginx-certs.js'

/** Per file and per API answer: more is cut (a dynamic config of hundreds of routers fits). */
const CAP = 262_144
const MAX_FILES = 50
/** Certificates (and as many keys) read from tls.certificates. */
const MAX_CERTS = 20
const API_PATHS = ['ping', 'api/http/routers', 'api/http/services'] as const

/**
 * Inside the proxy's CT, in one go: every configuration file of the file provider's directory (or
 * its one file), each after a `@@file PATH` marker, then, where the API is enabled, /ping and the
 * routers and services Traefik loaded, each with its HTTP status and curl's exit code.
 */
export function traefikSnippet(probe: TraefikProbe, timeoutMs: number): string {
  const d = q(probe.configDir)
  // The file names reach the shell only as "$f", never as code.
  const list = `if [ -d ${d} ]; then _tl=$(find ${d} -type f \\( -name '*.yml' -o -name '*.yaml' -o -name '*.toml' \\) 2>/dev/null | sort | head -n ${MAX_FILES}); elif [ -f ${d} ]; then _tl=${d}; else _tl=; ${mark('nodir')}; fi`
  const each = (body: string) => `printf '%s\\n' "$_tl" | while IFS= read -r f; do [ -n "$f" ] || continue; ${body}; done`
  const files = `${list}; ${each(`echo "\${_m}file $f"; head -c ${CAP} -- "$f"; echo`)}; ${certificates(each)}`
  if (!probe.api) return files
  const gets = API_PATHS.map((p) => {
    const url = q(`${probe.api}/${p}`)
    // The status line's format goes on curl's stdin (-w @-): the batch's nonce never reaches an argv.
    return `${mark(`get ${p}`)}; b=$(printf '\\n%sstatus %%{http_code}\\n' "$_m" | _t ${seconds(timeoutMs + 500)} curl -sS --max-time ${seconds(timeoutMs)} -w @- ${url} 2>&1); r=$?; printf '%s\\n' "$b" | head -c ${CAP}; echo; echo "\${_m}rc $r"`
  })
  return `${files}; if command -v curl >/dev/null 2>&1; then ${gets.join('; ')}; else ${mark('missing curl')}; fi`
}

/**
 * The files every `certFile` and `keyFile` of the configuration names (YAML `certFile: F`, TOML
 * `certFile = "F"`), found by grep in the same files: after `@@certs`, each certificate's PEM
 * blocks and each key's public half, read as the nginx probe reads them (no key byte leaves).
 */
function certificates(each: (body: string) => string): string {
  const named = (key: string) =>
    `${each(`head -c ${CAP} -- "$f"`)} | grep -oE '${key}["'\\'']?[[:space:]]*[:=][[:space:]]*["'\\'']?[^"'\\''[:space:],}]+' | sed -E 's/^${key}["'\\'']?[[:space:]]*[:=][[:space:]]*["'\\'']?//' | sort -u | head -n ${MAX_CERTS}`
  return `_tc=$(${named('certFile')}); _tk=$(${named('keyFile')}); if [ -n "$_tc$_tk" ]; then echo "\${_m}certs"; ${readPems(`printf '%s\\n' "$_tc" | grep .`)}; ${readKeys(`printf '%s\\n' "$_tk" | grep .`)}; fi`
}

/** Reads what traefikSnippet printed into the routers and services, with the API's view added. */
export function parseTraefik(lines: readonly string[], probe: TraefikProbe): Observation {
  const files: TraefikFile[] = []
  const answers = new Map<string, {status: number; rc: number; body: string}>()
  let file: TraefikFile | undefined
  let get: {path: string; body: string[]; status: number; rc: number} | undefined
  const endGet = () => {
    if (get) answers.set(get.path, {status: get.status, rc: get.rc, body: get.body.join('\n')})
    get = undefined
  }
  let noDir = false
  let noCurl = false
  let certLines: string[] | undefined
  let certSection: string[] | undefined
  for (const line of lines) {
    if (line === '@@certs') {
      file = undefined
      certLines = []
    } else if (line.startsWith('@@file ')) {
      endGet()
      files.push((file = {path: line.slice(7), text: ''}))
    } else if (line.startsWith('@@get ')) {
      file = undefined
      if (certLines) (certSection = certLines), (certLines = undefined)
      endGet()
      get = {path: line.slice(6), body: [], status: 0, rc: 1}
    } else if (line.startsWith('@@status ') && get) get.status = Number(line.slice(9)) || 0
    else if (line.startsWith('@@rc ') && get) get.rc = Number(line.slice(5))
    else if (line === '@@nodir') noDir = true
    else if (line === '@@missing curl') noCurl = true
    else if (get) get.body.push(line)
    else if (certLines) certLines.push(line)
    else if (file) file.text += `${line.startsWith(' @@') ? line.slice(1) : line}\n`
  }
  endGet()
  const parsed = parseTraefikFiles(files)
  const read = readCertSection(certSection ?? certLines ?? [], new Date(), "the proxy's CT")
  const certs = certSection ?? certLines ? {certificates: read.certificates, keys: read.keys} : {}
  const problems = noDir ? [`${probe.configDir} does not exist in the proxy's CT`, ...parsed.problems] : parsed.problems
  const base: TraefikObservation = {kind: 'traefik', files: files.map((f) => f.path), routers: parsed.routers, services: parsed.services, middlewares: parsed.middlewares, tlsCertificates: parsed.tlsCertificates, ...certs, problems}
  if (!probe.api) return base
  if (noCurl) return {...base, api: {ping: {error: 'curl is not installed in the proxy\'s CT'}, read: false, error: 'curl is not installed in the proxy\'s CT'}}
  const ping = answers.get('ping')
  const api: TraefikApi = {ping: answerOf(ping), read: false}
  const routers = json(answers.get('api/http/routers'))
  const services = json(answers.get('api/http/services'))
  if (!Array.isArray(routers) || !Array.isArray(services)) {
    const bad = answers.get('api/http/routers')
    return {...base, api: {...api, error: `${probe.api}/api/http/routers: ${bad?.status ? `status ${bad.status}` : answerOf(bad).error ?? 'no answer'}`}}
  }
  return {...base, ...withApi(parsed, routers, services), problems, api: {...api, read: true}}
}

function answerOf(a: {status: number; rc: number; body: string} | undefined): TraefikApi['ping'] {
  if (!a) return {error: 'not asked'}
  if (a.rc !== 0 || !a.status) return {error: netErrorFromCurl(a.rc, a.body.trim().split('\n').at(-1) ?? '').message}
  return {status: a.status}
}

function json(a: {status: number; body: string} | undefined): unknown {
  if (!a || a.status !== 200) return undefined
  try {
    return JSON.parse(a.body)
  } catch {
    return undefined
  }
}
