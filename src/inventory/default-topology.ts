/**
 * The estate this tool was written for (design.md): used when no config file is found. It names
 * the operators' own 10.0.0.x network; it is never probed by tests, the lab or benchmarks.
 */
export const DEFAULT_TOPOLOGY = {
  proxmox: {host: 'local'},
  gateway: {ctid: 953, address: '10.0.0.153', url: 'http://10.0.0.153'},
  services: {
    'vllm-chat': {kind: 'vllm', task: 'chat', ctid: 950, address: '10.0.0.150', port: 8000, runtime: {systemd: 'vllm-chat'}, route: '/v1/chat/completions'},
    'vllm-embed': {kind: 'vllm', task: 'embed', ctid: 951, address: '10.0.0.151', port: 8000, runtime: {systemd: 'vllm-embed'}, route: '/v1/embeddings'},
    qdrant: {kind: 'qdrant', ctid: 952, address: '10.0.0.152', port: 6333, runtime: {docker: 'qdrant'}, route: '/qdrant/'},
    n8n: {kind: 'n8n', ctid: 954, address: '10.0.0.154', port: 5678, runtime: {docker: 'n8n'}, route: '/n8n/'},
    ollama: {kind: 'ollama', ctid: 955, address: '10.0.0.155', port: 11434, runtime: {systemd: 'ollama'}, route: '/ollama/'},
    openwebui: {kind: 'openwebui', ctid: 956, address: '10.0.0.156', port: 8080, runtime: {docker: 'open-webui'}, route: '/webui/'},
    llamacpp: {kind: 'llamacpp', ctid: 957, address: '10.0.0.157', port: 8081, runtime: {systemd: 'llama-server'}, route: '/llamacpp/'},
  },
} as const
