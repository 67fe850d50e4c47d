/**
 * One script for many probes at one vantage. On a real host each `pct exec` pays a Perl start and
 * an lxc-attach, so everything a layer needs from one CT runs in one call, the probes in parallel.
 *
 * Each probe's output is tagged line by line with its index (`3|...`) and written to the shared
 * stdout. Long lines (an embedding, a model list) are cut into pieces of PIECE characters, the
 * later pieces tagged `3+|...`, and every piece is flushed as one write: a write under PIPE_BUF is
 * atomic on a pipe, so parallel probes never tear each other's lines. Nothing is written to the
 * target's disk.
 */

const PIECE = 2000
/** A probe's output is bounded (~1 MiB): a runaway body must not flood the transport. */
const MAX_PIECES = 512

const PRELUDE = [
  // A command with a time limit where coreutils/busybox timeout exists, else without one.
  `_t() { if command -v timeout >/dev/null 2>&1; then timeout "$@"; else shift; "$@"; fi; }`,
  // awk is in every base image (mawk on Debian, busybox awk on Alpine); fflush makes one write a piece.
  `_tag() { awk -v t="$1" 'n < ${MAX_PIECES} { l = length($0); if (l == 0) { print t "|"; n++ }` +
    ` for (i = 1; i <= l && n < ${MAX_PIECES}; i += ${PIECE}) { print t (i > 1 ? "+" : "") "|" substr($0, i, ${PIECE}); n++ } fflush() }'; }`,
].join('\n')

/** The script that runs every snippet in parallel and tags its output. */
export function batchScript(snippets: readonly string[]): string {
  const jobs = snippets.map((s, i) => `{ ${s}; } 2>&1 </dev/null | _tag ${i} &`)
  // `exit`: the script arrives on stdin, which may stay open (see ExecOptions.stdin).
  return [PRELUDE, ...jobs, 'wait', `echo '@@batch done'`, 'exit 0', ''].join('\n')
}

/** Splits a batch's stdout back into the lines of each snippet, by index, joining cut lines. */
export function splitBatchOutput(stdout: string, count: number): {lines: string[][]; complete: boolean} {
  const lines: string[][] = Array.from({length: count}, () => [])
  let complete = false
  for (const raw of stdout.split('\n')) {
    if (raw === '@@batch done') complete = true
    const bar = raw.indexOf('|')
    if (bar <= 0) continue
    const continued = raw[bar - 1] === '+'
    const index = Number(raw.slice(0, continued ? bar - 1 : bar))
    if (!Number.isInteger(index) || index < 0 || index >= count) continue
    const own = lines[index]!
    const text = raw.slice(bar + 1)
    if (continued && own.length > 0) own[own.length - 1] += text
    else own.push(text)
  }
  return {lines, complete}
}
