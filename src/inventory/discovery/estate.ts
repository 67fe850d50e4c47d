import type {RuntimeDef, ServiceKind} from '../../model/inventory.js'

/** What discovery (or an import) found: each value with how it was found. */

/** A value phoenix guessed, and how it found it (the draft's comment). */
export interface Guess<T> {
  value: T
  how: string
}

export interface FoundService {
  name: string
  kind: Guess<Exclude<ServiceKind, 'nginx'>>
  ctid: Guess<number>
  address: Guess<string>
  port: Guess<number>
  runtime?: Guess<RuntimeDef>
  route?: Guess<string | {host: string; path: string}>
  model?: Guess<string>
  task?: Guess<'chat' | 'embed'>
  apiKeyEnv?: Guess<string>
  /** What phoenix could not tell: each a TODO line of the draft. */
  todo: string[]
  /** What the user should know about it (a dependency, a firewall rule): NOTE lines. */
  notes?: string[]
  /** In a cluster: the node it was found on (issue 15). */
  node?: Guess<string>
}

export interface FoundGateway {
  ctid: Guess<number>
  address: Guess<string>
  url: Guess<string>
  errorLog?: Guess<string>
  nginxConf?: Guess<string>
  todo: string[]
  /** In a cluster: the node it was found on (issue 15). */
  node?: Guess<string>
}

/** The estate as discovery saw it. */
export interface Estate {
  /** `local` or `ssh root@pve:22`. */
  host: string
  gateway?: FoundGateway
  services: FoundService[]
  /** Guests and ports that are not a service phoenix knows, and what it could not read: the draft's notes. */
  notes: string[]
  /** Read on several nodes of a cluster (issue 15): the draft then asks the cluster (`proxmox: {cluster: ...}`). */
  cluster?: {asked: string; nodes: string[]}
}

/** Service names as the inventory allows them (lowercase, -, _), each once; `gateway` is taken. */
export function uniqueNames(services: FoundService[]): void {
  const seen = new Map<string, number>()
  for (const s of services) {
    const base = s.name.toLowerCase().replace(/[^a-z0-9_-]+/g, '-').replace(/-+$/, '').replace(/^[^a-z0-9]+/, '').slice(0, 50) || `ct${s.ctid.value}`
    const n = (seen.get(base) ?? 0) + 1
    seen.set(base, n)
    s.name = base === 'gateway' || n > 1 ? `${base}-${s.ctid.value}${n > 2 ? `-${n}` : ''}` : base
  }
}
