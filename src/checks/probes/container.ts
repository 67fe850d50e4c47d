import {boundLines} from '../../io/redact.js'
import {missingTool, needTool, q, seconds} from '../../io/shell-words.js'
import type {ContainerProbe, Observation} from '../../model/probes.js'

// OOMKilled separates the kernel's OOM kill (exit 137 too) from a docker stop or kill: docker
// inspect has no "stopped by the user" field.
const FORMAT = '{{.State.Status}} {{.RestartCount}} {{.State.ExitCode}} {{.State.OOMKilled}}'

/** A docker container's state, restart count, exit code, OOM kill and last log lines, in one go. */
export function containerSnippet(probe: ContainerProbe, timeoutMs: number): string {
  const t = `_t ${seconds(timeoutMs)}`
  const name = q(probe.name)
  return needTool(
    'docker',
    `${t} docker inspect -f ${q(FORMAT)} ${name} 2>&1; echo "\${_m}logs";` +
      ` ${t} docker logs --tail ${Number(probe.logLines)} ${name} 2>&1; echo "\${_m}end"`,
  )
}

/** Reads what containerSnippet printed. */
export function parseContainer(lines: readonly string[]): Observation {
  const tool = missingTool(lines)
  if (tool) return {kind: 'unavailable', reason: 'missing_tool', tool, message: 'docker is not installed there'}
  const split = lines.indexOf('@@logs')
  const head = (split === -1 ? lines : lines.slice(0, split)).filter((l) => l.trim() !== '')
  const logs = split === -1 ? [] : lines.slice(split + 1).filter((l) => !l.startsWith('@@') && l.trim() !== '')
  const state = head.map((l) => l.match(/^(\w+) (\d+) (-?\d+)(?: (true|false))?$/)).find(Boolean)
  if (!state) {
    const gone = head.some((l) => /no such (object|container)/i.test(l))
    return {kind: 'container', state: gone ? 'missing' : 'unknown', logs: boundLines(gone ? head : [...head, ...logs])}
  }
  return {
    kind: 'container',
    state: state[1]!,
    restarts: Number(state[2]),
    exitCode: Number(state[3]),
    ...(state[4] ? {oomKilled: state[4] === 'true'} : {}),
    logs: boundLines(logs),
  }
}
