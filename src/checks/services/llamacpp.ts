import type {ServiceKindModule} from './kind.js'

/** llama.cpp's llama-server: /health 200 {"status":"ok"}; 503 "Loading model" while it loads. */
export const llamaCppKind: ServiceKindModule = {
  defaultHealth: '/health',
  api: true,
  // llama-server's --api-key is also read from LLAMA_API_KEY (llama.cpp common/arg.cpp, set_env).
  key: {header: 'Authorization', bearer: true, ownEnv: 'LLAMA_API_KEY'},
  example: {name: 'llamacpp', kind: 'llamacpp', guest: {kind: 'ct', id: 957}, address: '10.0.0.157', port: 8081, runtime: {systemd: 'llama-server'}, route: {path: '/llamacpp/'}},
  verifyHealth: (status, body) =>
    status === 503 && body.includes('Loading model')
      ? {status: 'warn', summary: 'llama-server is loading its model (503 Loading model)', finding: 'service_starting'}
      : undefined,
  client: () => ({subpath: 'health', accept: () => undefined}),
}
