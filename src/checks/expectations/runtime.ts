import type {Expectation} from '../../model/check-spec.js'
import {containerOomJudgement, unitOom, unitOomJudgement} from './oom.js'
import type {OomWords} from './oom.js'

/**
 * A systemd unit must be active; its journal is the evidence when it is not. `words` name its
 * guest for the hints of an OOM kill (the limit to raise is only known once observed).
 */
export function unitActive(unit: string, words?: OomWords): Expectation {
  return (obs) => {
    if (obs.kind !== 'unit') return mismatch(obs.kind)
    const state = `${obs.active}${obs.sub ? ` (${obs.sub})` : ''}`
    if (obs.active === 'active') {
      const running = `unit ${unit} is active${obs.sub ? ` (${obs.sub})` : ''}${obs.mainPid ? `, pid ${obs.mainPid}` : ''}`
      // NRestarts counts systemd's own restarts since the last start by hand: it crashed meanwhile
      // (real-systemd-findings S4d: a crash loop caught while the process runs).
      if (obs.restarts) return {status: 'warn', summary: `${running}, but systemd restarted it ${obs.restarts} times`, finding: 'service_restarting', evidence: obs.logs}
      return {status: 'pass', summary: running}
    }
    if (obs.active === 'not-found') return {status: 'fail', summary: `unit ${unit} does not exist in this CT`, finding: 'runtime_missing'}
    // Dead of the OOM killer (failed, or waiting to be restarted): its memory limit, not a bug in it.
    const oom = obs.active === 'failed' || obs.sub === 'auto-restart' ? unitOom(obs) : undefined
    if (oom) return unitOomJudgement(unit, obs, oom, words)
    // Real systemd between two tries of Restart=: activating (auto-restart), NRestarts still 0 during
    // the first wait. The process died; it is not starting.
    if (obs.active === 'activating' && obs.sub === 'auto-restart') {
      return {status: 'fail', summary: `unit ${unit} crashed and waits to be restarted (${state})${obs.restarts ? `, ${obs.restarts} restarts` : ''}`, finding: 'service_crashed', evidence: obs.logs}
    }
    if (obs.active === 'activating') return {status: 'warn', summary: `unit ${unit} is starting (${state})`, finding: 'service_starting', evidence: obs.logs}
    const crashed = obs.active === 'failed' || (obs.restarts ?? 0) > 0
    return {
      status: 'fail',
      summary: `unit ${unit} is ${state}${obs.restarts ? `, ${obs.restarts} restarts` : ''}`,
      finding: crashed ? 'service_crashed' : 'service_down',
      evidence: obs.logs,
    }
  }
}

/**
 * A docker container must be running; its logs are the evidence when it is not. A compose service
 * is named as such, with the container its labels found.
 */
export function containerRunning(name: string, compose?: {project: string; service: string}, words?: OomWords): Expectation {
  return (obs) => {
    if (obs.kind !== 'container') return mismatch(obs.kind)
    const found = obs.found?.length ? ` (container ${obs.found.join(', ')})` : ''
    const it = compose ? `compose service ${compose.service} of project ${compose.project}${found}` : `container ${name}`
    if (obs.state === 'running') {
      const restarts = obs.restarts ?? 0
      if (restarts > 0) return {status: 'warn', summary: `${it} is running but restarted ${restarts} times`, finding: 'service_restarting', evidence: obs.logs}
      return {status: 'pass', summary: `${it} is running`}
    }
    if (obs.state === 'missing') {
      const none = compose ? `no container has the labels of compose service ${compose.service} of project ${compose.project} in this guest` : `no container named ${name} in this CT`
      return {status: 'fail', summary: none, finding: 'runtime_missing', evidence: obs.logs}
    }
    if (obs.state === 'restarting') return {status: 'fail', summary: `${it} is restarting (exit ${obs.exitCode ?? '?'}), crash loop`, finding: 'service_crashed', evidence: obs.logs}
    if (obs.oomKilled) return containerOomJudgement(it, obs, words)
    const signal = STOP_SIGNALS[obs.exitCode ?? 0]
    const crashed = (obs.exitCode ?? 0) !== 0 && !signal
    return {
      status: 'fail',
      summary: `${it} is ${obs.state}${obs.exitCode !== undefined ? ` (exit ${obs.exitCode}${signal ? `: ${signal}` : ''})` : ''}`,
      finding: crashed ? 'service_crashed' : 'service_down',
      evidence: obs.logs,
    }
  }
}

/**
 * Exit codes of a container stopped rather than crashed: `docker stop` sends SIGTERM and, after its
 * grace period, SIGKILL; a PID 1 without a TERM handler (a shell, many images) only dies of the
 * KILL (137), one that dies of the TERM (tini with --init) gives 143. Not an OOM kill (OOMKilled
 * false); a segfault (139) or an abort (134) stays a crash.
 */
const STOP_SIGNALS: Readonly<Record<number, string>> = {
  137: 'SIGKILL, stopped by docker stop after its grace period or docker kill',
  143: 'SIGTERM, stopped by docker stop',
}

function mismatch(kind: string) {
  return {status: 'unknown' as const, summary: `unexpected observation ${kind}`}
}
