/**
 * Keeps secrets and bulk out of what phoenix reports. Anything that looks like a credential is
 * masked as soon as it is observed; bodies are kept whole enough to judge (a model list, an
 * embedding) and cut to a few KiB when they go into a report. Every key the run holds is masked
 * once more where output leaves the process (heldSecrets, applied by the command's printer).
 */

/** What a report shows of a body. */
export const BODY_LIMIT = 2048
/** What a probe keeps of a body for judging it. */
export const OBSERVE_LIMIT = 256 * 1024
/** Shorter values are not masked as secrets: a 3-character "key" would mask every word it occurs in. */
const MIN_SECRET = 4

const SECRET_PATTERNS: RegExp[] = [
  /(authorization|api[-_]?key|token|secret|password|passwd|cookie)(["']?\s*[:=]\s*["']?)([^"'\s,;}]+)/gi,
  /\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]+/g,
  // Credentials in a URL (scheme://user:password@host), in a message or a Location header.
  /\b([a-z][a-z0-9+.-]*:\/\/)[^\s/?#@:]+:[^\s/?#@]+@/gi,
]

/**
 * The forms a secret takes in text: as given, the bare key of a header value (`Bearer KEY` is sent,
 * a backend echoes `KEY`), URL-encoded and JSON-escaped. Longest first, so a form never leaves a
 * piece of a longer one behind.
 */
function secretForms(secrets: readonly string[]): string[] {
  const forms = new Set<string>()
  for (const secret of secrets) {
    const bare = secret.replace(/^(Bearer|Basic|Token)\s+/i, '')
    for (const value of [secret, bare]) {
      forms.add(value)
      forms.add(encodeURIComponent(value))
      forms.add(JSON.stringify(value).slice(1, -1))
    }
  }
  return [...forms].filter((f) => f.length >= MIN_SECRET).sort((a, b) => b.length - a.length)
}

/** Masks the given secret values (header values or keys) in every form they take, and nothing else. */
export function maskValues(text: string, secrets: readonly string[]): string {
  let out = text
  for (const s of secretForms(secrets)) out = out.split(s).join('***')
  return out
}

/** Masks credentials in free text, and any of the known secret values given (header values or keys). */
export function redact(text: string, secrets: readonly string[] = []): string {
  let out = maskValues(text, secrets)
  out = out.replace(SECRET_PATTERNS[0]!, (_m, key: string, sep: string) => `${key}${sep}***`)
  out = out.replace(SECRET_PATTERNS[1]!, (_m, scheme: string) => `${scheme} ***`)
  out = out.replace(SECRET_PATTERNS[2]!, (_m, scheme: string) => `${scheme}***@`)
  return out
}

/**
 * The start of a body, bounded (by default to what a probe keeps), with secrets masked. Masked
 * before the cut, so a key that straddles the limit cannot leave its first half in the report.
 */
export function bodyStart(body: string, secrets: readonly string[] = [], limit = OBSERVE_LIMIT): string {
  if (body.length <= limit) return redact(body, secrets)
  const masked = redact(body.slice(0, limit + 1024), secrets)
  return `${masked.slice(0, limit)}…`
}

/** Log lines, bounded in count and width, with secrets masked. */
export function boundLines(lines: readonly string[], max = 20, width = 300): string[] {
  return lines.slice(-max).map((l) => {
    const masked = redact(l.length > width + 1024 ? l.slice(0, width + 1024) : l)
    return masked.length > width ? `${masked.slice(0, width)}…` : masked
  })
}

/** Masks every string inside a value (a report, an error object); keys and structure stay. */
export function maskDeep<T>(value: T, mask: (text: string) => string): T {
  if (typeof value === 'string') return mask(value) as T
  if (Array.isArray(value)) return value.map((v) => maskDeep(v, mask)) as T
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, maskDeep(v, mask)])) as T
  }
  return value
}

/**
 * Every key this process holds, from the env vars the inventory names: masked in all output at
 * the one place output leaves (the command's printer and error path), whatever produced the text.
 */
const held: string[] = []

/** Records keys the run holds (called when the inventory is loaded). */
export function holdSecrets(values: Iterable<string | undefined>): void {
  for (const value of values) if (value && value.trim().length >= MIN_SECRET) held.push(value, value.trim())
}

/**
 * Text with every held key masked. Only the keys: the credential patterns would also mask a
 * hint's `-H "api-key: $VAR"`, which is a command to paste, not a secret.
 */
export function maskHeld(text: string): string {
  return held.length ? maskValues(text, held) : text
}
