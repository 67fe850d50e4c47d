/**
 * Keeps secrets and bulk out of what phoenix reports. Anything that looks like a credential is
 * masked as soon as it is observed; bodies are kept whole enough to judge (a model list, an
 * embedding) and cut to a few KiB when they go into a report.
 */

/** What a report shows of a body. */
export const BODY_LIMIT = 2048
/** What a probe keeps of a body for judging it. */
export const OBSERVE_LIMIT = 256 * 1024

const SECRET_PATTERNS: RegExp[] = [
  /(authorization|api[-_]?key|token|secret|password|passwd|cookie)(["']?\s*[:=]\s*["']?)([^"'\s,;}]+)/gi,
  /\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]+/g,
]

/** Masks credentials in free text, and any of the known secret values given. */
export function redact(text: string, secrets: readonly string[] = []): string {
  let out = text
  for (const s of secrets) if (s.length >= 4) out = out.split(s).join('***')
  out = out.replace(SECRET_PATTERNS[0]!, (_m, key: string, sep: string) => `${key}${sep}***`)
  out = out.replace(SECRET_PATTERNS[1]!, (_m, scheme: string) => `${scheme} ***`)
  return out
}

/** The start of a body, bounded (by default to what a probe keeps), with secrets masked. */
export function bodyStart(body: string, secrets: readonly string[] = [], limit = OBSERVE_LIMIT): string {
  const cut = body.length > limit ? `${body.slice(0, limit)}…` : body
  return redact(cut, secrets)
}

/** Log lines, bounded in count and width, with secrets masked. */
export function boundLines(lines: readonly string[], max = 20, width = 300): string[] {
  return lines.slice(-max).map((l) => redact(l.length > width ? `${l.slice(0, width)}…` : l))
}
