import {createHash, randomUUID} from 'node:crypto'

/** The canned answer every model gives; one word is one token, so max_tokens is easy to honour. */
const ANSWER = 'The sky looks blue because air molecules scatter short blue wavelengths of sunlight far more than long red ones.'.split(' ')

/** A generation of at most `maxTokens` tokens, and why it stopped (OpenAI's finish_reason). */
export function generate(maxTokens: number | undefined): {text: string; tokens: number; finish: 'stop' | 'length'} {
  const n = maxTokens === undefined ? ANSWER.length : Math.max(0, Math.min(maxTokens, ANSWER.length))
  return {text: ANSWER.slice(0, n).join(' '), tokens: n, finish: n < ANSWER.length ? 'length' : 'stop'}
}

/** A rough token count: words plus a few for the chat template. */
export function countTokens(text: string, overhead = 0): number {
  return text.split(/\s+/).filter(Boolean).length + overhead
}

/** A deterministic unit-length vector, so the same input always embeds the same way. */
export function embedding(input: string, dim: number): number[] {
  const values: number[] = []
  let block = Buffer.alloc(0)
  for (let i = 0; values.length < dim; i += 4) {
    if (i % 32 === 0) block = createHash('sha256').update(`${input}\u0000${i / 32}`).digest()
    values.push(block.readInt32BE(i % 32) / 2 ** 31)
  }
  const norm = Math.sqrt(values.reduce((sum, v) => sum + v * v, 0)) || 1
  return values.map((v) => Number((v / norm).toFixed(8)))
}

export function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex')
}

export function hexId(): string {
  return randomUUID().replaceAll('-', '')
}

export const unixNow = () => Math.floor(Date.now() / 1000)

/** Texts of an OpenAI/Ollama `input`, which is a string or a list of strings. */
export function inputs(v: unknown): string[] | undefined {
  if (typeof v === 'string') return [v]
  if (Array.isArray(v) && v.every((x) => typeof x === 'string')) return v as string[]
  return undefined
}
