/** Edit distance, for "did you mean" suggestions on unknown names and keys. */
export function distance(a: string, b: string): number {
  const row = Array.from({length: b.length + 1}, (_, i) => i)
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0]!
    row[0] = i
    for (let j = 1; j <= b.length; j++) {
      const next = Math.min(row[j]! + 1, row[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1))
      prev = row[j]!
      row[j] = next
    }
  }
  return row[b.length]!
}

/** The nearest candidate when it is close enough to be what the user meant. */
export function nearest(input: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined
  let bestScore = Number.POSITIVE_INFINITY
  for (const c of candidates) {
    const d = c.startsWith(input) || input.startsWith(c) ? 1 : distance(input.toLowerCase(), c.toLowerCase())
    if (d < bestScore) [best, bestScore] = [c, d]
  }
  return best !== undefined && bestScore <= Math.max(2, Math.floor(input.length / 3)) ? best : undefined
}

/** ` Did you mean "x"?` or nothing. */
export function didYouMean(input: string, candidates: readonly string[]): string {
  const hit = nearest(input, candidates)
  return hit ? ` Did you mean "${hit}"?` : ''
}
