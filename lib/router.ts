import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import FindMyWay from 'find-my-way'
import { loginAnswerCheck, stageHook, type AnswerCheck, type Check, type LoginCheck } from './checks'
import type { EnvelopeWriter } from './envelope'
import { copiesNotFoundContexts, notFoundContexts, type NotFoundContext } from './fastify-internals'
import { allowHeader, type AllowedMethods } from './options'

type RouterIndex = ReturnType<typeof FindMyWay>

/** What every registration of the plugin in one app shares. */
export interface AppState {
  /** The ajax routes, matched as Fastify's router matches, to tell a 405 from a 404. */
  readonly index: RouterIndex
  readonly methods: Set<string>
  readonly indexed: Map<string, IndexedRoute>
  readonly caseSensitive: boolean
  readonly prefixes: Array<{ prefix: string, writer: EnvelopeWriter }>
  readonly checked: WeakSet<object>
  /** Whether some registration's login strategies may answer the router-level check by themselves. */
  strategies: boolean
  readonly constraintStrategies: Map<string, ConstraintStrategy>
  readonly constraintsInUse: Set<string>
  /** Routes that opted out of `all`: their URLs are left to Fastify. */
  readonly optedOut: RouterIndex
  readonly optedOutMethods: Set<string>
}

type ConstraintStrategy = FindMyWay.ConstraintStrategy<FindMyWay.HTTPVersion.V1, unknown>
type Constraints = Record<string, unknown>

const states = new WeakMap<object, AppState>()

type RouterSettings = {
  caseSensitive?: boolean
  ignoreTrailingSlash?: boolean
  ignoreDuplicateSlashes?: boolean
  maxParamLength?: number
  allowUnsafeRegex?: boolean
  useSemicolonDelimiter?: boolean
}

const ROUTER_KEYS = ['caseSensitive', 'ignoreTrailingSlash', 'ignoreDuplicateSlashes', 'maxParamLength', 'allowUnsafeRegex', 'useSemicolonDelimiter'] as const

function routerSettings (fastify: FastifyInstance): RouterSettings {
  const config = fastify.initialConfig as RouterSettings & { routerOptions?: RouterSettings }
  const settings: Record<string, unknown> = {}
  for (const key of ROUTER_KEYS) settings[key] = config.routerOptions?.[key] ?? config[key]
  return settings as RouterSettings
}

function serverStrategies (fastify: FastifyInstance): ConstraintStrategy[] {
  const config = fastify.initialConfig as { constraints?: unknown, routerOptions?: { constraints?: unknown } }
  const given = (config.routerOptions?.constraints ?? config.constraints) as Record<string, ConstraintStrategy> | undefined
  return given === undefined ? [] : Object.values(given)
}

/** Teaches the index a sync custom constraint strategy, as a copy: find-my-way marks what it is given. */
function learnStrategy (state: AppState, strategy: ConstraintStrategy): void {
  if (state.constraintStrategies.has(strategy.name) || strategy.deriveConstraint.length === 3) return
  const copy = { ...strategy }
  state.index.addConstraintStrategy(copy as FindMyWay.ConstraintStrategy<FindMyWay.HTTPVersion.V1>)
  state.constraintStrategies.set(strategy.name, copy)
}

function trackConstraintStrategies (fastify: FastifyInstance, state: AppState): void {
  for (const strategy of serverStrategies(fastify)) learnStrategy(state, strategy)
  const add = fastify.addConstraintStrategy
  fastify.addConstraintStrategy = function addConstraintStrategy (strategy) {
    add.call(this, strategy)
    learnStrategy(state, strategy as ConstraintStrategy)
  }
}

/** The state of the app `fastify` belongs to, keyed by its server. */
export function appState (fastify: FastifyInstance): AppState {
  let state = states.get(fastify.server)
  if (state === undefined) {
    const settings = routerSettings(fastify)
    state = {
      index: FindMyWay(settings),
      methods: new Set(),
      indexed: new Map(),
      caseSensitive: settings.caseSensitive !== false,
      prefixes: [],
      checked: new WeakSet(),
      strategies: false,
      constraintStrategies: new Map(),
      constraintsInUse: new Set(),
      optedOut: FindMyWay(settings),
      optedOutMethods: new Set()
    }
    states.set(fastify.server, state)
  }
  return state
}

/** What the index keeps of an ajax route. */
interface IndexedRoute {
  writer: EnvelopeWriter
  allowed: AllowedMethods | null
  /** A `loginRequired` route's login check, run before the 405; `null` when it runs after the body. */
  login: LoginCheck | null
}

// find-my-way wants a handler per route; the index only ever looks routes up, never runs them.
const NEVER_RUN = Function.prototype as FindMyWay.Handler<FindMyWay.HTTPVersion.V1>

function knowsConstraints (state: AppState, constraints: Constraints): boolean {
  return Object.keys(constraints).every((name) => name === 'host' || name === 'version' || state.constraintStrategies.has(name))
}

/** A key for one route's constraints (host patterns are RegExps, which JSON does not write). */
function constraintsKey (constraints: Constraints): string {
  return Object.keys(constraints).sort().map((name) => `${name}=${String(constraints[name])}`).join('&')
}

/** Records an ajax route so that its URL with another method gets 405; a nearer registration replaces it. */
export function indexAjaxRoute (state: AppState, methods: readonly string[], url: string, route: IndexedRoute, constraints: Constraints = {}): void {
  if (!knowsConstraints(state, constraints)) return
  const suffix = constraintsKey(constraints)
  for (const method of methods) {
    state.methods.add(method)
    const key = `${method} ${url} ${suffix}`
    const indexed = state.indexed.get(key)
    if (indexed !== undefined) {
      Object.assign(indexed, route)
      continue
    }
    const store = { ...route }
    try {
      state.index.on(method as FindMyWay.HTTPMethod, url, { constraints }, NEVER_RUN, store)
      state.indexed.set(key, store)
    } catch {
      // A path Fastify itself rejects next.
    }
  }
}

export function noteConstraints (state: AppState, constraints: Constraints | undefined): void {
  if (constraints !== undefined) for (const name of Object.keys(constraints)) state.constraintsInUse.add(name)
}

export function indexOptedOutRoute (state: AppState, methods: readonly string[], url: string): void {
  for (const method of methods) {
    try {
      state.optedOut.on(method as FindMyWay.HTTPMethod, url, NEVER_RUN)
      state.optedOutMethods.add(method)
    } catch {
      // Already recorded, or a path Fastify rejects next.
    }
  }
}

export function answerUnknownUrls (fastify: FastifyInstance, state: AppState, writer: EnvelopeWriter): void {
  state.prefixes.push({ prefix: state.caseSensitive ? fastify.prefix : fastify.prefix.toLowerCase(), writer })
}

function pathOf (url: string): string {
  const query = url.indexOf('?')
  return query === -1 ? url : url.slice(0, query)
}

function underPrefix (path: string, prefix: string): boolean {
  return prefix === '' || path === prefix || (path.startsWith(prefix) && path.charCodeAt(prefix.length) === 47 /* / */)
}

const MEMORY_SIZE = 1000

/** Remembers values by key, forgetting all at MEMORY_SIZE: the client picks the URLs. */
function createMemory<V> () {
  const memory = new Map<string, V>()
  return function remember (key: string, compute: () => V): V {
    const known = memory.get(key)
    if (known !== undefined) return known
    const value = compute()
    if (memory.size === MEMORY_SIZE) memory.clear()
    memory.set(key, value)
    return value
  }
}

/** The request's constraints as find-my-way derives them, for those in use; `null` when a strategy throws. */
function deriveConstraints (state: AppState, request: FastifyRequest): Constraints | null {
  const headers = request.raw.headers
  const derived: Constraints = {}
  try {
    for (const name of state.constraintsInUse) {
      const strategy = state.constraintStrategies.get(name)
      if (strategy !== undefined) derived[name] = strategy.deriveConstraint(request.raw)
      else if (name === 'host') derived.host = headers.host || headers[':authority']
      else if (name === 'version') derived.version = headers['accept-version']
    }
  } catch (error) {
    request.log.warn({ err: error }, 'fastify-ajaxutils: a constraint strategy failed: the request is left to Fastify')
    return null
  }
  return derived
}

function derivedKey (derived: Constraints): string {
  let key = ''
  for (const name in derived) key += '\n' + String(derived[name])
  return key
}

/**
 * The check for requests no route answers: 405 with `Allow` (after the login check) for a URL with
 * ajax routes for other methods, the 404 envelope under an `all` prefix, else the not-found handler.
 */
function createUnmatchedCheck (fastify: FastifyInstance, state: AppState): Check {
  const rememberRoute = createMemory<IndexedRoute | null>()
  const rememberAllow = createMemory<string>()
  const rememberOptedOut = createMemory<boolean>()

  function routeFor (method: string, path: string, derived: Constraints): IndexedRoute | null {
    return rememberRoute(`${method} ${path}${derivedKey(derived)}`, () => findOtherMethod(state, method, path, derived))
  }

  function allowAt (path: string, derived: Constraints): string {
    return rememberAllow(path + derivedKey(derived), () => allowHeader(fastify.supportedMethods.filter((method) => {
      const ajax = state.index.find(method as FindMyWay.HTTPMethod, path, derived)
      if (ajax === null) {
        // Catch-all routes (`GET /*`, `OPTIONS *`) say nothing of this resource.
        const match = fastify.findRoute({ method, url: path, constraints: derived })
        return match !== null && !('*' in (match.params as object))
      }
      const { allowed } = ajax.store as IndexedRoute
      return allowed === null || allowed.set.has(method)
    })))
  }

  function optedOutAt (path: string): boolean {
    return rememberOptedOut(path, () => [...state.optedOutMethods].some((method) => state.optedOut.find(method as FindMyWay.HTTPMethod, path) !== null))
  }

  function answerMethod (request: FastifyRequest, reply: FastifyReply, route: IndexedRoute, path: string, derived: Constraints): void {
    // Nothing allowed here (requirePOST on a GET route): name what the options declare.
    const allow = allowAt(path, derived)
    reply.header('allow', allow !== '' ? allow : (route.allowed as AllowedMethods).header)
    reply.send(route.writer.finalText(request, reply, 405, 'Method not allowed'))
  }

  const waiting = new WeakMap<FastifyRequest, Constraints>()

  // After the login check passed: the 405.
  const refuseMethod: Check = function refuseMethod (request, reply) {
    const path = pathOf(request.url)
    const derived = waiting.get(request) as Constraints
    answerMethod(request, reply, routeFor(request.method, path, derived) as IndexedRoute, path, derived)
  }

  return function checkUnmatched (request, reply, done) {
    const path = pathOf(request.url)
    if (state.optedOutMethods.has(request.method) && state.optedOut.find(request.method as FindMyWay.HTTPMethod, path) !== null) {
      done()
      return
    }
    const derived = deriveConstraints(state, request)
    if (derived === null) {
      done()
      return
    }
    const found = routeFor(request.method, path, derived)
    if (found !== null) {
      if (found.login === null) answerMethod(request, reply, found, path, derived)
      else {
        waiting.set(request, derived)
        found.login(request, reply, done, refuseMethod)
      }
      return
    }
    const scope = state.prefixes.find((entry) => underPrefix(state.caseSensitive ? path : path.toLowerCase(), entry.prefix))
    if (scope !== undefined && !(state.optedOutMethods.size !== 0 && optedOutAt(path))) {
      reply.send(scope.writer.finalText(request, reply, 404, 'Not found'))
      return
    }
    done()
  }
}

/** The URL's ajax route for another method, a login-required one first; none when the own method has one. */
function findOtherMethod (state: AppState, requestMethod: string, path: string, derived: Constraints): IndexedRoute | null {
  if (state.index.find(requestMethod as FindMyWay.HTTPMethod, path, derived) !== null) return null
  let found: IndexedRoute | null = null
  for (const method of state.methods) {
    const match = state.index.find(method as FindMyWay.HTTPMethod, path, derived)
    if (match === null) continue
    found = match.store as IndexedRoute
    if (found.login !== null) break
  }
  return found
}

/** Shapes what a login strategy sends in the router-level check, where no ajax route's onSend runs. */
const shapeLoginAnswer: AnswerCheck = function shapeLoginAnswer (request, reply, payload, done) {
  const answers = loginAnswerCheck(request)
  if (answers === undefined) done(null, payload)
  else answers(request, reply, payload, done)
}

function checkNotFoundContexts (fastify: FastifyInstance, state: AppState): void {
  // Without ajax routes or `all` prefixes the check could never answer.
  if (state.indexed.size === 0 && state.prefixes.length === 0) return
  const check = createUnmatchedCheck(fastify, state)
  for (const context of notFoundContexts(fastify)) {
    if (state.checked.has(context)) continue
    state.checked.add(context)
    addUnmatchedCheck(context, check, state.strategies ? shapeLoginAnswer : null)
  }
}

/** Before Fastify 5.12.2: an app-wide preHandler hook checks what catch-all routes pass to `callNotFound()`. */
export function checkCalledNotFound (fastify: FastifyInstance, state: AppState): void {
  if (!copiesNotFoundContexts(fastify.version)) return
  let check: Check | undefined
  fastify.addHook('preHandler', function ajaxCalledNotFound (request, reply, done) {
    if (!request.is404) {
      done()
      return
    }
    check ??= createUnmatchedCheck(fastify, state)
    check(request, reply, done)
  })
}

/** Checks the requests no route answers, in the not-found contexts once the app is ready. */
export function installUnmatchedChecks (fastify: FastifyInstance, state: AppState): void {
  trackConstraintStrategies(fastify, state)
  checkCalledNotFound(fastify, state)
  fastify.addHook('onReady', function checkUnmatchedRequests (done) {
    checkNotFoundContexts(fastify, state)
    done()
  })
}

type Hooks = NotFoundContext['preParsing'] & object

/** Adds the check in preParsing (before the body) and preHandler (for `callNotFound()`); `answers` in onSend. */
function addUnmatchedCheck (context: NotFoundContext, check: Check, answers: AnswerCheck | null): void {
  context.preParsing = [...(context.preParsing ?? []), stageHook(check, 'preParsing') as Hooks[number]]
  context.preHandler = [...(context.preHandler ?? []), stageHook(check, 'preHandler') as Hooks[number]]
  if (answers !== null) context.onSend = [...(context.onSend ?? []), answers as Hooks[number]]
}
