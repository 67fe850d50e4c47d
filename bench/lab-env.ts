/**
 * The bench runs its own lab beside the test suite's: another namespace prefix, another state
 * dir. test/lab/topology.ts reads both when it is first imported, so this module must be the
 * first import of bench/run.ts (ES modules evaluate imports in order).
 */
import {join} from 'node:path'
import {fileURLToPath} from 'node:url'

const repo = fileURLToPath(new URL('..', import.meta.url))
process.env.PHOENIX_LAB_PREFIX ??= 'phb-'
process.env.PHOENIX_LAB_STATE ??= join(repo, '.lab-bench')

// `up` starts by taking down whatever lab has its prefix: never the suite's (phx-, .lab/).
if (process.env.PHOENIX_LAB_PREFIX === 'phx-' || process.env.PHOENIX_LAB_STATE === join(repo, '.lab')) {
  throw new Error('bench: PHOENIX_LAB_PREFIX=phx- / .lab is the test suite\'s lab; the bench would tear it down. Use another prefix and state dir (default phb-, .lab-bench).')
}
