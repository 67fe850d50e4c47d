/**
 * Reads one value out of Prometheus text exposition: the sum over the metric's series (label
 * sets), so a multi-engine vLLM reports its total. Undefined when the metric is absent.
 */
export function readMetric(text: string, name: string): number | undefined {
  let total: number | undefined
  for (const line of text.split('\n')) {
    if (!line.startsWith(name)) continue
    const rest = line.slice(name.length)
    if (rest[0] !== ' ' && rest[0] !== '{') continue
    const value = Number(rest.replace(/^\{[^}]*\}/, '').trim().split(/\s+/)[0])
    if (Number.isFinite(value)) total = (total ?? 0) + value
  }
  return total
}
