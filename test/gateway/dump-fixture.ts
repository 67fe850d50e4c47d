/** Test helpers for nginx configs written as `nginx -T` prints them. */

/** `nginx -T` stdout for these files: a header, the file, then the newline nginx adds. */
export function dump(files: Record<string, string>): string {
  return Object.entries(files).map(([file, text]) => `# configuration file ${file}:\n${text}\n`).join('')
}

/** The 1-based line of the first line containing `needle`. */
export function lineOf(text: string, needle: string): number {
  const i = text.split('\n').findIndex((l) => l.includes(needle))
  if (i === -1) throw new Error(`fixture has no line with ${needle}`)
  return i + 1
}
