import {posix} from 'node:path'

import {validateContexts} from './nginx-context.js'
import {parseFile} from './nginx-parse.js'
import type {DumpProblem} from '../model/nginx.js'

/** One directive, where it is written. */
export interface Directive {
  name: string
  args: string[]
  file: string
  line: number
  block?: Directive[]
}

/** One file of the dump, as nginx printed it. */
export interface DumpSection {
  file: string
  text: string
}

const HEADER = /^# configuration file (.+):\r?$/

/**
 * Splits `nginx -T` stdout into its files. nginx writes each file as a header line, the file's
 * bytes, then one newline of its own (nginx.c), so the lines between two headers are the file
 * exactly. Text before the first header (the test lines, when stderr is merged) is not a file.
 */
export function splitDump(stdout: string): DumpSection[] {
  const lines = stdout.split('\n')
  if (stdout.endsWith('\n')) lines.pop()
  const sections: {file: string; lines: string[]}[] = []
  for (const line of lines) {
    const header = HEADER.exec(line)
    if (header) sections.push({file: header[1]!, lines: []})
    else sections.at(-1)?.lines.push(line)
  }
  return sections.map((s) => ({file: s.file, text: s.lines.join('\n')}))
}

/**
 * Splits `nginx -T` stdout ("# configuration file /etc/nginx/nginx.conf:" sections) and parses every
 * file; resolves `include` by the files in the dump (globs too); the tree starts at the main file
 * (the first section). Never throws: syntax problems come back in `problems` with file and line.
 */
export function parseNginxDump(stdout: string): {root: Directive[]; files: string[]; problems: DumpProblem[]} {
  const sections = splitDump(stdout)
  const main = sections[0]
  if (!main) return {root: [], files: [], problems: [{file: '', line: 0, message: 'no "# configuration file" section: not `nginx -T` output'}]}
  const parsed = new Map<string, Directive[]>()
  const problems: DumpProblem[] = []
  for (const s of sections) {
    if (parsed.has(s.file)) continue
    const {directives, problems: found} = parseFile(s.text, s.file)
    parsed.set(s.file, directives)
    problems.push(...found)
  }
  const includes: IncludeContext = {parsed, confDir: posix.dirname(main.file), problems, chain: [main.file]}
  const root = resolveIncludes(parsed.get(main.file) ?? [], includes)
  problems.push(...validateContexts(root))
  return {root, files: [...parsed.keys()], problems}
}

interface IncludeContext {
  parsed: ReadonlyMap<string, Directive[]>
  /** Relative includes are relative to the main file's directory (nginx's conf prefix). */
  confDir: string
  problems: DumpProblem[]
  /** The files being included, outermost first, to stop a file including itself. */
  chain: string[]
}

/** The directives with every `include` replaced by the included files' directives, as nginx reads them. */
function resolveIncludes(directives: Directive[], ctx: IncludeContext): Directive[] {
  const out: Directive[] = []
  for (const d of directives) {
    if (d.name === 'include' && !d.block && d.args.length === 1) out.push(...included(d, d.args[0]!, ctx))
    else out.push(d.block ? {...d, block: resolveIncludes(d.block, ctx)} : d)
  }
  return out
}

function included(d: Directive, arg: string, ctx: IncludeContext): Directive[] {
  const pattern = posix.isAbsolute(arg) ? arg : posix.join(ctx.confDir, arg)
  // glob(3) sorts its matches, and a pattern that matches nothing is no error for nginx.
  const files = /[*?[]/.test(pattern) ? [...ctx.parsed.keys()].filter((f) => globMatches(pattern, f)).sort() : [pattern]
  const out: Directive[] = []
  for (const file of files) {
    const directives = ctx.parsed.get(file)
    if (!directives) {
      ctx.problems.push({file: d.file, line: d.line, message: `open() "${file}" failed: the file is not in the nginx -T dump`})
    } else if (ctx.chain.includes(file)) {
      ctx.problems.push({file: d.file, line: d.line, message: `"${file}" includes itself`})
    } else {
      out.push(...resolveIncludes(directives, {...ctx, chain: [...ctx.chain, file]}))
    }
  }
  return out
}

/** glob(3) without flags: `*` and `?` stay inside one path segment and skip dot files; `[...]` classes. */
export function globMatches(pattern: string, file: string): boolean {
  const patternParts = pattern.split('/')
  const fileParts = file.split('/')
  if (patternParts.length !== fileParts.length) return false
  return patternParts.every((p, i) => {
    const part = fileParts[i]!
    if (part.startsWith('.') && !p.startsWith('.')) return !/[*?[]/.test(p) && p === part
    return segmentRegex(p).test(part)
  })
}

function segmentRegex(segment: string): RegExp {
  let source = ''
  for (let i = 0; i < segment.length; i++) {
    const ch = segment[i]!
    const close = ch === '[' ? segment.indexOf(']', i + 2) : -1
    if (ch === '*') source += '.*'
    else if (ch === '?') source += '.'
    else if (close !== -1) {
      const body = segment.slice(i + 1, close)
      source += `[${body.startsWith('!') ? `^${body.slice(1)}` : body}]`
      i = close
    } else source += ch.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
  }
  return new RegExp(`^${source}$`)
}
