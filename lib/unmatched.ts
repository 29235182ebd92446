import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type FindMyWay from 'find-my-way'
import { loginAnswerCheck, type AnswerCheck } from './auth'
import type { Check } from './guard'
import { allowHeader, type AllowedMethods } from './methods'
import { addUnmatchedCheck, copiesNotFoundContexts, notFoundContexts } from './not-found-contexts'
import type { AppState, IndexedRoute } from './route-index'

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
 * The check for requests no route answers, run by the not-found contexts: a URL that is an ajax
 * route for other methods answers 405 with `Allow` (after the route's login check, in the seed's
 * order); an unknown URL under an `all` prefix answers the 404 envelope; anything else goes on to
 * Fastify's (or the app's) not-found handler.
 */
export function createUnmatchedCheck (fastify: FastifyInstance, state: AppState): Check {
  // Routes cannot change once the app is ready, so what an URL is worth is worked out once.
  const rememberRoute = createMemory<IndexedRoute | null>()
  const rememberAllow = createMemory<string>()

  function routeFor (method: string, path: string): IndexedRoute | null {
    return rememberRoute(`${method} ${path}`, () => findOtherMethod(state, method, path))
  }

  function allowAt (path: string): string {
    return rememberAllow(path, () => allowHeader(fastify.supportedMethods.filter((method) => {
      const ajax = state.index.find(method as FindMyWay.HTTPMethod, path)
      if (ajax === null) {
        // Routes that match every URL (@fastify/static's `GET /*`, CORS preflight's `OPTIONS *`)
        // say nothing of this resource: a GET here would end in the plugin's 405 anyway.
        const match = fastify.findRoute({ method, url: path })
        return match !== null && !('*' in (match.params as object))
      }
      const { allowed } = ajax.store as IndexedRoute
      return allowed === null || allowed.set.has(method)
    })))
  }

  function answerMethod (request: FastifyRequest, reply: FastifyReply, route: IndexedRoute, path: string): void {
    // No method here would succeed only when the URL's ajax routes allow none they are registered
    // for (requirePOST on a GET route): like the route itself, name what its options declare.
    const allow = allowAt(path)
    reply.header('allow', allow !== '' ? allow : (route.allowed as AllowedMethods).header)
    // A not-found context runs no ajax route's onSend hook: the body leaves as sent here.
    reply.send(route.writer.finalText(request, reply, 405, 'Method not allowed'))
  }

  // After a login check passed: what the request was refused for is looked up again.
  const refuseMethod: Check = function refuseMethod (request, reply) {
    const path = pathOf(request.url)
    answerMethod(request, reply, routeFor(request.method, path) as IndexedRoute, path)
  }

  return function checkUnmatched (request, reply, done) {
    const path = pathOf(request.url)
    const found = routeFor(request.method, path)
    if (found !== null) {
      if (found.login === null) answerMethod(request, reply, found, path)
      else found.login(request, reply, done, refuseMethod)
      return
    }
    const scope = state.prefixes.find((entry) => underPrefix(state.caseSensitive ? path : path.toLowerCase(), entry.prefix))
    if (scope !== undefined) {
      reply.send(scope.writer.finalText(request, reply, 404, 'Not found'))
      return
    }
    done()
  }
}

/**
 * The ajax route this URL has for another method, a login-required one first. When the request's
 * own method has one, the router passed it over on purpose (a version or host constraint): that
 * stays a 404.
 */
function findOtherMethod (state: AppState, requestMethod: string, path: string): IndexedRoute | null {
  if (state.index.find(requestMethod as FindMyWay.HTTPMethod, path) !== null) return null
  let found: IndexedRoute | null = null
  for (const method of state.methods) {
    const match = state.index.find(method as FindMyWay.HTTPMethod, path)
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
  checkCalledNotFound(fastify, state)
  fastify.addHook('onReady', function checkUnmatchedRequests (done) {
    checkNotFoundContexts(fastify, state)
    done()
  })
}
