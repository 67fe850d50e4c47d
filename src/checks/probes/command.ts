import {marker} from '../../io/shell-words.js'
import {q} from '../../io/shell-words.js'
import type {CommandProbe, Observation} from '../../model/probes.js'

/**
 * Whether a command is on the PATH of a login shell in the CT: what an operator gets after
 * `pct enter`, and what Ollama's plan checks with `which ollama` after logging in again.
 */
export function commandSnippet(probe: CommandProbe): string {
  const inner = `echo "\${_m}path $PATH"; command -v ${q(probe.command)} || echo "\${_m}absent"`
  return `if command -v bash >/dev/null 2>&1; then bash -lc ${q(inner)}; else sh -lc ${q(inner)}; fi 2>/dev/null`
}

/** Reads what commandSnippet printed. */
export function parseCommand(lines: readonly string[]): Observation {
  const searchPath = marker(lines, 'path')?.join(' ')
  const found = lines.find((l) => l.startsWith('/'))
  if (lines.includes('@@absent') || !found) return {kind: 'command', ...(searchPath ? {searchPath} : {})}
  return {kind: 'command', path: found.trim(), ...(searchPath ? {searchPath} : {})}
}
