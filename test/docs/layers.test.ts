import {readdirSync, readFileSync} from 'node:fs'
import {dirname, join, normalize, relative} from 'node:path'
import {fileURLToPath} from 'node:url'

import {describe, expect, it} from 'vitest'

/**
 * The layers of src/, top to bottom: a folder may import its own folder and the folders below it,
 * never one above (issue 12). The README's layout section lists them in this order.
 */
const LAYERS = [
  ['commands', 'hooks'],
  ['cli'],
  ['output'],
  ['run'],
  ['verdict'],
  ['checks'],
  ['gateway'],
  ['firewall'],
  ['inventory'],
  ['io'],
  ['model'],
] as const

const SRC = fileURLToPath(new URL('../../src/', import.meta.url))
const rank = new Map<string, number>(LAYERS.flatMap((folders, i) => folders.map((f) => [f, i] as [string, number])))

/** Every relative module specifier of a file: static and type imports, re-exports, dynamic imports. */
export function specifiers(source: string): string[] {
  const found: string[] = []
  for (const m of source.matchAll(/\b(?:from|import)\s*\(?\s*['"](\.{1,2}\/[^'"]+)['"]/g)) found.push(m[1]!)
  return found
}

interface Edge {
  file: string
  target: string
  from: string
  to: string
}

const files = readdirSync(SRC, {recursive: true, encoding: 'utf8'}).filter((f) => f.endsWith('.ts'))

function edges(): Edge[] {
  return files.flatMap((file) =>
    specifiers(readFileSync(join(SRC, file), 'utf8')).map((spec) => {
      const target = relative(SRC, normalize(join(SRC, dirname(file), spec)))
      return {file, target, from: file.split('/')[0]!, to: target.split('/')[0]!}
    }),
  )
}

/** Imports that point to a folder above the importer's (or to a folder no layer names). */
function upward(all: readonly Edge[]): Edge[] {
  return all.filter((e) => e.from !== e.to && !(rank.get(e.from)! < (rank.get(e.to) ?? -1)))
}

describe('layers of src/', () => {
  const all = edges()

  it('reads the imports it judges (a parser that finds nothing passes everything)', () => {
    expect(all.length).toBeGreaterThan(300)
    expect(specifiers(`import type {A} from './a.js'\nexport {b} from "../b.js"\nconst c = await import('./c.js')\nimport {\n  d,\n} from '../d/e.js'`)).toEqual([
      './a.js',
      '../b.js',
      './c.js',
      '../d/e.js',
    ])
  })

  it('places every folder of src/ in a layer', () => {
    const folders = new Set(files.map((f) => (f.includes('/') ? f.split('/')[0]! : f)))
    expect([...folders].filter((f) => !rank.has(f))).toEqual([])
  })

  it('has no import that points up, folder to folder', () => {
    expect(upward(all).map((e) => `${e.file} -> ${e.target}`)).toEqual([])
  })

  it('is described in the README in the same order', () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8')
    const section = readme.match(/<!-- layers:start -->\n([\s\S]*?)\n<!-- layers:end -->/)?.[1] ?? ''
    const order = [...new Set([...section.matchAll(/`src\/([a-z]+)\//g)].map((m) => m[1]!))]
    expect(order).toEqual(LAYERS.flat())
  })
})
