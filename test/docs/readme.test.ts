import {readFileSync} from 'node:fs'

import {describe, expect, it} from 'vitest'

import {CAUSES} from '../../src/verdict/causes.js'
import {causesTable} from '../../src/output/causes-table.js'

const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8')

describe('README', () => {
  it('holds the causes table exactly as the code makes it (npm run docs rewrites it)', () => {
    const section = readme.match(/<!-- causes:start -->\n([\s\S]*)\n<!-- causes:end -->/)?.[1]
    expect(section).toBe(causesTable())
  })

  it.each(Object.keys(CAUSES))('documents cause %s', (code) => {
    expect(readme).toContain(`\`${code}\``)
  })
})
