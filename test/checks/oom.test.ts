import {describe, expect, it} from 'vitest'

import {sizeWords} from '../../src/checks/expectations/oom.js'
import type {OomWords} from '../../src/checks/expectations/oom.js'
import {containerRunning, unitActive} from '../../src/checks/expectations/runtime.js'
import {parseContainer} from '../../src/checks/probes/container.js'
import {parseUnit} from '../../src/checks/probes/unit.js'

/**
 * An OOM kill, as systemd and docker print it for the probes. systemd (252, Debian 12) on a
 * cgroup v2 host (Proxmox VE 7+) says Result=oom-kill; on a cgroup v1 host (this lab's) it sees
 * only the SIGKILL: ExecMainCode=2 (CLD_KILLED), ExecMainStatus=9. docker says OOMKilled true with
 * HostConfig.Memory its --memory in bytes.
 */
const WORDS = (runtime: OomWords['runtime']): OomWords => ({run: 'pct exec 955 --', guest: {label: 'CT 955', config: 'pct config', tool: 'pct', id: 955}, runtime})

function unitVerdict(props: readonly string[], words = WORDS({systemd: 'ollama'})) {
  const obs = parseUnit([...props, '@@logs', 'ollama: loading model', '@@end'])
  return unitActive('ollama', words)(obs, new Map())
}

const FAILED = ['LoadState=loaded', 'ActiveState=failed', 'SubState=failed', 'MainPID=0', 'NRestarts=3']

describe('a unit the OOM killer ended', () => {
  it('Result=oom-kill (cgroup v2) is service_oom for certain, with MemoryMax and the hint that doubles it', () => {
    const j = unitVerdict([...FAILED, 'Result=oom-kill', 'ExecMainCode=2', 'ExecMainStatus=9', 'MemoryMax=100663296'])
    expect(j.finding).toBe('service_oom')
    expect(j.summary).toBe("unit ollama is failed (failed): the kernel's OOM killer ended it (MemoryMax=96M)")
    expect(j.hints?.map((h) => h.command)).toEqual([
      'pct exec 955 -- systemctl show -p MemoryMax -p MemoryCurrent -p Result ollama',
      'pct exec 955 -- systemctl set-property ollama MemoryMax=192M && pct exec 955 -- systemctl restart ollama',
    ])
  })

  it('a SIGKILL under a finite MemoryMax (cgroup v1: start-limit-hit after the restarts) is service_oom, said as likely', () => {
    const j = unitVerdict([...FAILED, 'Result=start-limit-hit', 'ExecMainCode=2', 'ExecMainStatus=9', 'MemoryMax=67108864'])
    expect(j.finding).toBe('service_oom')
    expect(j.summary).toMatch(/killed by SIGKILL under MemoryMax=64M, the kernel's OOM killer at that limit most likely/)
  })

  it('waiting to be restarted after an OOM kill is service_oom too', () => {
    const j = unitVerdict(['LoadState=loaded', 'ActiveState=activating', 'SubState=auto-restart', 'NRestarts=1', 'Result=oom-kill', 'MemoryMax=infinity'])
    expect(j.finding).toBe('service_oom')
    // No limit of its own: the CT's memory ran out; the hint reads it, never guesses a number.
    expect(j.hints).toEqual([expect.objectContaining({command: "pct config 955 | grep -E '^(memory|swap):'", text: expect.stringMatching(/pct set 955 --memory MiB/)})])
  })

  it.each([
    ['a SIGKILL without a limit (kill -9)', [...FAILED, 'Result=signal', 'ExecMainCode=2', 'ExecMainStatus=9', 'MemoryMax=infinity']],
    ['a SIGSEGV under a limit', [...FAILED, 'Result=core-dump', 'ExecMainCode=3', 'ExecMainStatus=11', 'MemoryMax=67108864']],
    ['an exit 1 under a limit', [...FAILED, 'Result=exit-code', 'ExecMainCode=1', 'ExecMainStatus=1', 'MemoryMax=67108864']],
  ])('%s stays service_crashed', (_name, props) => {
    expect(unitVerdict(props).finding).toBe('service_crashed')
  })

  it('a stopped unit killed earlier is service_down: only failed or auto-restart is read for a kill', () => {
    expect(unitVerdict(['LoadState=loaded', 'ActiveState=inactive', 'SubState=dead', 'Result=success', 'ExecMainCode=2', 'ExecMainStatus=9', 'MemoryMax=67108864']).finding).toBe('service_down')
  })

  it('a quoted unit name stays quoted in the hints', () => {
    const j = unitVerdict([...FAILED, 'Result=oom-kill', 'MemoryMax=1073741824'], WORDS({systemd: "vllm@it's"}))
    expect(j.hints?.[1]?.command).toBe("pct exec 955 -- systemctl set-property 'vllm@it'\\''s' MemoryMax=2G && pct exec 955 -- systemctl restart 'vllm@it'\\''s'")
  })
})

describe('a container the OOM killer ended', () => {
  const verdict = (inspect: string, runtime: OomWords['runtime'] = {docker: 'qdrant'}) =>
    containerRunning('qdrant', 'compose' in runtime ? runtime.compose : undefined, WORDS(runtime))(parseContainer([inspect, '@@logs', 'qdrant: starting', '@@end']), new Map())

  it('OOMKilled with --memory 96m: the limit and docker update to twice it', () => {
    const j = verdict('exited 3 137 true 100663296')
    expect(j.finding).toBe('service_oom')
    expect(j.summary).toBe("container qdrant was killed by the kernel's OOM killer (exit 137) at its memory limit (--memory 96m)")
    expect(j.hints?.map((h) => h.command)).toEqual(['pct exec 955 -- docker update --memory 192m --memory-swap 192m qdrant && pct exec 955 -- docker start qdrant'])
  })

  it('OOMKilled without a limit of its own: the guest ran out', () => {
    const j = verdict('exited 0 137 true 0')
    expect(j.summary).toMatch(/no --memory of its own, so the guest's memory ran out/)
    expect(j.hints?.[0]?.command).toBe("pct config 955 | grep -E '^(memory|swap):'")
  })

  it('a compose service: the compose file to change, found by its labels', () => {
    const j = verdict('exited 0 137 true 268435456', {compose: {project: 'ai-stack', service: 'qdrant'}})
    expect(j.hints?.[0]?.text).toMatch(/raise mem_limit .* of service qdrant in its compose file/)
    expect(j.hints?.[0]?.command).toBe("pct exec 955 -- docker ps -a --filter 'label=com.docker.compose.project=ai-stack' --filter 'label=com.docker.compose.service=qdrant' --format '{{.Label \"com.docker.compose.project.config_files\"}}'")
  })
})

describe('sizes as systemd and docker write them', () => {
  it.each([[100663296, '96M'], [1073741824, '1G'], [2048, '2K'], [1610612736, '1536M'], [1610612737, '1.5G'], [1000000, '1M']])('%d is %s', (n, words) => {
    expect(sizeWords(n)).toBe(words)
  })
})
