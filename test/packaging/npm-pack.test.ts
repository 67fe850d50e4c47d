import {execFileSync} from 'node:child_process'
import {existsSync, mkdtempSync, rmSync, symlinkSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {REPO} from '../helpers/processes.js'

/** The environment without npm's own npm_* variables (vitest may run under npm, whose prefix would leak in). */
function cleanEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.toLowerCase().startsWith('npm_')))
}

/**
 * What a user does with a fresh clone: `npm pack`, then a global install of the tarball, then the
 * command. Here the clone is of this repository's committed state, with its node_modules linked
 * (the build needs the dev dependencies); the install fetches the runtime ones as npm would.
 */
describe('packaging (issue 9 item 12)', () => {
  let dir: string
  let tarball: string
  const run = (cmd: string, args: string[], cwd: string) => execFileSync(cmd, args, {cwd, env: cleanEnv(), encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 300_000})
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'phoenix-pack-'))
    run('git', ['clone', '--quiet', REPO, 'clone'], dir)
    symlinkSync(join(REPO, 'node_modules'), join(dir, 'clone', 'node_modules'))
    // prepack builds dist/ and the oclif manifest, which a fresh clone does not have.
    expect(existsSync(join(dir, 'clone', 'dist'))).toBe(false)
    const name = run('npm', ['pack', '--silent'], join(dir, 'clone')).trim().split('\n').pop()!
    tarball = join(dir, 'clone', name)
  }, 600_000)
  afterAll(() => rmSync(dir, {recursive: true, force: true}))

  it('the tarball holds the build, the manifest and the LICENSE, and neither bin/dev.js nor the tests', () => {
    const files = run('tar', ['tzf', tarball], dir).split('\n').filter(Boolean)
    expect(files).toEqual(expect.arrayContaining(['package/bin/run.js', 'package/dist/commands/check.js', 'package/oclif.manifest.json', 'package/LICENSE', 'package/README.md', 'package/package.json']))
    expect(files).not.toContain('package/bin/dev.js')
    expect(files.filter((f) => /^package\/(test|src|scripts|bench)\//.test(f))).toEqual([])
  })

  it('npm i -g of the tarball gives phoenix-diag (and phoenix), and --version works', () => {
    const prefix = join(dir, 'prefix')
    run('npm', ['install', '--global', '--prefix', prefix, '--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error', tarball], dir)
    expect(run(join(prefix, 'bin', 'phoenix-diag'), ['--version'], dir)).toMatch(/^phoenix-diag\/\d+\.\d+\.\d+ /)
    expect(run(join(prefix, 'bin', 'phoenix'), ['--version'], dir)).toMatch(/^phoenix-diag\/\d+\.\d+\.\d+ /)
    // A command that loads the commands and the manifest, not just the version.
    expect(run(join(prefix, 'bin', 'phoenix-diag'), ['check', '--help'], dir)).toContain('--deadline')
  }, 600_000)
})
