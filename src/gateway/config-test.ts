import type {ConfigTestMessage} from '../model/nginx.js'

/**
 * `nginx -t` stderr (nginx.c, ngx_conf_file.c): `nginx: [emerg] <msg> in <file>:<line>` for config
 * errors, `nginx: configuration file <main> test failed|is successful`. Start-up messages that go
 * through the error log before it is open come as log lines (`2026/08/21 10:00:00 [warn] 7#7: …`),
 * e.g. the "user" directive warning when not run as root: both shapes are read.
 */

const PREFIXED = /^nginx: \[(\w+)\] (.*)$/
const LOG_LINE = /^\d{4}\/\d{2}\/\d{2} \d{2}:\d{2}:\d{2} \[(\w+)\] \d+#\d+: (?:\*\d+ )?(.*)$/
const WHERE = /^(.*) in (\S+):(\d+)$/
const MAIN = /^nginx: (?:the )?configuration file (\S+) (?:syntax is ok|test is successful|test failed)$/

/** Reads `nginx -t` stderr: ok, and each [emerg]/[warn] with file and line. `mainFile`: the conf file tested. */
export function parseConfigTest(stderr: string, exitCode: number): {ok: boolean; messages: ConfigTestMessage[]; mainFile?: string} {
  const messages: ConfigTestMessage[] = []
  let mainFile: string | undefined
  for (const raw of stderr.split('\n')) {
    const line = raw.trimEnd()
    mainFile ??= MAIN.exec(line)?.[1]
    const m = PREFIXED.exec(line) ?? LOG_LINE.exec(line)
    if (!m) continue
    const [, level = '', text = ''] = m
    const where = WHERE.exec(text)
    messages.push(where ? {level, text: where[1]!, file: where[2]!, line: Number(where[3])} : {level, text})
  }
  return {ok: exitCode === 0, messages, ...(mainFile ? {mainFile} : {})}
}
