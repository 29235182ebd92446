import { FST_AJAX_JSON_WRITER, FST_AJAX_PLUGIN_OPTION } from './errors'
import { isPlainObject } from './http'
import { stringify as defaultStringify, type Stringify } from './json'
import { checkRouteOptions, type CanonicalRouteOptions } from './route-config'
import type { AjaxAuthStrategy, AjaxCheckHook } from './types'

/** Plugin options, checked and with defaults filled in. */
export interface AjaxutilsSettings {
  /** Defaults for every route of the context, or `null` when routes opt in one by one. */
  readonly all: CanonicalRouteOptions | null
  readonly authenticate: readonly AjaxAuthStrategy[] | null
  readonly relation: 'or' | 'and'
  readonly hook: AjaxCheckHook
  readonly wwwAuthenticate: string | undefined
  readonly debug: boolean
  readonly requestId: boolean
  readonly stringify: Stringify
}

// What Node accepts in a header value: checked here so a typo fails at startup, not on the first 401.
const HEADER_VALUE = /^[\t\x20-\x7e\x80-\xff]+$/
const HOOKS: readonly AjaxCheckHook[] = ['onRequest', 'preParsing', 'preValidation', 'preHandler']
// Keys Fastify itself accepts in any plugin's options.
const FASTIFY_KEYS = ['prefix', 'logLevel', 'logSerializers']
const OPTION_KEYS = new Set([
  'all', 'authenticate', 'relation', 'hook', 'wwwAuthenticate', 'debug', 'requestId', 'json', ...FASTIFY_KEYS
])

function fail (problem: string): never {
  throw new FST_AJAX_PLUGIN_OPTION(problem)
}

function checkBoolean (options: Record<string, unknown>, key: string): boolean {
  const value = options[key]
  if (value === undefined) return false
  if (typeof value !== 'boolean') fail(`${key} must be a boolean, got ${typeof value}`)
  return value
}

function checkAll (value: unknown, known: ReadonlySet<string>): CanonicalRouteOptions | null {
  if (value === undefined || value === false) return null
  if (value === true) return {}
  return checkRouteOptions(value, { name: 'all', quoted: 'plugin option all', fail }, known)
}

function checkAuthenticate (value: unknown): readonly AjaxAuthStrategy[] | null {
  if (value === undefined) return null
  const strategies = Array.isArray(value) ? value : [value]
  if (strategies.length === 0) fail('authenticate must name at least one strategy')
  strategies.forEach((strategy: unknown, index) => {
    if (typeof strategy !== 'function') {
      fail(`authenticate${Array.isArray(value) ? `[${index}]` : ''} must be a function, got ${typeof strategy}`)
    }
  })
  return Object.freeze([...strategies])
}

function checkJson (value: unknown): Stringify {
  if (value === undefined) return defaultStringify
  if (!isPlainObject(value) || typeof value.stringify !== 'function') fail('json must be an object with a stringify function')
  for (const key of Object.keys(value)) {
    if (key !== 'stringify') fail(`json has unknown key '${key}': request bodies stay with Fastify's parser`)
  }
  const custom = value.stringify as (data: unknown) => unknown
  // Anything but text would be sent as something else, or break the answer: refuse it per call.
  return function customStringify (data) {
    const text = custom(data)
    if (typeof text !== 'string') throw new FST_AJAX_JSON_WRITER(text === null ? 'null' : typeof text)
    return text
  }
}

/** Checks plugin options up front and returns frozen settings; the caller's object is not touched. */
/**
 * Whether the login check runs before the body is read (onRequest, preParsing): only then does it
 * also run for a method the URL has no route for, ahead of the router-level 405.
 */
export function checksBeforeBody (settings: AjaxutilsSettings): boolean {
  return settings.hook === 'onRequest' || settings.hook === 'preParsing'
}

export function normalizePluginOptions (value: unknown, knownMethods: ReadonlySet<string>): AjaxutilsSettings {
  const options = value
  if (!isPlainObject(options)) fail('object expected: pass plugin options as a plain object')
  for (const key of Object.keys(options)) {
    if (!OPTION_KEYS.has(key)) fail(`'${key}' is unknown`)
  }
  const relation = options.relation === undefined ? 'or' : options.relation
  if (relation !== 'or' && relation !== 'and') fail(`relation must be 'or' or 'and', got ${String(relation)}`)
  const hook = options.hook === undefined ? 'onRequest' : options.hook
  if (!HOOKS.includes(hook as AjaxCheckHook)) fail(`hook must be one of ${HOOKS.join(', ')}, got ${String(hook)}`)
  const wwwAuthenticate = options.wwwAuthenticate
  if (wwwAuthenticate !== undefined && (typeof wwwAuthenticate !== 'string' || !HEADER_VALUE.test(wwwAuthenticate))) {
    fail('wwwAuthenticate must be a non-empty string that is a valid header value')
  }
  return Object.freeze({
    all: checkAll(options.all, knownMethods),
    authenticate: checkAuthenticate(options.authenticate),
    relation,
    hook: hook as AjaxCheckHook,
    wwwAuthenticate,
    debug: checkBoolean(options, 'debug'),
    requestId: checkBoolean(options, 'requestId'),
    stringify: checkJson(options.json)
  })
}
