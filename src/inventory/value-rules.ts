import {isIPv6} from 'node:net'

/**
 * What a config value may look like. Every value that can reach a remote shell (addresses, unit and
 * container names, paths, model names) is held to a strict pattern here, and quoted again where it
 * is used: a config value can never run a command.
 */

/** A rule: a test and the words that say what is expected. */
export interface Rule {
  test: (value: string) => boolean
  expected: string
}

const re = (pattern: RegExp, expected: string): Rule => ({test: (v) => pattern.test(v), expected})

const IPV4 = /^(25[0-5]|2[0-4]\d|1?\d?\d)(\.(25[0-5]|2[0-4]\d|1?\d?\d)){3}$/
const HOSTNAME = /^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/

export const RULES = {
  serviceName: re(/^[a-z0-9][a-z0-9_-]{0,62}$/, 'a name of at most 63 lowercase letters, digits, - and _, starting with a letter or digit (like n8n or vllm-chat)'),
  address: {
    test: (v: string) => IPV4.test(v) || isIPv6(v) || HOSTNAME.test(v),
    expected: 'an IPv4 or IPv6 address or a host name (like 10.0.0.154)',
  } satisfies Rule,
  hostName: re(HOSTNAME, 'a DNS name (like portainer.phoenix.local)'),
  unit: re(/^[A-Za-z0-9][A-Za-z0-9@._:\\-]{0,255}$/, 'a systemd unit name (like ollama or vllm-chat.service)'),
  container: re(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/, 'a docker container name (like n8n)'),
  // Compose's own rules: a project name is lowercase letters, digits, dashes and underscores.
  composeProject: re(/^[a-z0-9][a-z0-9_-]{0,62}$/, 'a compose project name (lowercase, like ai-stack)'),
  composeService: re(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$/, 'a compose service name (like qdrant)'),
  // Only what a route or health path needs: no quotes, $, `, (, ), ; or spaces (printed hints quote them anyway).
  path: re(/^\/[A-Za-z0-9._~+,=:@/%-]*$/, 'a URL path starting with / of letters, digits and . _ ~ + , = : @ % - (like /n8n/ or /v1/embeddings)'),
  healthPath: re(/^\/[A-Za-z0-9._~+,=:@/%-]*(\?[A-Za-z0-9._~+,=:@/%&-]*)?$/, 'a URL path starting with / (like /healthz or /health?ready=1)'),
  model: re(/^[A-Za-z0-9][A-Za-z0-9._:/@+-]{0,255}$/, 'a model name (like llama3.2:latest or Qwen/Qwen2.5-7B)'),
  envName: re(/^[A-Za-z_][A-Za-z0-9_]{0,127}$/, 'the NAME of an environment variable that holds the key (like QDRANT_API_KEY), never the key itself'),
  user: re(/^[a-z_][a-z0-9_.-]{0,31}$/, 'a login name (like root)'),
  absolutePath: re(/^\/[A-Za-z0-9._@+\/-]*$/, 'an absolute path inside the gateway CT (like /var/log/nginx/error.log)'),
  collection: re(/^[A-Za-z0-9_.-]{1,255}$/, 'a collection name'),
} as const

/**
 * What is wrong with a gateway base URL, or undefined when it is one phoenix can use: http(s), a
 * host and an optional path prefix, no credentials, no query, no fragment (phoenix appends routes).
 */
export function gatewayUrlProblem(value: string): string | undefined {
  let url: URL
  try {
    url = new URL(value)
  } catch {
    return 'is not a URL'
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return `uses ${url.protocol.replace(/:$/, '')}, not http or https`
  if (url.username || url.password) return 'has credentials in it (user:password@); phoenix never puts credentials in a URL'
  if (url.search || value.includes('?')) return 'has a ?query; the base URL is the scheme, host, port and an optional path prefix'
  if (url.hash || value.includes('#')) return 'has a #fragment; the base URL is the scheme, host, port and an optional path prefix'
  if (url.hostname.startsWith('[') && !isIPv6(url.hostname.slice(1, -1))) return 'has a host that is not an IPv6 address'
  return undefined
}

/** A URL as a message may show it: credentials masked (the user typed them; never repeat them). */
export function displayUrl(value: string): string {
  return value.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^/?#@]*@/i, '$1***@')
}
