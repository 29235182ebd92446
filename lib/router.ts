import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import FindMyWay from 'find-my-way'
import { loginAnswerCheck, stageHook, type AnswerCheck, type Check, type LoginCheck } from './checks'
import type { EnvelopeWriter } from './envelope'
import { copiesNotFoundContexts, notFoundContexts, type NotFoundContext } from './fastify-internals'
import { allowHeader, type AllowedMethods } from './options'

type RouterIndex = ReturnType<typeof FindMyWay>

/** What every registration of the plugin in one app shares. */
export interface AppState {
  /** The ajax routes, matched the way Fastify's router matches, to tell a 405 from a 404. */
  readonly index: RouterIndex
  /** The methods any ajax route is registered for. */
  readonly methods: Set<string>
  /** The index's entries by method and URL pattern. */
  readonly indexed: Map<string, IndexedRoute>
  /** Whether the router tells `/API` from `/api`; prefixes below are lower case when it does not. */
  readonly caseSensitive: boolean
  /** Contexts registered with `all`: unknown URLs under their prefix get the 404 envelope. */
  readonly prefixes: Array<{ prefix: string, writer: EnvelopeWriter }>
  /** Not-found contexts that already run the unmatched check. */
  readonly checked: WeakSet<object>
  /**
   * Whether a registration checks logins with strategies, which may answer by themselves; the
   * not-found contexts then shape those answers of the router-level check.
   */
  strategies: boolean
  /** Custom constraint strategies the index knows (host and version it knows already), by name. */
  readonly constraintStrategies: Map<string, ConstraintStrategy>
  /** Constraints the app's routes use: only these are derived from a request, as Fastify's router does. */
  readonly constraintsInUse: Set<string>
  /** Routes that opted out of `all` (`config.ajax: false`): their URLs are left to Fastify. */
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
  // Fastify 5.5 moved these under routerOptions; a setting given at the top level still counts.
  const config = fastify.initialConfig as RouterSettings & { routerOptions?: RouterSettings }
  const settings: Record<string, unknown> = {}
  for (const key of ROUTER_KEYS) settings[key] = config.routerOptions?.[key] ?? config[key]
  return settings as RouterSettings
}

/** Custom constraint strategies given in the server options (`routerOptions.constraints`). */
function serverStrategies (fastify: FastifyInstance): ConstraintStrategy[] {
  const config = fastify.initialConfig as { constraints?: unknown, routerOptions?: { constraints?: unknown } }
  const given = (config.routerOptions?.constraints ?? config.constraints) as Record<string, ConstraintStrategy> | undefined
  return given === undefined ? [] : Object.values(given)
}

/**
 * Teaches the index a custom constraint strategy, once, as a copy (find-my-way marks the objects
 * it is given, and the server options are frozen). Async strategies, which find-my-way tells by
 * their three parameters, are left out: the plugin derives constraints synchronously.
 */
function learnStrategy (state: AppState, strategy: ConstraintStrategy): void {
  if (state.constraintStrategies.has(strategy.name) || strategy.deriveConstraint.length === 3) return
  const copy = { ...strategy }
  state.index.addConstraintStrategy(copy as FindMyWay.ConstraintStrategy<FindMyWay.HTTPVersion.V1>)
  state.constraintStrategies.set(strategy.name, copy)
}

/**
 * The index learns the app's custom constraint strategies from the server options and from
 * `addConstraintStrategy` calls made after the plugin is registered.
 */
function trackConstraintStrategies (fastify: FastifyInstance, state: AppState): void {
  for (const strategy of serverStrategies(fastify)) learnStrategy(state, strategy)
  const add = fastify.addConstraintStrategy
  fastify.addConstraintStrategy = function addConstraintStrategy (strategy) {
    add.call(this, strategy)
    learnStrategy(state, strategy as ConstraintStrategy)
  }
}

/** The state of the app `fastify` belongs to (all its contexts share one server). */
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
export interface IndexedRoute {
  writer: EnvelopeWriter
  /** The methods the route accepts, or `null` for every method it is registered for. */
  allowed: AllowedMethods | null
  /**
   * The login check of a `loginRequired` route, so that anonymous clients learn no more than 401;
   * `null` when the registration checks in a later stage, where the user is known only after the
   * body has been read.
   */
  login: LoginCheck | null
}

// find-my-way wants a handler per route; the index only ever looks routes up, never runs them.
const NEVER_RUN = Function.prototype as FindMyWay.Handler<FindMyWay.HTTPVersion.V1>

/** Whether the index can match these route constraints: host, version and the strategies it learnt. */
function knowsConstraints (state: AppState, constraints: Constraints): boolean {
  return Object.keys(constraints).every((name) => name === 'host' || name === 'version' || state.constraintStrategies.has(name))
}

/** A key for one route's constraints (host patterns are RegExps, which JSON does not write). */
function constraintsKey (constraints: Constraints): string {
  return Object.keys(constraints).sort().map((name) => `${name}=${String(constraints[name])}`).join('&')
}

/**
 * Records an ajax route so that a request for its URL with another method gets 405, not 404. A
 * nearer registration of the plugin indexes the route again: its settings replace the first's. A
 * route whose constraints the index cannot match (a strategy it never learnt) is left out: its
 * URL keeps Fastify's answers for other methods.
 */
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
      // A path Fastify itself rejects next, with its own error.
    }
  }
}

/** Notes the constraints a route of the app uses (any route the plugin sees, ajax or not). */
export function noteConstraints (state: AppState, constraints: Constraints | undefined): void {
  if (constraints !== undefined) for (const name of Object.keys(constraints)) state.constraintsInUse.add(name)
}

/** Records a route that opted out (`config.ajax: false`): the router-level checks leave its URL alone. */
export function indexOptedOutRoute (state: AppState, methods: readonly string[], url: string): void {
  for (const method of methods) {
    try {
      state.optedOut.on(method as FindMyWay.HTTPMethod, url, NEVER_RUN)
      state.optedOutMethods.add(method)
    } catch {
      // Already recorded (the same URL under other constraints), or a path Fastify rejects next.
    }
  }
}

/** Unknown URLs under the prefix of a context registered with `all` get the 404 envelope. */
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

/** Remembers computed values by key, forgetting all once it holds MEMORY_SIZE: the client picks URLs. */
function createMemory<V> () {
  const memory = new Map<string, V>()
  return function remember (key: string, compute: () => V): V {
    // Values are never undefined: one lookup tells a known key.
    const known = memory.get(key)
    if (known !== undefined) return known
    const value = compute()
    if (memory.size === MEMORY_SIZE) memory.clear()
    memory.set(key, value)
    return value
  }
}

/**
 * What the router matches a request on besides method and path, derived as find-my-way derives it,
 * for the constraints the app's routes use: a value derived for a constraint no route uses would
 * make find-my-way refuse unconstrained routes. `null` when a strategy throws: the request is then
 * left to Fastify.
 */
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

/** A memory key for the derived constraints of a request. */
function derivedKey (derived: Constraints): string {
  let key = ''
  for (const name in derived) key += '\n' + String(derived[name])
  return key
}

/**
 * The check for requests no route answers, run by the not-found contexts: a URL that is an ajax
 * route for other methods (whose constraints match the request) answers 405 with `Allow` (after the
 * route's login check, in the seed's order); an unknown URL under an `all` prefix answers the 404
 * envelope; anything else, and any URL of a route that opted out, goes on to Fastify's (or the
 * app's) not-found handler.
 */
export function createUnmatchedCheck (fastify: FastifyInstance, state: AppState): Check {
  // Routes cannot change once the app is ready, so what an URL is worth is worked out once.
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
        // Routes that match every URL (@fastify/static's `GET /*`, CORS preflight's `OPTIONS *`)
        // say nothing of this resource: a GET here would end in the plugin's 405 anyway.
        const match = fastify.findRoute({ method, url: path, constraints: derived })
        return match !== null && !('*' in (match.params as object))
      }
      const { allowed } = ajax.store as IndexedRoute
      return allowed === null || allowed.set.has(method)
    })))
  }

  /** Whether the URL has routes that opted out of `all`, for any method. */
  function optedOutAt (path: string): boolean {
    return rememberOptedOut(path, () => [...state.optedOutMethods].some((method) => state.optedOut.find(method as FindMyWay.HTTPMethod, path) !== null))
  }

  function answerMethod (request: FastifyRequest, reply: FastifyReply, route: IndexedRoute, path: string, derived: Constraints): void {
    // No method here would succeed only when the URL's ajax routes allow none they are registered
    // for (requirePOST on a GET route): like the route itself, name what its options declare.
    const allow = allowAt(path, derived)
    reply.header('allow', allow !== '' ? allow : (route.allowed as AllowedMethods).header)
    // A not-found context runs no ajax route's onSend hook: the body leaves as sent here.
    reply.send(route.writer.finalText(request, reply, 405, 'Method not allowed'))
  }

  // The constraints of requests in a login check, for the 405 that follows it.
  const waiting = new WeakMap<FastifyRequest, Constraints>()

  // After a login check passed: what the request was refused for is looked up again.
  const refuseMethod: Check = function refuseMethod (request, reply) {
    const path = pathOf(request.url)
    const derived = waiting.get(request) as Constraints
    answerMethod(request, reply, routeFor(request.method, path, derived) as IndexedRoute, path, derived)
  }

  return function checkUnmatched (request, reply, done) {
    const path = pathOf(request.url)
    // A route that opted out and called reply.callNotFound(): its context's handler answers.
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
    // A URL only opted-out routes serve is no unknown URL: Fastify answers its other methods.
    if (scope !== undefined && !(state.optedOutMethods.size !== 0 && optedOutAt(path))) {
      reply.send(scope.writer.finalText(request, reply, 404, 'Not found'))
      return
    }
    done()
  }
}

/**
 * The ajax route this URL has for another method, whose constraints match the request, a
 * login-required one first. When the request's own method has one, the router passed it over on
 * purpose: that stays Fastify's 404.
 */
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

/**
 * A login strategy may answer the router-level check by itself (a redirect to a login page); no
 * ajax route's onSend runs there, so the not-found context runs the registration's instead.
 */
const shapeLoginAnswer: AnswerCheck = function shapeLoginAnswer (request, reply, payload, done) {
  const answers = loginAnswerCheck(request)
  if (answers === undefined) done(null, payload)
  else answers(request, reply, payload, done)
}

/**
 * Adds the unmatched check to the not-found contexts that answer for `fastify`'s routes, once each.
 */
function checkNotFoundContexts (fastify: FastifyInstance, state: AppState): void {
  // Without ajax routes or `all` prefixes the check could never answer: unknown URLs of such an
  // app cost what they cost without the plugin.
  if (state.indexed.size === 0 && state.prefixes.length === 0) return
  const check = createUnmatchedCheck(fastify, state)
  for (const context of notFoundContexts(fastify)) {
    if (state.checked.has(context)) continue
    state.checked.add(context)
    addUnmatchedCheck(context, check, state.strategies ? shapeLoginAnswer : null)
  }
}

/**
 * On a Fastify that copies not-found contexts (before 5.12.2), the requests catch-all routes hand
 * on with `reply.callNotFound()` are checked by an app-wide preHandler hook instead, which every
 * matched request there pays for. Newer Fastify needs none.
 */
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

/**
 * Checks the requests no route answers: once the app is ready (the not-found contexts have their
 * hooks) in the not-found contexts, and on an older Fastify also where catch-all routes hand on.
 */
export function installUnmatchedChecks (fastify: FastifyInstance, state: AppState): void {
  trackConstraintStrategies(fastify, state)
  checkCalledNotFound(fastify, state)
  fastify.addHook('onReady', function checkUnmatchedRequests (done) {
    checkNotFoundContexts(fastify, state)
    done()
  })
}

type Hooks = NotFoundContext['preParsing'] & object

/**
 * Adds the unmatched check to a not-found context: in preParsing, after every onRequest hook (CORS
 * headers, say) and before the body is read; and in preHandler, for the requests a catch-all route
 * (`@fastify/static`'s `GET /*`) hands on with `reply.callNotFound()`, which runs only that stage.
 * `answers`, in apps with login strategies, shapes what a strategy sends in the check (onSend).
 */
function addUnmatchedCheck (context: NotFoundContext, check: Check, answers: AnswerCheck | null): void {
  context.preParsing = [...(context.preParsing ?? []), stageHook(check, 'preParsing') as Hooks[number]]
  context.preHandler = [...(context.preHandler ?? []), stageHook(check, 'preHandler') as Hooks[number]]
  if (answers !== null) context.onSend = [...(context.onSend ?? []), answers as Hooks[number]]
}
