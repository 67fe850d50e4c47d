import {parseArgs} from 'node:util'

/** The services the emulator can imitate; `http` is a generic /healthz service. */
export const PROFILE_NAMES = ['vllm', 'ollama', 'qdrant', 'n8n', 'openwebui', 'llamacpp', 'http'] as const
export type ProfileName = (typeof PROFILE_NAMES)[number]

/** Injectable failures. `hang`, `slow` and `crash` work everywhere; the rest are per profile. */
export const FAULTS = ['hang', 'slow', 'crash', 'oom', 'unhealthy', 'starting', 'db-down', 'not-ready', 'kv-full'] as const
export type Fault = (typeof FAULTS)[number]

/** The parsed command line. The API key itself is held here, never printed. */
export interface Options {
  profile: ProfileName
  host: string
  port: number
  /** As given with --model; each profile picks its own default when empty. */
  models: string[]
  task: 'chat' | 'embed'
  dim: number
  apiKey: string | undefined
  collections: string[]
  fault: Fault | undefined
  slowMs: number
  startupMs: number
  /** Ollama: apply its Host-header guard whatever the listen address (see host-guard.ts). */
  hostGuard: boolean
}

export const USAGE = `usage: main.ts --profile ${PROFILE_NAMES.join('|')} --port N [--host ADDR]
  [--model NAME]... [--task chat|embed] [--dim N] [--api-key-env NAME] [--collection NAME]...
  [--fault ${FAULTS.join('|')}] [--slow-ms N] [--startup-ms N] [--host-guard]`

/** A command-line mistake: main prints it with the usage and exits 2. */
export class UsageError extends Error {}

function oneOf<T extends string>(value: string | undefined, allowed: readonly T[], flag: string): T | undefined {
  if (value === undefined) return undefined
  if ((allowed as readonly string[]).includes(value)) return value as T
  throw new UsageError(`--${flag} must be one of ${allowed.join(', ')} (got "${value}")`)
}

function integer(value: string | undefined, flag: string, fallback: number, min: number, max: number): number {
  if (value === undefined) return fallback
  const n = Number(value)
  if (!Number.isInteger(n) || n < min || n > max) throw new UsageError(`--${flag} must be an integer in ${min}..${max} (got "${value}")`)
  return n
}

/** Reads the key from the named variable; an unset or empty variable is a lab setup bug, so say so. */
function apiKeyFrom(envName: string | undefined, env: NodeJS.ProcessEnv): string | undefined {
  if (envName === undefined) return undefined
  const key = env[envName]
  if (!key) throw new UsageError(`--api-key-env ${envName}: that environment variable is unset or empty`)
  return key
}

export function parseOptions(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): Options {
  let values
  try {
    ;({values} = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        profile: {type: 'string'},
        host: {type: 'string', default: '0.0.0.0'},
        port: {type: 'string'},
        model: {type: 'string', multiple: true, default: []},
        task: {type: 'string'},
        dim: {type: 'string'},
        'api-key-env': {type: 'string'},
        collection: {type: 'string', multiple: true, default: []},
        fault: {type: 'string'},
        'slow-ms': {type: 'string'},
        'startup-ms': {type: 'string'},
        'host-guard': {type: 'boolean', default: false},
      },
    }))
  } catch (error) {
    throw new UsageError((error as Error).message)
  }
  const profile = oneOf(values.profile, PROFILE_NAMES, 'profile')
  if (!profile) throw new UsageError('--profile is required')
  if (values.port === undefined) throw new UsageError('--port is required')
  return {
    profile,
    host: values.host,
    port: integer(values.port, 'port', 0, 1, 65535),
    models: values.model,
    task: oneOf(values.task, ['chat', 'embed'] as const, 'task') ?? 'chat',
    dim: integer(values.dim, 'dim', 1024, 1, 65536),
    apiKey: apiKeyFrom(values['api-key-env'], env),
    collections: values.collection,
    fault: oneOf(values.fault, FAULTS, 'fault'),
    slowMs: integer(values['slow-ms'], 'slow-ms', 3000, 0, 3_600_000),
    startupMs: integer(values['startup-ms'], 'startup-ms', 0, 0, 3_600_000),
    hostGuard: values['host-guard'],
  }
}
