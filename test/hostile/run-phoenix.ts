import {execFile} from 'node:child_process'
import {mkdtemp, rm, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import type {Report} from '../../src/model/report.js'
import {REPO} from '../helpers/processes.js'

/** A run of the built phoenix as its own process, with its peak RSS as the kernel counted it. */
export interface MeasuredRun {
  code: number
  report: Report
  peakRssMb: number
  stderr: string
}

/**
 * Runs `phoenix check` under /usr/bin/time -v (GNU time: "Maximum resident set size"), so the bound
 * holds for the whole process, native buffers and all, not just the JS heap.
 */
export async function measuredCheck(yaml: string, args: readonly string[], env: NodeJS.ProcessEnv = process.env): Promise<MeasuredRun> {
  const dir = await mkdtemp(join(tmpdir(), 'phoenix-hostile-'))
  try {
    const config = join(dir, 'phoenix.yaml')
    await writeFile(config, yaml)
    const argv = ['-v', process.execPath, join(REPO, 'bin/run.js'), 'check', ...args, '--config', config, '--json']
    const {code, stdout, stderr} = await new Promise<{code: number; stdout: string; stderr: string}>((resolve) => {
      execFile('/usr/bin/time', argv, {env: {...env, NO_COLOR: '1'}, maxBuffer: 64 * 1024 * 1024}, (error, out, err) =>
        resolve({code: error ? Number((error as {code?: number}).code ?? 1) : 0, stdout: out, stderr: err}),
      )
    })
    const kb = Number(/Maximum resident set size \(kbytes\): (\d+)/.exec(stderr)?.[1] ?? Number.NaN)
    return {code, report: JSON.parse(stdout) as Report, peakRssMb: kb / 1024, stderr}
  } finally {
    await rm(dir, {recursive: true, force: true})
  }
}

/** A one-service inventory whose service and gateway are both the given loopback port. */
export function oneServiceYaml(port: number, extra = ''): string {
  return [
    'proxmox: {host: local}',
    `gateway: {ctid: 953, address: 127.0.0.1, url: "http://127.0.0.1:${port}"}`,
    `services: {web: {kind: http, ctid: 960, address: 127.0.0.1, port: ${port}, route: /web/${extra}}}`,
    '',
  ].join('\n')
}
