/**
 * The part of JSON Schema draft-07 the operators' schemas use (type, properties, patternProperties,
 * required, enum, pattern, minimum, maximum, minLength, maxLength, items): enough to check their
 * files against them without a validator dependency. Returns every problem with its key path.
 */
export interface SchemaProblem {
  path: (string | number)[]
  message: string
}

type Schema = {
  type?: string | string[]
  properties?: Record<string, Schema>
  patternProperties?: Record<string, Schema>
  required?: string[]
  enum?: unknown[]
  pattern?: string
  minimum?: number
  maximum?: number
  minLength?: number
  maxLength?: number
  items?: Schema
}

export function validateSchema(value: unknown, schema: unknown, path: (string | number)[] = []): SchemaProblem[] {
  if (!schema || typeof schema !== 'object') return []
  const s = schema as Schema
  const problems: SchemaProblem[] = []
  const fail = (message: string) => problems.push({path, message})
  if (s.type && !(Array.isArray(s.type) ? s.type : [s.type]).some((t) => hasType(value, t))) {
    fail(`expected ${Array.isArray(s.type) ? s.type.join(' or ') : s.type}, got ${describe(value)}`)
    return problems
  }
  if (s.enum && !s.enum.some((e) => e === value)) fail(`${JSON.stringify(value)} is not one of ${s.enum.map((e) => JSON.stringify(e)).join(', ')}`)
  if (typeof value === 'string') {
    if (s.pattern && !new RegExp(s.pattern, 'u').test(value)) fail(`${JSON.stringify(value)} does not match ${s.pattern}`)
    if (s.minLength !== undefined && value.length < s.minLength) fail(`shorter than ${s.minLength} characters`)
    if (s.maxLength !== undefined && value.length > s.maxLength) fail(`longer than ${s.maxLength} characters`)
  }
  if (typeof value === 'number') {
    if (s.minimum !== undefined && value < s.minimum) fail(`${value} is below the minimum ${s.minimum}`)
    if (s.maximum !== undefined && value > s.maximum) fail(`${value} is above the maximum ${s.maximum}`)
  }
  if (Array.isArray(value) && s.items) value.forEach((v, i) => problems.push(...validateSchema(v, s.items, [...path, i])))
  if (value && typeof value === 'object' && !Array.isArray(value)) {
    const obj = value as Record<string, unknown>
    for (const key of s.required ?? []) if (obj[key] === undefined) problems.push({path: [...path, key], message: 'missing (required by the schema)'})
    for (const [key, v] of Object.entries(obj)) {
      if (s.properties?.[key]) problems.push(...validateSchema(v, s.properties[key], [...path, key]))
      for (const [pattern, sub] of Object.entries(s.patternProperties ?? {})) if (new RegExp(pattern, 'u').test(key)) problems.push(...validateSchema(v, sub, [...path, key]))
    }
  }
  return problems
}

function hasType(value: unknown, type: string): boolean {
  switch (type) {
    case 'object': return value !== null && typeof value === 'object' && !Array.isArray(value)
    case 'array': return Array.isArray(value)
    case 'integer': return Number.isInteger(value)
    case 'number': return typeof value === 'number'
    case 'null': return value === null
    default: return typeof value === type
  }
}

function describe(value: unknown): string {
  if (value === null || value === undefined) return 'nothing'
  if (Array.isArray(value)) return 'a list'
  return typeof value === 'object' ? 'an object' : `${typeof value} ${JSON.stringify(value)}`
}
