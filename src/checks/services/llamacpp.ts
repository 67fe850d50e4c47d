import type {ServiceKindModule} from './kind.js'

/** llama.cpp's llama-server: /health 200 {"status":"ok"}; 503 "Loading model" while it loads. */
export const llamaCppKind: ServiceKindModule = {
  defaultHealth: '/health',
  verifyHealth: (status, body) =>
    status === 503 && body.includes('Loading model')
      ? {status: 'warn', summary: 'llama-server is loading its model (503 Loading model)', finding: 'service_starting'}
      : undefined,
  client: () => ({subpath: 'health', accept: () => undefined}),
}
