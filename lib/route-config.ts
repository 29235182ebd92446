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
  fail (problem: string): never
}

/** The source of a route's `config.ajax`: errors name the route. */
export function routeSource (route: string): OptionsSource {
  return {
    name: 'config.ajax',
    fail (problem) { throw new FST_AJAX_ROUTE_OPTION(route, problem) }
  }
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
export function checkRouteOptions (value: unknown, source: OptionsSource, known: ReadonlySet<string>): AjaxRouteOptions {
  if (!isPlainObject(value)) fail(source, null, 'must be true, false or an object')
  for (const key of Object.keys(value)) {
    if (!ROUTE_KEYS.has(key)) fail(source, null, `has unknown option '${key}'`)
  }
  for (const key of ['loginRequired', 'requireGET', 'requirePOST'] as const) {
    if (value[key] !== undefined && typeof value[key] !== 'boolean') fail(source, key, `must be a boolean, got ${typeof value[key]}`)
  }
  const given = METHOD_KEYS.filter((key) => value[key] !== undefined && value[key] !== false)
  if (given.length > 1) fail(source, given[1], `cannot be combined with ${given[0]}: give one method restriction`)

  const options: AjaxRouteOptions = {}
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
  return options
}

function allowedBy (options: AjaxRouteOptions, headServed: boolean): AllowedMethods | null {
  if (options.requireGET === true) return allowedMethods(['GET'], headServed)
  if (options.requirePOST === true) return allowedMethods(['POST'], headServed)
  if (options.methods !== undefined) return allowedMethods(options.methods, headServed)
  return null
}

function hasMethodRestriction (options: AjaxRouteOptions): boolean {
  return options.requireGET === true || options.requirePOST === true || options.methods !== undefined
}

/**
 * Merges a route's own options over the plugin's `all` defaults: `loginRequired` key by key, the
 * method restriction as a whole (a route that names methods replaces the default's).
 */
export function mergeRouteOptions (defaults: AjaxRouteOptions, own: AjaxRouteOptions): AjaxRouteOptions {
  const merged = hasMethodRestriction(own) ? { ...own } : { ...defaults, ...own }
  if (own.loginRequired === undefined && defaults.loginRequired !== undefined) merged.loginRequired = defaults.loginRequired
  return merged
}

/** What the route is registered for: its methods, and whether its URL answers HEAD. */
export interface RouteShape {
  /** `null` for Fastify's HEAD twin of a GET route, which follows the GET route's options. */
  methods: readonly string[] | null
  headServed: boolean
}

/**
 * Turns canonical options into the frozen settings the route's hooks use. A `methods` list that
 * shares none of the route's own methods is a mistake.
 */
export function buildAjaxRoute (options: AjaxRouteOptions, source: OptionsSource, shape: RouteShape): AjaxRoute {
  const allowed = allowedBy(options, shape.headServed)
  const { methods } = shape
  if (methods !== null && options.methods !== undefined && !methods.some((method) => allowed?.set.has(method))) {
    fail(source, 'methods', `allows none of the route's methods (${methods.join(', ')})`)
  }
  return Object.freeze({ loginRequired: options.loginRequired === true, allowed })
}
