import {describe, expect, it} from 'vitest'

import {parseTraefikFiles} from '../../src/gateway/traefik-config.js'
import {tomlLocator} from '../../src/gateway/traefik-toml.js'

const FILE = '/etc/traefik/dynamic/dynamic_conf.toml'

/** Traefik's documented TOML shape: tables per router and service, an array table per server. */
const TOML = `# dynamic configuration (TOML)
[http.routers]
  [http.routers.ollama]
    rule = "Host(\`ollama.internal.example\`)"
    service = "ollama"
    entryPoints = ["websecure"]
    middlewares = ["strip-api"]
    [http.routers.ollama.tls]

  [http.routers."open-webui"]
    rule = "Host(\`chat.internal.example\`)"
    service = "open-webui"
    priority = 50

[http.services]
  [http.services.ollama.loadBalancer]
    [http.services.ollama.loadBalancer.healthCheck]
      path = "/api/version"
    [[http.services.ollama.loadBalancer.servers]]
      url = "http://10.0.0.155:11434"
    [[http.services.ollama.loadBalancer.servers]]
      url = "http://10.0.0.156:11434"
  [http.services.open-webui.loadBalancer]
    servers = [
      { url = "http://10.0.0.157:8080" },
      { url = "http://10.0.0.158:8080" },
    ]

[http.middlewares.strip-api.stripPrefix]
  prefixes = ["/api"]
[http.middlewares.add.addPrefix]
  prefix = "/v1"

[[tls.certificates]]
  certFile = "/etc/traefik/certs/internal.crt"
  keyFile = "/etc/traefik/certs/internal.key"
`

describe("Traefik's dynamic configuration in TOML", () => {
  it('reads routers, services, middlewares and tls.certificates with the line each is written at', () => {
    const c = parseTraefikFiles([{path: FILE, text: TOML}])
    expect(c.problems).toEqual([])
    expect(c.routers).toEqual([
      {name: 'ollama', rule: 'Host(`ollama.internal.example`)', service: 'ollama', entryPoints: ['websecure'], middlewares: ['strip-api'], tls: true, at: {file: FILE, line: 3}},
      {name: 'open-webui', rule: 'Host(`chat.internal.example`)', service: 'open-webui', priority: 50, at: {file: FILE, line: 10}},
    ])
    expect(c.services).toEqual([
      {name: 'ollama', healthCheckPath: '/api/version', at: {file: FILE, line: 16}, servers: [{url: 'http://10.0.0.155:11434', at: {file: FILE, line: 20}}, {url: 'http://10.0.0.156:11434', at: {file: FILE, line: 22}}]},
      {name: 'open-webui', at: {file: FILE, line: 23}, servers: [{url: 'http://10.0.0.157:8080', at: {file: FILE, line: 25}}, {url: 'http://10.0.0.158:8080', at: {file: FILE, line: 26}}]},
    ])
    expect(c.middlewares).toEqual([{name: 'strip-api', stripPrefix: ['/api'], at: {file: FILE, line: 29}}, {name: 'add', addPrefix: '/v1', at: {file: FILE, line: 31}}])
    expect(c.tlsCertificates).toEqual([{certFile: '/etc/traefik/certs/internal.crt', keyFile: '/etc/traefik/certs/internal.key', at: {file: FILE, line: 34}}])
  })

  it('YAML and TOML of the same configuration read the same (lines aside)', () => {
    const yaml = `http:
  routers:
    ollama: {rule: "Host(\`ollama.internal.example\`)", service: ollama, entryPoints: [websecure], middlewares: [strip-api], tls: {}}
    open-webui: {rule: "Host(\`chat.internal.example\`)", service: open-webui, priority: 50}
  services:
    ollama: {loadBalancer: {healthCheck: {path: /api/version}, servers: [{url: "http://10.0.0.155:11434"}, {url: "http://10.0.0.156:11434"}]}}
    open-webui: {loadBalancer: {servers: [{url: "http://10.0.0.157:8080"}, {url: "http://10.0.0.158:8080"}]}}
  middlewares:
    strip-api: {stripPrefix: {prefixes: [/api]}}
    add: {addPrefix: {prefix: /v1}}
tls:
  certificates:
    - {certFile: /etc/traefik/certs/internal.crt, keyFile: /etc/traefik/certs/internal.key}
`
    const strip = (x: unknown): unknown => JSON.parse(JSON.stringify(x, (k, v: unknown) => (k === 'at' ? undefined : v)))
    expect(strip(parseTraefikFiles([{path: 'a.yml', text: yaml}]))).toEqual(strip(parseTraefikFiles([{path: 'a.toml', text: TOML}])))
  })

  it('dotted keys, quoted keys and array tables nested in array tables find their lines', () => {
    const line = tomlLocator('http.routers.a.rule = "Host(`a`)"\n[[x.y]]\nk = 1\n[[x.y]]\n[x.y.z]\n"q.r" = 2\ns = """\n[fake.header]\n"""\n[fake2]\n')
    expect([line(['http', 'routers', 'a']), line(['x', 'y', 0, 'k']), line(['x', 'y', 1]), line(['x', 'y', 1, 'z', 'q.r']), line(['fake']), line(['fake2'])]).toEqual([1, 3, 4, 6, 0, 10])
  })

  it('bad TOML is a problem with its file:line, never a throw; the other files are still read', () => {
    const c = parseTraefikFiles([
      {path: '/d/bad.toml', text: '[http.routers.a]\nrule = "Host(`a`)"\nservice = \n'},
      {path: '/d/dup.toml', text: '[http.routers.a]\nrule = "x"\n[http.routers.a]\nrule = "y"\n'},
      {path: '/d/good.toml', text: '[http.routers.b]\nrule = "Host(`b`)"\nservice = "b"\n'},
    ])
    expect(c.problems).toEqual([expect.stringMatching(/^\/d\/bad\.toml:3: /), expect.stringMatching(/^\/d\/dup\.toml:3: /)])
    expect(c.routers.map((r) => r.name)).toEqual(['b'])
  })

  it('bounded: a file cut at the probe\'s cap, or nested past reason, is a problem too', () => {
    const big = Array.from({length: 20_000}, (_, i) => `[http.routers.r${i}]\nrule = "Host(\`r${i}.example\`)"\nservice = "s"\n`).join('').slice(0, 262_144)
    const cut = parseTraefikFiles([{path: '/d/big.toml', text: big}])
    expect(cut.routers.length + cut.problems.length).toBeGreaterThan(0)
    const deep = parseTraefikFiles([{path: '/d/deep.toml', text: `a = ${'['.repeat(100_000)}`}])
    expect(deep.problems).toEqual([expect.stringMatching(/^\/d\/deep\.toml:\d+: /)])
  })
})
