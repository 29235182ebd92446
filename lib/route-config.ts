import { createDeprecation } from 'process-warning'
import { FST_AJAX_ROUTE_OPTION } from './errors'
import { isPlainObject } from './http'
import { allowedMethods, type AllowedMethods } from './methods'
import type { AjaxRouteOptions } from './types'

/** A route's ajax settings, decided once when the route is registered. */
export interface AjaxRoute {
  readonly loginRequired: boolean
  /** `null` when the route accepts every method it is registered for. */
  readonly allowed: AllowedMethods | null
}

const ROUTE_KEYS = new Set(['loginRequired', 'requireGET', 'requirePOST', 'methods', 'require'])
const METHOD_KEYS = ['requireGET', 'requirePOST', 'methods', 'require'] as const

const requireDeprecation = createDeprecation({
  code: 'FSTAJAX_DEP001',
  message: 'config.ajax.require is deprecated: use config.ajax.methods, which takes a list'
})

/** Where options come from: how messages name them (`config.ajax` or `all`) and which error to raise. */
export interface OptionsSource {
  readonly name: string
  /** How a message about a route names these options (`all` is the plugin's option there). */
  readonly quoted: string
  fail (problem: string): never
}

/** The source of a route's `config.ajax`: errors name the route. */
export function routeSource (route: string): OptionsSource {
  return {
    name: 'config.ajax',
    quoted: 'config.ajax',
    fail (problem) { throw new FST_AJAX_ROUTE_OPTION(route, problem) }
  }
}

/**
 * Options in canonical form. `restrictedBy` is the option their method restriction was written
 * as (`config.ajax.require`, `plugin option all.methods`), so that a route's startup error names
 * what the user wrote rather than the canonical `methods`.
 */
export interface CanonicalRouteOptions extends AjaxRouteOptions {
  restrictedBy?: string
}

function fail (source: OptionsSource, key: string | null, problem: string): never {
  return source.fail(`${key === null ? source.name : `${source.name}.${key}`} ${problem}`)
}

function methodName (source: OptionsSource, key: string, value: unknown, known: ReadonlySet<string>): string {
  if (typeof value !== 'string') fail(source, key, `must hold method names, got ${typeof value}`)
  const method = value.toUpperCase()
  if (!known.has(method)) fail(source, key, `names unknown method '${value}'`)
  return method
}

/**
 * Checks a `config.ajax` object (or the plugin's `all`) and returns it in canonical form: method
 * names upper case, `require` turned into `methods`. Throws naming the route and the option.
 */
export function checkRouteOptions (value: unknown, source: OptionsSource, known: ReadonlySet<string>): CanonicalRouteOptions {
  if (!isPlainObject(value)) fail(source, null, 'must be true, false or an object')
  for (const key of Object.keys(value)) {
    if (!ROUTE_KEYS.has(key)) fail(source, null, `has unknown option '${key}'`)
  }
  for (const key of ['loginRequired', 'requireGET', 'requirePOST'] as const) {
    if (value[key] !== undefined && typeof value[key] !== 'boolean') fail(source, key, `must be a boolean, got ${typeof value[key]}`)
  }
  const given = METHOD_KEYS.filter((key) => value[key] !== undefined && value[key] !== false)
  if (given.length > 1) fail(source, given[1], `cannot be combined with ${given[0]}: give one method restriction`)

  const options: CanonicalRouteOptions = {}
  if (value.loginRequired !== undefined) options.loginRequired = value.loginRequired as boolean
  if (value.requireGET === true) options.requireGET = true
  if (value.requirePOST === true) options.requirePOST = true
  if (value.methods !== undefined) {
    if (!Array.isArray(value.methods) || value.methods.length === 0) fail(source, 'methods', 'must be a non-empty array of method names')
    options.methods = value.methods.map((method: unknown) => methodName(source, 'methods', method, known))
  }
  if (value.require !== undefined) {
    requireDeprecation()
    options.methods = [methodName(source, 'require', value.require, known)]
  }
  if (given.length > 0) options.restrictedBy = `${source.quoted}.${given[0]}`
  return options
}

function declaredMethods (options: AjaxRouteOptions): readonly string[] | null {
  if (options.requireGET === true) return ['GET']
  if (options.requirePOST === true) return ['POST']
  return options.methods ?? null
}

/**
 * The methods the route accepts. Its `Allow` names those it is registered for, as the router-level
 * 405 does (a method it is not registered for gets that 405). A route registered for none of
 * them (`requirePOST` on a GET route, as the seed allows) names what its options declare.
 */
function allowedBy (options: AjaxRouteOptions, shape: RouteShape): AllowedMethods | null {
  const declared = declaredMethods(options)
  if (declared === null) return null
  const served = declared.filter((method) => shape.methods.includes(method))
  return allowedMethods(served.length > 0 ? served : declared, shape.headServed)
}

/**
 * Merges a route's own options over the plugin's `all` defaults: `loginRequired` key by key, the
 * method restriction as a whole (a route that names methods replaces the default's).
 */
export function mergeRouteOptions (defaults: CanonicalRouteOptions, own: CanonicalRouteOptions): CanonicalRouteOptions {
  const merged = declaredMethods(own) !== null ? { ...own } : { ...defaults, ...own }
  if (own.loginRequired === undefined && defaults.loginRequired !== undefined) merged.loginRequired = defaults.loginRequired
  return merged
}

/** What the route is registered for: its methods, and whether its URL answers HEAD. */
export interface RouteShape {
  /** The route's methods; for Fastify's HEAD twin of a GET route, the GET route's. */
  methods: readonly string[]
  headServed: boolean
}

/**
 * Turns canonical options into the frozen settings the route's hooks use. A `methods` list that
 * shares none of the route's own methods is a mistake.
 */
export function buildAjaxRoute (options: CanonicalRouteOptions, source: OptionsSource, shape: RouteShape): AjaxRoute {
  const allowed = allowedBy(options, shape)
  const { methods } = shape
  if (options.methods !== undefined && !methods.some((method) => allowed?.set.has(method))) {
    // Canonical `methods` always records the option it was written as.
    source.fail(`${String(options.restrictedBy)} allows none of the route's methods (${methods.join(', ')})`)
  }
  return Object.freeze({ loginRequired: options.loginRequired === true, allowed })
}
