import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import FindMyWay from 'find-my-way'
import type { EnvelopeWriter } from './envelope'
import { allowedMethods } from './methods'

type RouterIndex = ReturnType<typeof FindMyWay>

/** What every registration of the plugin in one app shares. */
export interface AppState {
  /** The ajax routes, matched the way Fastify's router matches, to tell a 405 from a 404. */
  readonly index: RouterIndex
  /** The methods any ajax route is registered for. */
  readonly methods: Set<string>
  /** Contexts registered with `all`: unknown URLs under their prefix get the 404 envelope. */
  readonly prefixes: Array<{ prefix: string, writer: EnvelopeWriter }>
  /** Contexts that already run the unmatched-request hook. */
  readonly hooked: FastifyInstance[]
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

function routerSettings (fastify: FastifyInstance): RouterSettings {
  // Fastify 5 moved these under routerOptions; older 5.x minors keep them at the top level.
  const config = fastify.initialConfig as RouterSettings & { routerOptions?: RouterSettings }
  const source = config.routerOptions ?? config
  return {
    caseSensitive: source.caseSensitive,
    ignoreTrailingSlash: source.ignoreTrailingSlash,
    ignoreDuplicateSlashes: source.ignoreDuplicateSlashes,
    maxParamLength: source.maxParamLength,
    allowUnsafeRegex: source.allowUnsafeRegex,
    useSemicolonDelimiter: source.useSemicolonDelimiter
  }
}

/** The state of the app `fastify` belongs to (all its contexts share one server). */
export function appState (fastify: FastifyInstance): AppState {
  let state = states.get(fastify.server)
  if (state === undefined) {
    state = { index: FindMyWay(routerSettings(fastify)), methods: new Set(), prefixes: [], hooked: [] }
    states.set(fastify.server, state)
  }
  return state
}

/** True when no context above `fastify` (or itself) already runs the unmatched-request hook. */
export function claimUnmatched (state: AppState, fastify: FastifyInstance): boolean {
  if (state.hooked.some((context) => context === fastify || Object.prototype.isPrototypeOf.call(context, fastify))) return false
  state.hooked.push(fastify)
  return true
}

interface IndexedRoute {
  writer: EnvelopeWriter
}

// find-my-way wants a handler per route; the index only ever looks routes up, never runs them.
/* c8 ignore next */
function noop (): void {}

/** Records an ajax route so that a request for its URL with another method gets 405, not 404. */
export function indexAjaxRoute (state: AppState, methods: readonly string[], url: string, writer: EnvelopeWriter): void {
  const store: IndexedRoute = { writer }
  for (const method of methods) {
    state.methods.add(method)
    try {
      state.index.on(method as FindMyWay.HTTPMethod, url, noop, store)
    } catch {
      // Already indexed (a constrained twin of the route), or a path Fastify itself rejects next.
    }
  }
}

function pathOf (url: string): string {
  const query = url.indexOf('?')
  return query === -1 ? url : url.slice(0, query)
}

function underPrefix (path: string, prefix: string): boolean {
  return prefix === '' || path === prefix || (path.startsWith(prefix) && path.charCodeAt(prefix.length) === 47 /* / */)
}

/**
 * An onRequest hook that acts only when no route matched (`request.is404`): a URL that is an ajax
 * route for other methods answers 405 with `Allow`; an unknown URL under an `all` prefix answers
 * the 404 envelope; anything else goes on to Fastify's (or the app's) not-found handler.
 */
export function createUnmatchedHook (fastify: FastifyInstance, state: AppState) {
  return function ajaxUnmatched (request: FastifyRequest, reply: FastifyReply, done: () => void): void {
    if (!request.is404) {
      done()
      return
    }
    const url = request.url
    const found = findAjaxRoute(state, request.method, url)
    if (found !== null) {
      const methods = fastify.supportedMethods.filter((method) => fastify.findRoute({ method, url }) !== null)
      reply.header('allow', allowedMethods(methods).header)
      reply.send(found.writer.text(request, reply, 405, 'Method not allowed'))
      return
    }
    const path = pathOf(url)
    const scope = state.prefixes.find((entry) => underPrefix(path, entry.prefix))
    if (scope !== undefined) {
      reply.send(scope.writer.text(request, reply, 404, 'Not found'))
      return
    }
    done()
  }
}

function findAjaxRoute (state: AppState, requestMethod: string, url: string): IndexedRoute | null {
  for (const method of state.methods) {
    if (method === requestMethod) continue
    const match = state.index.find(method as FindMyWay.HTTPMethod, url)
    if (match !== null) return match.store as IndexedRoute
  }
  return null
}
