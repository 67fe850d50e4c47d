import {defineConfig} from 'vitest/config'

export default defineConfig({
  test: {
    // @oclif/test's runCommand reads stdout; vitest must not intercept console output.
    disableConsoleIntercept: true,
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Lab tests share namespaces and ports: one file at a time keeps them independent.
    fileParallelism: false,
  },
})
