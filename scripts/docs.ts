// Rewrites the README's causes table from the code (npm run docs); test/docs/readme.test.ts keeps them equal.
import {readFileSync, writeFileSync} from 'node:fs'

import {causesTable} from '../src/output/causes-table.js'

const file = new URL('../README.md', import.meta.url)
const text = readFileSync(file, 'utf8')
const updated = text.replace(/<!-- causes:start -->[\s\S]*<!-- causes:end -->/, `<!-- causes:start -->\n${causesTable()}\n<!-- causes:end -->`)
writeFileSync(file, updated)
