/**
 * Building blocks for the shell snippets that probes run at a remote vantage (inside a CT, or on
 * the Proxmox host over SSH). Every value that came from a config or the command line goes through
 * `q`, so it reaches the remote shell as one literal word and can never run a command.
 */

/** POSIX single-quote quoting: safe for any string, including quotes and newlines. */
export function q(value: string | number): string {
  return `'${String(value).replaceAll("'", `'\\''`)}'`
}

/** Whole seconds for tools that take no fractions (ping -W, nc -w), never below 1. */
export function wholeSeconds(ms: number): number {
  return Math.max(1, Math.ceil(ms / 1000))
}

/** Seconds with a fraction, for tools that take them (curl --max-time, timeout). */
export function seconds(ms: number): string {
  return (Math.max(ms, 100) / 1000).toFixed(1)
}

/**
 * Shell code that prints a marker line, `@@TAG WORDS` as the parsers read it. On the wire it carries
 * the batch's nonce (`$_m`, set by the batch script, never in any argv), so no body, log line or
 * config a probe prints can pass for one (batch-script.ts). `words` is trusted shell text (`rc $?`).
 */
export function mark(words: string): string {
  return `echo "\${_m}${words}"`
}

/** Prints `@@missing TOOL` instead of running `body` when the vantage lacks TOOL. */
export function needTool(tool: string, body: string): string {
  return `if command -v ${tool} >/dev/null 2>&1; then ${body}; else ${mark(`missing ${tool}`)}; fi`
}

/** The marker line a snippet printed for `tag` (e.g. `@@rc 0` for `rc`), with its words. */
export function marker(lines: readonly string[], tag: string): string[] | undefined {
  const prefix = `@@${tag}`
  for (const line of lines) {
    if (!line.startsWith(prefix)) continue
    const rest = line.slice(prefix.length)
    if (rest === '' || rest.startsWith(' ')) return rest.trim().split(/\s+/).filter(Boolean)
  }
  return undefined
}

/** The tool a snippet reported missing, if any. */
export function missingTool(lines: readonly string[]): string | undefined {
  return marker(lines, 'missing')?.[0]
}

/** Lines that are not markers. */
export function plainLines(lines: readonly string[]): string[] {
  return lines.filter((l) => !l.startsWith('@@'))
}
