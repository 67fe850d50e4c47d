/**
 * The nginx config tokenizer, after `ngx_conf_read_token` (src/core/ngx_conf_file.c): words split
 * on blanks, `"…"` and `'…'` quotes, `\` escapes, `#` comments only at the start of a word, `${var}`
 * kept whole, and `;` `{` `}` ending statements. Regex arguments need no special case: nginx has
 * none either (an unquoted `{` in a regex ends the word there too).
 */

/** One statement: a directive's words and what ended them, or a closing brace. */
export type Statement =
  | {kind: 'directive'; words: string[]; line: number; end: ';' | '{'}
  | {kind: 'close'; line: number}

/** A syntax problem, worded as nginx words it. */
export interface TokenProblem {
  line: number
  message: string
}

interface Cursor {
  text: string
  i: number
  line: number
}

const BLANK = new Set([' ', '\t', '\r', '\n'])
const ESCAPES: Readonly<Record<string, string>> = {'"': '"', "'": "'", '\\': '\\', t: '\t', r: '\r', n: '\n'}

/** Splits one config file into statements; problems carry the line nginx would name. */
export function tokenize(text: string): {statements: Statement[]; problems: TokenProblem[]} {
  const c: Cursor = {text, i: 0, line: 1}
  const statements: Statement[] = []
  const problems: TokenProblem[] = []
  let words: string[] = []
  let start = 1
  for (skipBlank(c); c.i < text.length; skipBlank(c)) {
    const ch = text[c.i]!
    if (ch === ';' || ch === '{' || ch === '}') {
      c.i++
      if (ch === '}') {
        if (words.length > 0) problems.push({line: c.line, message: 'unexpected "}"'})
        statements.push({kind: 'close', line: c.line})
      } else if (words.length === 0) problems.push({line: c.line, message: `unexpected "${ch}"`})
      else statements.push({kind: 'directive', words, line: start, end: ch})
      words = []
      continue
    }
    if (words.length === 0) start = c.line
    words.push(ch === '"' || ch === "'" ? readQuoted(c, ch, problems) : readWord(c))
  }
  if (words.length > 0) problems.push({line: c.line, message: 'unexpected end of file, expecting ";" or "}"'})
  return {statements, problems}
}

/** Skips blanks and `#` comments (a `#` here is at the start of a word, so it is a comment). */
function skipBlank(c: Cursor): void {
  while (c.i < c.text.length) {
    const ch = c.text[c.i]!
    if (ch === '#') {
      const eol = c.text.indexOf('\n', c.i)
      c.i = eol === -1 ? c.text.length : eol
    } else if (BLANK.has(ch)) {
      if (ch === '\n') c.line++
      c.i++
    } else return
  }
}

/** An unquoted word: ends at a blank, `;` or `{`, except the `{` of `${var}`. */
function readWord(c: Cursor): string {
  const start = c.i
  let variable = false
  for (; c.i < c.text.length; c.i++) {
    const ch = c.text[c.i]!
    if (ch === '{' && variable) continue
    variable = false
    if (ch === '\\') {
      c.i++
      if (c.text[c.i] === '\n') c.line++
    } else if (ch === '$') variable = true
    else if (BLANK.has(ch) || ch === ';' || ch === '{') break
  }
  return unescape(c.text.slice(start, c.i))
}

/** A quoted word; nginx wants a blank, `;`, `{` or `)` right after the closing quote. */
function readQuoted(c: Cursor, quote: string, problems: TokenProblem[]): string {
  const start = ++c.i
  for (; c.i < c.text.length; c.i++) {
    const ch = c.text[c.i]!
    if (ch === '\\') c.i++
    if (c.text[c.i] === '\n') c.line++
    if (ch === quote) {
      const word = unescape(c.text.slice(start, c.i++))
      const next = c.text[c.i]
      if (next !== undefined && !BLANK.has(next) && !';{)'.includes(next)) {
        problems.push({line: c.line, message: `unexpected "${next}"`})
      }
      return word
    }
  }
  return unescape(c.text.slice(start))
}

/** nginx drops the backslash of \" \' \\ and turns \t \r \n into the characters; others stay (\d). */
function unescape(raw: string): string {
  return raw.replace(/\\(["'\\trn])/g, (_, ch: string) => ESCAPES[ch] ?? ch)
}
