#!/usr/bin/env -S npx tsx
// Runs the TypeScript sources directly, for development; bin/run.js runs the build.
import {execute} from '@oclif/core/execute'

await execute({development: true, dir: import.meta.url})
