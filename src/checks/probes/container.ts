import {boundLines} from '../../io/redact.js'
import {mark, marker, missingTool, needTool, q, seconds} from '../../io/shell-words.js'
import type {ContainerProbe, Observation} from '../../model/probes.js'

// OOMKilled separates the kernel's OOM kill (exit 137 too) from a docker stop or kill: docker
// inspect has no "stopped by the user" field. HostConfig.Memory is its --memory limit (0: none).
const FORMAT = '{{.State.Status}} {{.RestartCount}} {{.State.ExitCode}} {{.State.OOMKilled}} {{.HostConfig.Memory}}'
/** At most this many containers of one compose service are named (a scaled service has several). */
const MAX_FOUND = 8

/**
 * A compose service's containers, by the labels compose puts on them (compose v1 names them
 * project_service_1, v2 project-service-1, and `container_name:` anything: the labels hold in every
 * case). Sets $_n to the first; a docker error (it has spaces, a name has none) is printed as is.
 */
function findCompose(c: NonNullable<ContainerProbe['compose']>, t: string): string {
  const filters = [`label=com.docker.compose.project=${c.project}`, `label=com.docker.compose.service=${c.service}`].map((f) => `--filter ${q(f)}`).join(' ')
  return (
    `_c=$(${t} docker ps -a ${filters} --format '{{.Names}}' 2>&1 | head -n ${MAX_FOUND}); ` +
    `_e=$(printf '%s\\n' "$_c" | grep ' '); [ -z "$_e" ] || printf '%s\\n' "$_e"; _c=$(printf '%s\\n' "$_c" | grep -v ' '); ` +
    `${mark('found')} $_c; _n=$(printf '%s\\n' "$_c" | head -n 1); ` +
    // Nothing found is "no such container" only when docker answered; its own error stands alone.
    `[ -n "$_n" ] || [ -n "$_e" ] || echo ${q(`Error: No such container: no container has the labels of compose service ${c.service} of project ${c.project}`)}; `
  )
}

/** A docker container's state, restart count, exit code, OOM kill and last log lines, in one go. */
export function containerSnippet(probe: ContainerProbe, timeoutMs: number): string {
  const t = `_t ${seconds(timeoutMs)}`
  const find = probe.compose ? findCompose(probe.compose, t) : `_n=${q(probe.name)}; `
  return needTool(
    'docker',
    `${find}if [ -n "$_n" ]; then ${t} docker inspect -f ${q(FORMAT)} "$_n" 2>&1; ${mark('logs')};` +
      ` ${t} docker logs --tail ${Number(probe.logLines)} "$_n" 2>&1; fi; ${mark('end')}`,
  )
}

/** Reads what containerSnippet printed. */
export function parseContainer(lines: readonly string[]): Observation {
  const tool = missingTool(lines)
  if (tool) return {kind: 'unavailable', reason: 'missing_tool', tool, message: 'docker is not installed there'}
  const found = marker(lines, 'found')
  const at = found ? {found} : {}
  const split = lines.indexOf('@@logs')
  const head = (split === -1 ? lines : lines.slice(0, split)).filter((l) => !l.startsWith('@@') && l.trim() !== '')
  const logs = split === -1 ? [] : lines.slice(split + 1).filter((l) => !l.startsWith('@@') && l.trim() !== '')
  const state = head.map((l) => l.match(/^(\w+) (\d+) (-?\d+)(?: (true|false))?(?: (\d+))?$/)).find(Boolean)
  if (!state) {
    const gone = head.some((l) => /no such (object|container)/i.test(l))
    return {kind: 'container', state: gone ? 'missing' : 'unknown', ...at, logs: boundLines(gone ? head : [...head, ...logs])}
  }
  return {
    kind: 'container',
    state: state[1]!,
    ...at,
    restarts: Number(state[2]),
    exitCode: Number(state[3]),
    ...(state[4] ? {oomKilled: state[4] === 'true'} : {}),
    ...(Number(state[5]) > 0 ? {memoryMax: Number(state[5])} : {}),
    logs: boundLines(logs),
  }
}
