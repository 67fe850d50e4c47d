import type {Judgement} from '../../model/check-spec.js'
import type {ContainerObservation, UnitObservation} from '../../model/probes.js'
import type {Hint} from '../../model/report.js'
import {q} from '../../io/shell-words.js'
import {word} from '../hint-words.js'

/** How a service's runtime is named and entered, for the hints of an OOM kill. */
export interface OomWords {
  /** `pct exec 955 --` (the command follows). */
  run: string
  /** The CT or VM and its id, whose own memory may be what ran out: `pct config`, and its tool `pct`. */
  guest: {label: string; config: string; tool: string; id: number | string}
  runtime: {systemd: string} | {docker: string} | {compose: {project: string; service: string}}
}

const UNITS: ReadonlyArray<[string, number]> = [['G', 1024 ** 3], ['M', 1024 ** 2], ['K', 1024]]

/** Bytes as systemd and docker write a size: 96M, 1.5G; rounded to a whole M below a G. */
export function sizeWords(bytes: number): string {
  for (const [unit, size] of UNITS) {
    if (bytes >= size && bytes % size === 0) return `${bytes / size}${unit}`
  }
  return bytes >= 1024 ** 3 ? `${(bytes / 1024 ** 3).toFixed(1)}G` : `${Math.ceil(bytes / 1024 ** 2)}M`
}

/**
 * Whether the unit's last run ended in the OOM killer: systemd says so where cgroup v2 tells it
 * (Result=oom-kill, Proxmox VE 7+). On a cgroup v1 host systemd only sees the SIGKILL; with a
 * MemoryMax set, that is the OOM killer at the limit unless someone sent kill -9: said as likely.
 */
export function unitOom(obs: UnitObservation): 'certain' | 'likely' | undefined {
  if (obs.result === 'oom-kill') return 'certain'
  return obs.killedBy === 9 && obs.memoryMax !== undefined ? 'likely' : undefined
}

/** The judgement of a unit whose last run the OOM killer ended (unitOom said so). */
export function unitOomJudgement(unit: string, obs: UnitObservation, how: 'certain' | 'likely', words?: OomWords): Judgement {
  const limit = obs.memoryMax !== undefined ? ` (MemoryMax=${sizeWords(obs.memoryMax)})` : ''
  const state = `${obs.active}${obs.sub ? ` (${obs.sub})` : ''}`
  const summary = how === 'certain'
    ? `unit ${unit} is ${state}: the kernel's OOM killer ended it${limit}`
    : `unit ${unit} is ${state}: its main process was killed by SIGKILL under MemoryMax=${sizeWords(obs.memoryMax!)}, the kernel's OOM killer at that limit most likely (a cgroup v1 host tells systemd no more)`
  return {status: 'fail', summary, finding: 'service_oom', evidence: obs.logs, ...(words ? {hints: oomHints(words, obs.memoryMax)} : {})}
}

/** The judgement of a container docker saw OOM-killed. */
export function containerOomJudgement(it: string, obs: ContainerObservation, words?: OomWords): Judgement {
  const limit = obs.memoryMax !== undefined ? ` at its memory limit (--memory ${sizeWords(obs.memoryMax).toLowerCase()})` : ': no --memory of its own, so the guest\'s memory ran out'
  return {status: 'fail', summary: `${it} was killed by the kernel's OOM killer (exit ${obs.exitCode ?? 137})${limit}`, finding: 'service_oom', evidence: obs.logs, ...(words ? {hints: oomHints(words, obs.memoryMax)} : {})}
}

/**
 * What raises the limit that killed it: its own (twice what it was, a start an operator can judge)
 * or, without one, the guest's memory. Every value is phoenix's own number or a quoted name.
 */
function oomHints(w: OomWords, limit: number | undefined): Hint[] {
  const guest = {text: `Without a limit of its own, ${w.guest.label}'s memory ran out: see it, then raise it (${w.guest.tool} set ${w.guest.id} --memory MiB)`, command: `${w.guest.config} ${w.guest.id} | grep -E '^(memory|swap):'`}
  if (limit === undefined) return [guest]
  const more = sizeWords(limit * 2)
  if ('systemd' in w.runtime) {
    const unit = word(w.runtime.systemd)
    return [
      {text: `See its memory limit and what it uses now`, command: `${w.run} systemctl show -p MemoryMax -p MemoryCurrent -p Result ${unit}`},
      {text: `If it needs more than ${sizeWords(limit)}, raise MemoryMax (systemd keeps it in a drop-in) and restart it; else find what grew (the model, its context length, the load)`, command: `${w.run} systemctl set-property ${unit} MemoryMax=${more} && ${w.run} systemctl restart ${unit}`},
    ]
  }
  if ('docker' in w.runtime) {
    const name = word(w.runtime.docker)
    return [{text: `If it needs more than ${sizeWords(limit)}, raise its limit and start it (docker update lasts until the container is recreated: change --memory where it is created too)`, command: `${w.run} docker update --memory ${more.toLowerCase()} --memory-swap ${more.toLowerCase()} ${name} && ${w.run} docker start ${name}`}]
  }
  const {project, service} = w.runtime.compose
  const labels = [`com.docker.compose.project=${project}`, `com.docker.compose.service=${service}`].map((l) => `--filter ${q(`label=${l}`)}`).join(' ')
  return [{
    text: `If it needs more than ${sizeWords(limit)}, raise mem_limit (or deploy.resources.limits.memory) of service ${service} in its compose file (this prints which), then \`docker compose up -d ${service}\` beside it`,
    command: `${w.run} docker ps -a ${labels} --format ${q('{{.Label "com.docker.compose.project.config_files"}}')}`,
  }]
}
