import {spawn} from 'node:child_process'

import {REPO} from './processes.js'

/** What a person saw after running phoenix on a terminal. */
export interface TerminalRun {
  /** The screen's lines at the end, as a terminal shows them (cursor moves and clears applied). */
  screen: string[]
  /** Every byte written, escapes included. */
  raw: string
  code: number | null
  /** The hang guard fired: phoenix was killed, it did not exit. */
  hung: boolean
}

/** What a person types while phoenix runs: `keys` once `when` holds for the output so far (Ctrl-C is '\u0003'). */
export interface Typing {
  when(raw: string): boolean
  keys: string
}

/**
 * Runs `phoenix ARGS` under a real pseudo-terminal (`script`), sized 150x40, and kills it after
 * `guardMs` (a hang guard, not a timing assertion). `prefix`: what runs it (`ip netns exec NS`).
 */
export async function inTerminal(args: readonly string[], env: NodeJS.ProcessEnv, guardMs = 90_000, prefix: readonly string[] = [], typing?: Typing): Promise<TerminalRun> {
  const quoted = [...prefix, process.execPath, `${REPO}/bin/run.js`, ...args].map((a) => `'${a.replaceAll("'", `'\\''`)}'`).join(' ')
  const command = `stty rows 40 cols 150; exec ${quoted}`
  const child = spawn('script', ['-qfec', command, '/dev/null'], {cwd: REPO, env, stdio: ['pipe', 'pipe', 'pipe'], detached: true})
  let raw = ''
  let typed = !typing
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    raw += chunk
    // Typed into the terminal: its line discipline turns Ctrl-C into SIGINT for phoenix, as for a person.
    if (!typed && typing!.when(raw)) child.stdin.write(typing!.keys, () => (typed = true))
  })
  let hung = false
  const guard = setTimeout(() => {
    hung = true
    try {
      process.kill(-child.pid!, 'SIGKILL')
    } catch {}
  }, guardMs)
  const code = await new Promise<number | null>((resolve) => child.once('close', (exit) => resolve(exit)))
  clearTimeout(guard)
  return {screen: render(raw), raw, code, hung}
}

/** Applies what phoenix writes (text, \r, \n, cursor up, to column 1, clear line, colours) to a screen of lines. */
export function render(raw: string): string[] {
  const lines: string[] = ['']
  let row = 0
  let col = 0
  for (const token of raw.split(/(\u001B\[[0-9;?]*[A-Za-z]|\r|\n)/)) {
    if (!token) continue
    if (token === '\r') col = 0
    else if (token === '\n') {
      row++
      col = 0
      if (lines.length <= row) lines.push('')
    } else if (token.startsWith('\u001B[')) {
      const n = Number(token.slice(2, -1)) || 1
      if (token.endsWith('A')) row = Math.max(0, row - n)
      else if (token.endsWith('G')) col = n - 1
      else if (token.endsWith('K')) lines[row] = ''
    } else {
      const line = [...lines[row]!.padEnd(col)]
      line.splice(col, [...token].length, ...token)
      lines[row] = line.join('')
      col += [...token].length
    }
  }
  return lines.map((l) => l.trimEnd())
}
