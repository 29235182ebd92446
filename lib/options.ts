import { createDeprecation } from 'process-warning'
import { FST_AJAX_JSON_WRITER, FST_AJAX_PLUGIN_OPTION, FST_AJAX_ROUTE_OPTION } from './errors'
import { stringify as defaultStringify, type Stringify } from './json'
import type { AjaxAuthStrategy, AjaxCheckHook, AjaxRouteOptions } from './types'

export function isPlainObject (value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false
  const proto = Object.getPrototypeOf(value)
  return proto === Object.prototype || proto === null
}

/** The set of methods an ajax route accepts, and the `Allow` header that names it. */
export interface AllowedMethods {
  readonly set: ReadonlySet<string>
  readonly header: string
}

/** A stable `Allow` value: method names in alphabetical order. */
export function allowHeader (methods: Iterable<string>): string {
  return [...methods].sort().join(', ')
}

/** Adds HEAD wherever GET is; the header names HEAD only when the route answers it. */
function allowedMethods (methods: Iterable<string>, headServed: boolean): AllowedMethods {
  const set = new Set(methods)
  if (set.has('GET')) set.add('HEAD')
  const named = headServed ? set : [...set].filter((method) => method !== 'HEAD')
  return Object.freeze({ set, header: allowHeader(named) })
}

export function routeMethods (method: string | readonly string[]): readonly string[] {
  return typeof method === 'string' ? [method] : method
}

/** A route's ajax settings, decided once when the route is registered. */
export interface AjaxRoute {
  readonly loginRequired: boolean
  /** `null` when the route accepts every method it is registered for. */
  readonly allowed: AllowedMethods | null
}

const ROUTE_KEYS = new Set(['loginRequired', 'requireGET', 'requirePOST', 'methods', 'require', 'csrf'])
const METHOD_KEYS = ['requireGET', 'requirePOST', 'methods', 'require'] as const

const requireDeprecation = createDeprecation({
  code: 'FSTAJAX_DEP001',
  message: 'config.ajax.require is deprecated: use config.ajax.methods, which takes a list'
})

/** Where options come from: how messages name them and which error to raise. */
interface OptionsSource {
  readonly name: string
  readonly quoted: string
  fail (problem: string): never
}

export function routeSource (route: string): OptionsSource {
  return {
    name: 'config.ajax',
    quoted: 'config.ajax',
    fail (problem) { throw new FST_AJAX_ROUTE_OPTION(route, problem) }
  }
}

/** Options in canonical form; `restrictedBy` names the option the method restriction was written as. */
export interface CanonicalRouteOptions extends AjaxRouteOptions {
  restrictedBy?: string
}

function failOption (source: OptionsSource, key: string | null, problem: string): never {
  return source.fail(`${key === null ? source.name : `${source.name}.${key}`} ${problem}`)
}

function methodName (source: OptionsSource, key: string, value: unknown, known: ReadonlySet<string>): string {
  if (typeof value !== 'string') failOption(source, key, `must hold method names, got ${typeof value}`)
  const method = value.toUpperCase()
  if (!known.has(method)) failOption(source, key, `names unknown method '${value}'`)
  return method
}

/** Checks a `config.ajax` object (or `all`) and returns it in canonical form. */
export function checkRouteOptions (value: unknown, source: OptionsSource, known: ReadonlySet<string>): CanonicalRouteOptions {
  if (!isPlainObject(value)) failOption(source, null, 'must be true, false or an object')
  for (const key of Object.keys(value)) {
    if (!ROUTE_KEYS.has(key)) failOption(source, null, `has unknown option '${key}'`)
  }
  for (const key of ['loginRequired', 'requireGET', 'requirePOST'] as const) {
    if (value[key] !== undefined && typeof value[key] !== 'boolean') failOption(source, key, `must be a boolean, got ${typeof value[key]}`)
  }
  const given = METHOD_KEYS.filter((key) => value[key] !== undefined && value[key] !== false)
  if (given.length > 1) failOption(source, given[1], `cannot be combined with ${given[0]}: give one method restriction`)

  const options: CanonicalRouteOptions = {}
  if (value.loginRequired !== undefined) options.loginRequired = value.loginRequired as boolean
  if (value.requireGET !== undefined) options.requireGET = value.requireGET as boolean
  if (value.requirePOST !== undefined) options.requirePOST = value.requirePOST as boolean
  if (value.methods !== undefined) {
    if (!Array.isArray(value.methods) || value.methods.length === 0) failOption(source, 'methods', 'must be a non-empty array of method names')
    options.methods = value.methods.map((method: unknown) => methodName(source, 'methods', method, known))
  }
  if (value.require !== undefined) {
    requireDeprecation()
    options.methods = [methodName(source, 'require', value.require, known)]
  }
  if (given.length > 0) options.restrictedBy = `${source.quoted}.${given[0]}`
  if (value.csrf !== undefined) {
    if (value.csrf !== false) failOption(source, 'csrf', 'must be false (the check is on by default; trusted origins are a plugin option)')
    options.csrf = false
  }
  return options
}

function declaredMethods (options: AjaxRouteOptions): readonly string[] | null {
  if (options.requireGET === true) return ['GET']
  if (options.requirePOST === true) return ['POST']
  return options.methods ?? null
}

/** The methods the route accepts; `Allow` names those it is registered for, else what is declared. */
function allowedBy (options: AjaxRouteOptions, shape: RouteShape): AllowedMethods | null {
  const declared = declaredMethods(options)
  if (declared === null) return null
  const served = declared.filter((method) => shape.methods.includes(method))
  return allowedMethods(served.length > 0 ? served : declared, shape.headServed)
}

/** Merges nearer options over outer ones; a method restriction replaces the outer one as a whole. */
export function mergeRouteOptions (defaults: CanonicalRouteOptions, own: CanonicalRouteOptions): CanonicalRouteOptions {
  const merged = declaredMethods(own) !== null ? { ...own } : { ...defaults, ...own }
  if (own.loginRequired === undefined && defaults.loginRequired !== undefined) merged.loginRequired = defaults.loginRequired
  if (own.csrf === undefined && defaults.csrf !== undefined) merged.csrf = defaults.csrf
  return merged
}

/** The route's methods (the GET route's, for its HEAD twin), and whether its URL answers HEAD. */
interface RouteShape {
  methods: readonly string[]
  headServed: boolean
}

/** Turns canonical options into the frozen settings the route's hooks use. */
export function buildAjaxRoute (options: CanonicalRouteOptions, source: OptionsSource, shape: RouteShape): AjaxRoute {
  const allowed = allowedBy(options, shape)
  const { methods } = shape
  if (options.methods !== undefined && !methods.some((method) => allowed?.set.has(method))) {
    source.fail(`${String(options.restrictedBy)} allows none of the route's methods (${methods.join(', ')})`)
  }
  return Object.freeze({ loginRequired: options.loginRequired === true, allowed })
}

/** Plugin options, checked and with defaults filled in. */
export interface AjaxutilsSettings {
  readonly all: CanonicalRouteOptions | null
  readonly authenticate: readonly AjaxAuthStrategy[] | null
  readonly relation: 'or' | 'and'
  readonly hook: AjaxCheckHook
  readonly wwwAuthenticate: string | undefined
  readonly debug: boolean
  readonly requestId: boolean
  readonly stringify: Stringify
  /** `undefined` when not given: a nested registration then keeps its parent's. */
  readonly csrf: CrossOriginSettings | false | undefined
}

// What Node accepts in a header value: a typo fails at startup.
const HEADER_VALUE = /^[\t\x20-\x7e\x80-\xff]+$/
const HOOKS: readonly AjaxCheckHook[] = ['onRequest', 'preParsing', 'preValidation', 'preHandler']
const FASTIFY_KEYS = ['prefix', 'logLevel', 'logSerializers']
const OPTION_KEYS = new Set([
  'all', 'authenticate', 'relation', 'hook', 'wwwAuthenticate', 'debug', 'requestId', 'json', 'csrf', ...FASTIFY_KEYS
])

function failPlugin (problem: string): never {
  throw new FST_AJAX_PLUGIN_OPTION(problem)
}

function checkBoolean (options: Record<string, unknown>, key: string): boolean {
  const value = options[key]
  if (value === undefined) return false
  if (typeof value !== 'boolean') failPlugin(`${key} must be a boolean, got ${typeof value}`)
  return value
}

function checkAll (value: unknown, known: ReadonlySet<string>): CanonicalRouteOptions | null {
  if (value === undefined || value === false) return null
  if (value === true) return {}
  return checkRouteOptions(value, { name: 'all', quoted: 'plugin option all', fail: failPlugin }, known)
}

function checkAuthenticate (value: unknown): readonly AjaxAuthStrategy[] | null {
  if (value === undefined) return null
  const strategies = Array.isArray(value) ? value : [value]
  if (strategies.length === 0) failPlugin('authenticate must name at least one strategy')
  strategies.forEach((strategy: unknown, index) => {
    if (typeof strategy !== 'function') {
      failPlugin(`authenticate${Array.isArray(value) ? `[${index}]` : ''} must be a function, got ${typeof strategy}`)
    }
  })
  return Object.freeze([...strategies])
}

function checkJson (value: unknown): Stringify {
  if (value === undefined) return defaultStringify
  if (!isPlainObject(value) || typeof value.stringify !== 'function') failPlugin('json must be an object with a stringify function')
  for (const key of Object.keys(value)) {
    if (key !== 'stringify') failPlugin(`json has unknown key '${key}': request bodies stay with Fastify's parser`)
  }
  const custom = value.stringify as (data: unknown) => unknown
  return function customStringify (data) {
    const text = custom(data)
    if (typeof text !== 'string') throw new FST_AJAX_JSON_WRITER(text === null ? 'null' : typeof text)
    return text
  }
}

/** Whether the login check runs before the body is read, and so ahead of the router-level 405. */
export function checksBeforeBody (settings: AjaxutilsSettings): boolean {
  return settings.hook === 'onRequest' || settings.hook === 'preParsing'
}

/** Checks plugin options up front and returns frozen settings; the caller's object is not touched. */
export function normalizePluginOptions (value: unknown, knownMethods: ReadonlySet<string>): AjaxutilsSettings {
  const options = value
  if (!isPlainObject(options)) failPlugin('object expected: pass plugin options as a plain object')
  for (const key of Object.keys(options)) {
    if (!OPTION_KEYS.has(key)) failPlugin(`'${key}' is unknown`)
  }
  const relation = options.relation === undefined ? 'or' : options.relation
  if (relation !== 'or' && relation !== 'and') failPlugin(`relation must be 'or' or 'and', got ${String(relation)}`)
  const hook = options.hook === undefined ? 'onRequest' : options.hook
  if (!HOOKS.includes(hook as AjaxCheckHook)) failPlugin(`hook must be one of ${HOOKS.join(', ')}, got ${String(hook)}`)
  const wwwAuthenticate = options.wwwAuthenticate
  if (wwwAuthenticate !== undefined && (typeof wwwAuthenticate !== 'string' || !HEADER_VALUE.test(wwwAuthenticate))) {
    failPlugin('wwwAuthenticate must be a non-empty string that is a valid header value')
  }
  return Object.freeze({
    all: checkAll(options.all, knownMethods),
    authenticate: checkAuthenticate(options.authenticate),
    relation,
    hook: hook as AjaxCheckHook,
    wwwAuthenticate,
    debug: checkBoolean(options, 'debug'),
    requestId: checkBoolean(options, 'requestId'),
    stringify: checkJson(options.json),
    csrf: checkCrossOrigin(options.csrf)
  })
}

/** The cross-origin check of a registration: on, with the origins it trusts. */
export interface CrossOriginSettings {
  readonly trustedOrigins: ReadonlySet<string>
}

const CROSS_ORIGIN_ON: CrossOriginSettings = Object.freeze({ trustedOrigins: new Set<string>() })
// What browsers send as Origin: lower-case scheme and host, a port only when not the scheme's default.
const SERIALIZED_ORIGIN = /^([a-z][a-z0-9+.-]*):\/\/(?:\[[0-9a-f:.]+\]|[a-z0-9._~-]+)(?::(\d{1,5}))?$/
const DEFAULT_PORTS: Readonly<Record<string, string>> = { http: '80', https: '443' }

function checkTrustedOrigin (value: unknown, index: number): string {
  const name = `csrf.trustedOrigins[${index}]`
  if (typeof value !== 'string') failPlugin(`${name} must be a string, got ${typeof value}`)
  const lower = value.toLowerCase()
  const parts = SERIALIZED_ORIGIN.exec(lower)
  if (parts === null) failPlugin(`${name} must be scheme://host[:port] with no path, query or trailing slash, got '${value}'`)
  if (parts[2] !== undefined && DEFAULT_PORTS[parts[1]] === parts[2]) {
    failPlugin(`${name} names the default port, which browsers leave out of Origin: write '${lower.slice(0, -(parts[2].length + 1))}'`)
  }
  return lower
}

function checkCrossOrigin (value: unknown): CrossOriginSettings | false | undefined {
  if (value === undefined || value === false) return value
  if (!isPlainObject(value)) failPlugin('csrf must be false or an object { trustedOrigins }')
  for (const key of Object.keys(value)) {
    if (key !== 'trustedOrigins') failPlugin(`csrf has unknown key '${key}'`)
  }
  const origins = value.trustedOrigins
  if (origins === undefined) return CROSS_ORIGIN_ON
  if (!Array.isArray(origins)) failPlugin('csrf.trustedOrigins must be an array of origins')
  return Object.freeze({ trustedOrigins: new Set(origins.map(checkTrustedOrigin)) })
}

/** A registration's own `csrf` over the outer one: trusted origins add up, only `false` turns it off. */
export function mergeCrossOrigin (outer: CrossOriginSettings | false | undefined, own: CrossOriginSettings | false | undefined): CrossOriginSettings | false {
  if (own === undefined) return outer ?? CROSS_ORIGIN_ON
  if (own === false || outer === undefined || outer === false) return own
  return Object.freeze({ trustedOrigins: new Set([...outer.trustedOrigins, ...own.trustedOrigins]) })
}
