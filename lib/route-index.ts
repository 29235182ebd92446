import type { FastifyInstance } from 'fastify'
import FindMyWay from 'find-my-way'
import type { EnvelopeWriter } from './envelope'
import type { LoginCheck } from './guard'
import type { AllowedMethods } from './methods'

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
}

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
      strategies: false
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

/**
 * Records an ajax route so that a request for its URL with another method gets 405, not 404. A
 * nearer registration of the plugin indexes the route again: its settings replace the first's.
 */
export function indexAjaxRoute (state: AppState, methods: readonly string[], url: string, route: IndexedRoute): void {
  for (const method of methods) {
    state.methods.add(method)
    const key = `${method} ${url}`
    const indexed = state.indexed.get(key)
    if (indexed !== undefined) {
      Object.assign(indexed, route)
      continue
    }
    const store = { ...route }
    try {
      state.index.on(method as FindMyWay.HTTPMethod, url, NEVER_RUN, store)
      state.indexed.set(key, store)
    } catch {
      // A path Fastify itself rejects next, with its own error.
    }
  }
}

/** Unknown URLs under the prefix of a context registered with `all` get the 404 envelope. */
export function answerUnknownUrls (fastify: FastifyInstance, state: AppState, writer: EnvelopeWriter): void {
  state.prefixes.push({ prefix: state.caseSensitive ? fastify.prefix : fastify.prefix.toLowerCase(), writer })
}
