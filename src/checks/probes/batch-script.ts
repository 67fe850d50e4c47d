import {randomBytes} from 'node:crypto'

/**
 * One script for many probes at one vantage. On a real host each `pct exec` pays a Perl start and
 * an lxc-attach, so everything a layer needs from one CT runs in one call, the probes in parallel.
 *
 * Each probe's output is tagged line by line with its index (`3|...`) and written to the shared
 * stdout. Long lines (an embedding, a model list) are cut into pieces of PIECE characters, the
 * later pieces tagged `3+|...`, and every piece is flushed as one write of its own: a write under
 * PIPE_BUF is atomic on a pipe, so parallel probes never tear each other's lines. Nothing is
 * written to the target's disk.
 */

const PIECE = 2000
/**
 * Each probe's own budget of output lines (~1 MiB): a runaway output stops there without touching
 * another probe's share or its own markers, which pass the budget (an HTTP body is cut much earlier,
 * at 256 KiB, by the snippet itself).
 */
export const MAX_PIECES = 512
/** What one probe can print at most, its markers included: the transport sizes its buffer from it. */
export const SNIPPET_BUDGET = MAX_PIECES * (PIECE + 16) + 64 * 1024

/** A fresh nonce for a batch's markers (see io/shell-words.ts `mark`). */
export function batchNonce(): string {
  return randomBytes(12).toString('hex')
}

/** The default for callers that do not choose one: random per process, so still per run. */
const RUN_NONCE = batchNonce()

function prelude(nonce: string): string {
  return [
    // The marker prefix. Exported for awk's ENVIRON: as a -v argument it would show in ps in the CT.
    `_m='@@${nonce}:'; export _m`,
    // A command with a time limit where coreutils/busybox timeout exists, else without one.
    `_t() { if command -v timeout >/dev/null 2>&1; then timeout "$@"; else shift; "$@"; fi; }`,
    // awk is in every base image (mawk on Debian, busybox awk on Alpine). fflush after every piece
    // makes each piece one write: flushed once a line, a long line's pieces filled awk's buffer and
    // went out in buffer-sized writes that cut pieces, so a parallel probe's write could land inside
    // one (a body's text in another probe's error, a marker lost: seen under load). A marker
    // (wherever in a line it starts) goes out on a line of its own, outside the budget.
    `_tag() { awk -v t="$1" 'function out(s,  l, i) { if (n >= ${MAX_PIECES}) return; l = length(s); if (l == 0) { print t "|"; fflush(); n++ }` +
      ` for (i = 1; i <= l && n < ${MAX_PIECES}; i += ${PIECE}) { print t (i > 1 ? "+" : "") "|" substr(s, i, ${PIECE}); fflush(); n++ } }` +
      ` { k = index($0, ENVIRON["_m"]); if (k > 0) { if (k > 1) out(substr($0, 1, k - 1)); print t "|" substr($0, k); fflush() } else out($0) }'; }`,
  ].join('\n')
}

/** The script that runs every snippet in parallel and tags its output. */
export function batchScript(snippets: readonly string[], nonce = RUN_NONCE): string {
  const jobs = snippets.map((s, i) => `{ ${s}; } 2>&1 </dev/null | _tag ${i} &`)
  // `exit`: the script arrives on stdin, which may stay open (see ExecOptions.stdin).
  return [prelude(nonce), ...jobs, 'wait', `echo "\${_m}batch done"`, 'exit 0', ''].join('\n')
}

/**
 * Splits a batch's stdout back into the lines of each snippet, by index, joining cut lines. A line
 * with the nonce is a marker and becomes `@@TAG WORDS`; any other line that looks like one (a body
 * holding `@@http 200`) is kept as text, indented by a space, so no parser can take it for one.
 */
export function splitBatchOutput(stdout: string, count: number, nonce = RUN_NONCE): {lines: string[][]; complete: boolean} {
  const lines: string[][] = Array.from({length: count}, () => [])
  const prefix = `@@${nonce}:`
  let complete = false
  for (const raw of stdout.split('\n')) {
    if (raw === `${prefix}batch done`) complete = true
    const bar = raw.indexOf('|')
    if (bar <= 0) continue
    const continued = raw[bar - 1] === '+'
    const index = Number(raw.slice(0, continued ? bar - 1 : bar))
    if (!Number.isInteger(index) || index < 0 || index >= count) continue
    const own = lines[index]!
    const text = raw.slice(bar + 1)
    if (continued && own.length > 0) own[own.length - 1] += text
    else if (text.startsWith(prefix)) own.push(`@@${text.slice(prefix.length)}`)
    else own.push(text.startsWith('@@') ? ` ${text}` : text)
  }
  return {lines, complete}
}
