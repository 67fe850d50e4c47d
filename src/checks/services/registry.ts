import type {ServiceKind} from '../../model/inventory.js'
import {httpKind} from './http.js'
import type {ServiceKindModule} from './kind.js'
import {llamaCppKind} from './llamacpp.js'
import {n8nKind} from './n8n.js'
import {nginxKind} from './nginx.js'
import {ollamaKind} from './ollama.js'
import {openWebUiKind} from './openwebui.js'
import {qdrantKind} from './qdrant.js'
import {vllmKind} from './vllm.js'

/**
 * Every service kind; the Record type makes the compiler name this table when a kind is added.
 * Made on first use, not at import: the nginx kind reads other kinds (their client paths), so the
 * modules import each other, and a table built at import time could catch one half-loaded.
 */
let table: Record<ServiceKind, ServiceKindModule> | undefined

/** The module of a service kind. */
export function kindModule(kind: ServiceKind): ServiceKindModule {
  return kindTable()[kind]
}

/** Every kind's module, in the table's order. */
export function kindModules(): ServiceKindModule[] {
  return Object.values(kindTable())
}

function kindTable(): Record<ServiceKind, ServiceKindModule> {
  table ??= {
    http: httpKind,
    vllm: vllmKind,
    ollama: ollamaKind,
    qdrant: qdrantKind,
    n8n: n8nKind,
    openwebui: openWebUiKind,
    llamacpp: llamaCppKind,
    nginx: nginxKind,
  }
  return table
}
