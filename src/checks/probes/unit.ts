import {boundLines} from '../../io/redact.js'
import {missingTool, needTool, q, seconds} from '../../io/shell-words.js'
import type {Observation, UnitProbe} from '../../model/probes.js'

/**
 * A systemd unit's state and its last journal lines, in one go: when a unit is down, its last log
 * lines are the evidence an operator wants next, so they come with the state, not after it.
 */
export function unitSnippet(probe: UnitProbe, timeoutMs: number): string {
  const t = `_t ${seconds(timeoutMs)}`
  const unit = q(probe.unit)
  return needTool(
    'systemctl',
    `${t} systemctl show -p LoadState -p ActiveState -p SubState -p MainPID -p NRestarts -p Result -p ExecMainCode -p ExecMainStatus -p MemoryMax ${unit} 2>&1; echo "\${_m}logs";` +
      ` ${t} journalctl -u ${unit} -n ${Number(probe.logLines)} --no-pager -o cat -q 2>&1; echo "\${_m}end"`,
  )
}

/** Reads what unitSnippet printed. */
export function parseUnit(lines: readonly string[]): Observation {
  const tool = missingTool(lines)
  if (tool) return {kind: 'unavailable', reason: 'missing_tool', tool, message: 'systemctl is not there (no systemd in this CT?)'}
  const split = lines.indexOf('@@logs')
  const head = split === -1 ? lines : lines.slice(0, split)
  const props = new Map<string, string>()
  for (const line of head) {
    const eq = line.indexOf('=')
    if (eq > 0) props.set(line.slice(0, eq), line.slice(eq + 1))
  }
  const logs = split === -1 ? [] : lines.slice(split + 1).filter((l) => !l.startsWith('@@') && l.trim() !== '')
  const load = props.get('LoadState')
  const pid = Number(props.get('MainPID') ?? 0)
  const restarts = props.get('NRestarts')
  const result = props.get('Result')
  // ExecMainCode 2 is CLD_KILLED: ExecMainStatus is then the signal.
  const killedBy = props.get('ExecMainCode') === '2' ? Number(props.get('ExecMainStatus')) : NaN
  const memoryMax = Number(props.get('MemoryMax'))
  return {
    kind: 'unit',
    active: load === 'not-found' ? 'not-found' : (props.get('ActiveState') ?? 'unknown'),
    ...(props.get('SubState') ? {sub: props.get('SubState')} : {}),
    ...(pid > 0 ? {mainPid: pid} : {}),
    ...(restarts !== undefined && restarts !== '' ? {restarts: Number(restarts)} : {}),
    ...(result ? {result} : {}),
    ...(Number.isInteger(killedBy) && killedBy > 0 ? {killedBy} : {}),
    // `infinity` (no limit) is not a number; a real limit is.
    ...(Number.isSafeInteger(memoryMax) && memoryMax > 0 ? {memoryMax} : {}),
    logs: boundLines(logs.length ? logs : head.filter((l) => !l.includes('='))),
  }
}
