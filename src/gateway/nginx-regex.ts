/**
 * nginx regexes are PCRE; the ones written in gateway configs (anchors, groups, classes,
 * alternation) mean the same in JavaScript. `(?P<name>` and a leading `(?i)` are rewritten; a
 * pattern JavaScript cannot compile matches nothing rather than throwing.
 */

const cache = new Map<string, RegExp | null>()

/** The pattern as a JavaScript RegExp, or undefined when JavaScript cannot read it. */
export function nginxRegex(pattern: string, caseless = false): RegExp | undefined {
  const key = `${caseless ? 'i' : '-'}${pattern}`
  if (!cache.has(key)) cache.set(key, compile(pattern, caseless))
  return cache.get(key) ?? undefined
}

function compile(pattern: string, caseless: boolean): RegExp | null {
  let source = pattern.replace(/\(\?P</g, '(?<')
  let flags = caseless ? 'i' : ''
  if (source.startsWith('(?i)')) {
    source = source.slice(4)
    flags = 'i'
  }
  try {
    return new RegExp(source, flags)
  } catch {
    return null
  }
}
