import type {DumpProblem} from '../model/nginx.js'
import type {Directive} from './nginx-dump.js'
import {tokenize} from './nginx-tokens.js'

/**
 * Parses one config file into its directive tree, without following includes. Never throws: like
 * `nginx -t` it names the file and line of each syntax problem, but it reads on past the first one
 * so that the rest of the file still yields routes.
 */
export function parseFile(text: string, file: string): {directives: Directive[]; problems: DumpProblem[]} {
  const {statements, problems: found} = tokenize(text)
  const problems: DumpProblem[] = found.map((p) => ({file, ...p}))
  const top: Directive[] = []
  const stack: Directive[][] = [top]
  for (const s of statements) {
    if (s.kind === 'close') {
      // A file is parsed on its own by nginx too: a `}` at its top level is an error even in an include.
      if (stack.length === 1) problems.push({file, line: s.line, message: 'unexpected "}"'})
      else stack.pop()
      continue
    }
    const [name = '', ...args] = s.words
    const directive: Directive = {name, args, file, line: s.line}
    stack[stack.length - 1]!.push(directive)
    if (s.end === '{') {
      directive.block = []
      stack.push(directive.block)
    }
  }
  if (stack.length > 1) {
    problems.push({file, line: text.split('\n').length, message: 'unexpected end of file, expecting "}"'})
  }
  return {directives: top, problems: problems.sort((a, b) => a.line - b.line)}
}
