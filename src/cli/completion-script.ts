/**
 * Shell completion for bash, generated from the commands' own flag definitions, so
 * a new flag completes without touching this file. Service names are not baked in: the script asks
 * `phoenix completion --names` at completion time, so they follow the inventory (and its --config).
 */

export interface CompletedFlag {
  name: string
  char?: string
  /** The flag takes a value (else it is a switch). */
  takesValue: boolean
  /** The values it accepts, when it lists them (--layer, --format). */
  options?: readonly string[]
  /** The value is a file or directory path (--config, --textfile). */
  path?: boolean
}

export interface CompletedCommand {
  /** Words as typed: `check`, `gateway routes`. */
  id: string
  flags: CompletedFlag[]
  /** Its arguments are service names from the inventory. */
  takesServices: boolean
  /** The values its argument accepts, when it lists them (`completion bash`). */
  argValues?: readonly string[]
}

/** bash only: zsh users load it through bashcompinit (a zsh script here would be one no test runs). */
export const SHELLS = ['bash'] as const
export type Shell = (typeof SHELLS)[number]

/** Names a shell function may carry: the bin is validated, never pasted raw into the script. */
const SAFE_WORD = /^[a-z][a-z0-9_-]*$/i

export function completionScript(_shell: Shell, bin: string, commands: CompletedCommand[]): string {
  if (!SAFE_WORD.test(bin)) throw new Error(`cannot generate completion for a bin named ${JSON.stringify(bin)}`)
  return `${bashFunction(bin, commands)}complete -F _${fn(bin)}_complete ${bin}\n`
}

function bashFunction(bin: string, commands: CompletedCommand[]): string {
  const ids = [...commands].sort((a, b) => b.id.split(' ').length - a.id.split(' ').length || a.id.localeCompare(b.id))
  const firstWords = [...new Set(commands.map((c) => c.id.split(' ')[0]!))].sort()
  const topics = [...new Set(commands.filter((c) => c.id.includes(' ')).map((c) => c.id.split(' ')[0]!))].sort()
  const lines = [
    `# ${bin} shell completion: commands, flags, flag values and service names from the inventory.`,
    `_${fn(bin)}_complete() {`,
    '  local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD-1]}',
    '  local w1=${COMP_WORDS[1]} w2=${COMP_WORDS[2]} cmd="" used=1 config="" i',
    '  COMPREPLY=()',
    // The inventory the line names, so the service names come from the same file the run will read.
    '  for ((i = 1; i < COMP_CWORD; i++)); do',
    '    case ${COMP_WORDS[i]} in --config|-c) config=${COMP_WORDS[i+1]} ;; --config=*) config=${COMP_WORDS[i]#--config=} ;; esac',
    '  done',
    '  case "$w1 $w2" in',
    ...ids.filter((c) => c.id.includes(' ')).map((c) => `    ${quoteWord(c.id)}) cmd=${quoteWord(c.id)}; used=2 ;;`),
    '  esac',
    '  if [ -z "$cmd" ]; then',
    '    case $w1 in',
    ...ids.filter((c) => !c.id.includes(' ')).map((c) => `      ${quoteWord(c.id)}) cmd=${quoteWord(c.id)} ;;`),
    '    esac',
    '  fi',
    '  if [ "$COMP_CWORD" -le 1 ]; then',
    `    COMPREPLY=($(compgen -W ${quoteWord(firstWords.join(' '))} -- "$cur")); return`,
    '  fi',
    ...topics.map((t) => {
      const subs = commands.filter((c) => c.id.startsWith(`${t} `)).map((c) => c.id.slice(t.length + 1))
      return `  if [ "$COMP_CWORD" -eq 2 ] && [ "$w1" = ${quoteWord(t)} ] && [ "$used" = 1 ]; then COMPREPLY=($(compgen -W ${quoteWord(subs.join(' '))} -- "$cur")); return; fi`
    }),
    '  [ "$COMP_CWORD" -le "$used" ] && return',
    '  case "$cmd" in',
    ...commands.map((c) => commandCase(bin, c)),
    '  esac',
    '}',
  ]
  return `${lines.join('\n')}\n`
}

function commandCase(bin: string, c: CompletedCommand): string {
  const flagWords = c.flags.flatMap((f) => [`--${f.name}`, ...(f.char ? [`-${f.char}`] : [])]).sort()
  const valued = c.flags.filter((f) => f.takesValue)
  const valueCases = valued.map((f) => {
    const pattern = [`--${f.name}`, ...(f.char ? [`-${f.char}`] : [])].map(quoteWord).join('|')
    if (f.options?.length) return `        ${pattern}) COMPREPLY=($(compgen -W ${quoteWord(f.options.join(' '))} -- "$cur")); return ;;`
    if (f.path) return `        ${pattern}) compopt -o filenames 2>/dev/null; COMPREPLY=($(compgen -f -- "$cur")); return ;;`
    return `        ${pattern}) return ;;`
  })
  const services = c.takesServices
    ? `      COMPREPLY=($(compgen -W "$(${bin} completion --names \${config:+--config "$config"} 2>/dev/null)" -- "$cur"))`
    : c.argValues?.length
      ? `      COMPREPLY=($(compgen -W ${quoteWord(c.argValues.join(' '))} -- "$cur"))`
      : '      :'
  return [
    `    ${quoteWord(c.id)})`,
    ...(valueCases.length ? ['      case $prev in', ...valueCases, '      esac'] : []),
    `      if [[ $cur == -* ]]; then COMPREPLY=($(compgen -W ${quoteWord(flagWords.join(' '))} -- "$cur")); return; fi`,
    services,
    '      ;;',
  ].join('\n')
}

function fn(bin: string): string {
  return bin.replace(/-/g, '_')
}

/** A single-quoted shell word (the generated script never expands what a command id or option holds). */
function quoteWord(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`
}
