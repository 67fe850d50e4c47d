import {describe, expect, it} from 'vitest'

import {containerRunning} from '../../src/checks/expectations/runtime.js'
import {containerSnippet, parseContainer} from '../../src/checks/probes/container.js'
import {parseScan} from '../../src/inventory/discovery/guest-scan.js'
import {ConfigError} from '../../src/inventory/errors.js'
import {parseInventory} from '../../src/inventory/load.js'
import {hintsFor} from '../../src/verdict/hints.js'

/**
 * A service of a docker compose stack (`runtime: { compose: { project, service } }`): its container
 * is found by the labels compose gives it, whatever compose named it (v1 ai-stack_qdrant_1, v2
 * ai-stack-qdrant-1, or a container_name). The lab's VM 1002 runs one with Debian's docker-compose
 * (fault-matrix row compose-stopped); here, what the probe prints and how it is read and judged.
 */

const COMPOSE = {project: 'ai-stack', service: 'qdrant'}
const judge = containerRunning('ai-stack/qdrant', COMPOSE)

function inventory(runtime: string): string {
  return `proxmox: { host: local }\ngateway: { ctid: 953, address: 10.0.0.153, url: http://10.0.0.153 }\nservices:\n  qdrant: { kind: qdrant, vmid: 1002, address: 10.0.0.162, port: 6333, runtime: ${runtime}, route: /qdrant/ }\n`
}

describe('a compose service', () => {
  it('is looked up by its labels, each a quoted word, and inspected by the name docker gave it', () => {
    const script = containerSnippet({kind: 'container', name: 'ai-stack/qdrant', compose: COMPOSE, logLines: 20}, 3000)
    expect(script).toContain(`docker ps -a --filter 'label=com.docker.compose.project=ai-stack' --filter 'label=com.docker.compose.service=qdrant' --format '{{.Names}}'`)
    expect(script).toContain('docker inspect -f')
    expect(script).toContain('"$_n"')
    expect(script).not.toContain('ai-stack-qdrant-1')
  })

  it('running: named as the compose service, with the container its labels found', () => {
    const obs = parseContainer(['@@found ai-stack_qdrant_1', 'running 0 0 false', '@@logs', 'qdrant: ready', '@@end'])
    expect(obs).toMatchObject({kind: 'container', state: 'running', found: ['ai-stack_qdrant_1']})
    expect(judge(obs, new Map())).toMatchObject({status: 'pass', summary: 'compose service qdrant of project ai-stack (container ai-stack_qdrant_1) is running'})
  })

  it('stopped with docker compose stop (exit 0): service_down, the container named', () => {
    const j = judge(parseContainer(['@@found ai-stack-qdrant-1', 'exited 0 0 false', '@@logs', '@@end']), new Map())
    expect(j).toMatchObject({status: 'fail', finding: 'service_down', summary: 'compose service qdrant of project ai-stack (container ai-stack-qdrant-1) is exited (exit 0)'})
  })

  it('no container has its labels: runtime_missing, not a crash', () => {
    const obs = parseContainer(['@@found', 'Error: No such container: no container has the labels of compose service qdrant of project ai-stack', '@@end'])
    expect(obs).toMatchObject({state: 'missing', found: []})
    expect(judge(obs, new Map())).toMatchObject({status: 'fail', finding: 'runtime_missing', summary: 'no container has the labels of compose service qdrant of project ai-stack in this guest'})
  })

  it("docker's own error (the daemon down) is shown as docker said it, not as a missing container", () => {
    const obs = parseContainer(['Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?', '@@found', '@@end'])
    expect(obs).toMatchObject({state: 'unknown'})
    expect(obs.kind === 'container' && obs.logs.join('\n')).toMatch(/Cannot connect to the Docker daemon/)
  })

  it('the inventory takes { compose: { project, service } }; a project name compose would refuse is exit 64 at its line', () => {
    expect(parseInventory(inventory('{ compose: { project: ai-stack, service: qdrant } }'), 'p.yaml').services[0]!.runtime).toEqual({compose: COMPOSE})
    expect(() => parseInventory(inventory('{ compose: { project: AI Stack, service: qdrant } }'), 'p.yaml')).toThrow(ConfigError)
    expect(() => parseInventory(inventory('{ compose: { project: AI Stack, service: qdrant } }'), 'p.yaml')).toThrow(/p\.yaml:4: services\.qdrant\.runtime\.compose\.project: .*compose project name/)
    expect(() => parseInventory(inventory('{ compose: { project: ai-stack } }'), 'p.yaml')).toThrow('runtime.compose.service: missing\n  fix: add service: qdrant')
    expect(() => parseInventory(inventory('{ docker: qdrant, compose: { project: a, service: b } }'), 'p.yaml')).toThrow(/exactly one of systemd, docker or compose/)
  })

  it("hints act on the project and service as compose v2 does, without its file, inside the VM", () => {
    const inv = parseInventory(inventory('{ compose: { project: ai-stack, service: qdrant } }'), 'p.yaml')
    const hints = hintsFor('service_down', inv.services[0]!, inv)
    expect(hints.map((h) => h.command)).toEqual([
      expect.stringMatching(/^qm guest exec 1002 .*docker compose -p ai-stack restart qdrant/),
      expect.stringMatching(/^qm guest exec 1002 .*docker compose -p ai-stack logs --tail 50 qdrant/),
    ])
    expect(hints[0]!.fix).toBe('restart_service')
  })

  it('phoenix init reads the compose labels: a stack container becomes a compose runtime', () => {
    const scan = parseScan([
      '@@phoenix-scan:docker',
      'CONTAINER ID   IMAGE                   COMMAND             CREATED       STATUS       PORTS                    NAMES',
      'a1b2c3d4e5f6   qdrant/qdrant:v1.12.4   "./entrypoint.sh"   2 weeks ago   Up 3 days    0.0.0.0:6333->6333/tcp   ai-stack_qdrant_1',
      'b1b2c3d4e5f6   n8nio/n8n:1.80.0        "tini -- /docker"   2 weeks ago   Up 3 days    0.0.0.0:5678->5678/tcp   n8n',
      '@@phoenix-scan:compose',
      'ai-stack_qdrant_1 ai-stack qdrant',
      '',
    ].join('\n'))
    expect(scan.containers).toEqual([
      {name: 'ai-stack_qdrant_1', image: 'qdrant/qdrant:v1.12.4', compose: COMPOSE},
      {name: 'n8n', image: 'n8nio/n8n:1.80.0'},
    ])
  })
})
