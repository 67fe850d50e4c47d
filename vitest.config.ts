import {readdirSync} from 'node:fs'

import {defineConfig} from 'vitest/config'

/**
 * Two groups, one after the other. The namespace lab's files share namespaces, LXC names and the
 * lab's state, so they run one at a time, last, when nothing else loads the machine (their rows
 * judge `slow` against a threshold). Every other file (unit, loopback servers on port 0, a real sshd
 * on a port of its own, pseudo-terminals) is independent of the others and runs on every core first.
 */
const LAB_ALONE_BUT = ['test/lab/emulator.test.ts', 'test/lab/fault-batches.test.ts'] // no namespace: the emulators on loopback, the matrix's packing
const testDirs = readdirSync('test', {withFileTypes: true}).filter((d) => d.isDirectory() && d.name !== 'lab')

export default defineConfig({
  test: {
    // @oclif/test's runCommand reads stdout; vitest must not intercept console output.
    disableConsoleIntercept: true,
    testTimeout: 60_000,
    hookTimeout: 120_000,
    projects: [
      {
        extends: true,
        test: {name: 'unit', include: [...testDirs.map((d) => `test/${d.name}/**/*.test.ts`), ...LAB_ALONE_BUT], sequence: {groupOrder: 0}},
      },
      {
        extends: true,
        test: {name: 'lab', include: ['test/lab/*.test.ts'], exclude: LAB_ALONE_BUT, fileParallelism: false, sequence: {groupOrder: 1}},
      },
    ],
  },
})
