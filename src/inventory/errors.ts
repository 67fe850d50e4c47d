/**
 * A problem with the user's input: the config file, a flag, a service name. Commands print its
 * message as one paragraph (no stack trace) and exit 64.
 */
export class UsageError extends Error {
  override readonly name = 'UsageError'
}

/** A config problem, naming the file, the line where known, the key path and the fix. */
export class ConfigError extends UsageError {
  constructor(
    readonly file: string,
    readonly keyPath: string,
    readonly problem: string,
    readonly fix: string,
    readonly line?: number,
  ) {
    const where = line ? `${file}:${line}` : file
    super(`${where}: ${keyPath ? `${keyPath}: ` : ''}${problem}\n  fix: ${fix}`)
  }
}
