// What the lab's qm (qm.mjs) shares with nothing else: PVE's command-line parsing and Perl's JSON.

const BOOL = {1: true, true: true, yes: true, on: true, 0: false, false: false, no: false, off: false}

/**
 * PVE's CLI options (PVE::JSONSchema::get_options): `--name value` or `--name=value`, a boolean's
 * value optional; `--` ends the options; the rest are positional (a command's extra-args).
 */
export function argsOf(argv, spec, fail) {
  const options = {}
  const positional = []
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]
    if (a === '--') {
      positional.push(...argv.slice(i + 1))
      break
    }
    const m = /^--?([a-z][a-z0-9-]*)(?:=(.*))?$/.exec(a)
    if (!m) {
      positional.push(a)
      continue
    }
    const [, name, inline] = m
    const type = spec[name]
    if (!type) fail(`Unknown option: ${name}\n400 unable to parse option`)
    let value = inline
    if (value === undefined && !(type === 'bool' && (argv[i + 1] === undefined || argv[i + 1].startsWith('-')))) value = argv[++i]
    if (type === 'bool') {
      const b = value === undefined ? true : BOOL[value.toLowerCase()]
      if (b === undefined) fail(`400 Parameter verification failed.\n${name}: type check ('boolean') failed - got '${value}'`)
      options[name] = b
    } else {
      if (!/^\d+$/.test(value ?? '')) fail(`400 Parameter verification failed.\n${name}: type check ('integer') failed - got '${value ?? ''}'`)
      options[name] = Number(value)
    }
  }
  return {options, positional}
}

/**
 * to_json($x, {pretty => 1, canonical => 1, utf8 => 1}) as JSON::XS writes it: keys sorted, three
 * spaces of indent, `"key" : value`, a newline at the end. Strings escape as JSON.stringify does.
 */
export function perlJson(value) {
  return `${pretty(value, '')}\n`
}

function pretty(value, indent) {
  if (value === null || typeof value !== 'object') return JSON.stringify(value)
  const inner = `${indent}   `
  if (Array.isArray(value)) return value.length ? `[\n${value.map((v) => `${inner}${pretty(v, inner)}`).join(',\n')}\n${indent}]` : '[]'
  const keys = Object.keys(value).sort()
  return keys.length ? `{\n${keys.map((k) => `${inner}${JSON.stringify(k)} : ${pretty(value[k], inner)}`).join(',\n')}\n${indent}}` : '{}'
}
