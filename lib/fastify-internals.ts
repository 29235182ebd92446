import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'

/*
 * Every place the plugin relies on Fastify behaviour that is not public API, each for a cost or a
 * case no public API covers (docs/internals.md has the why and the tests that guard each):
 * 1. `fastifySymbol`: Fastify's symbols found by their description, below.
 * 2. `createContentTypeReader`: a reply's headers object, read without `reply.getHeader()`.
 * 3. `notFoundContexts`: the not-found contexts, given the check for unmatched requests.
 * 4. `copiesNotFoundContexts`: a version check for Fastify before 5.12.2.
 * 5. route.ts: the HEAD twin of a GET route is registered right after it, from the same options
 *    object, and its last onSend hook is Fastify's, which drops the body.
 * 6. `createErrorChain`: the error handler a reply runs next, and the shape of Fastify's chain of
 *    error handlers (each link's `func`, the next link its prototype, Fastify's default the root),
 *    so that the app's handlers run before the plugin's instead of before Fastify's default.
 * 7. router.ts: request constraints derived as find-my-way derives them (`host`, `accept-version`,
 *    a custom strategy's `deriveConstraint(req)`), custom strategies read from `initialConfig`,
 *    and `addConstraintStrategy` wrapped on the plugin's instance to learn the ones added later.
 * 8. route.ts `registrationCrossOrigin`: a child context is `Object.create(parent)`, so a value set
 *    on an instance is seen by the contexts created under it.
 */

/** Fastify's symbol with this description, on the object or up its prototype chain. */
export function fastifySymbol (instance: object, description: string): symbol | undefined {
  for (let object: object | null = instance; object !== null; object = Object.getPrototypeOf(object)) {
    const found = Object.getOwnPropertySymbols(object).find((symbol) => symbol.description === description)
    if (found !== undefined) return found
  }
  return undefined
}

/** Description of the symbol under which a reply keeps the headers set on it, by lower-case name. */
export const REPLY_HEADERS = 'fastify.reply.headers'

/**
 * The content type a reply holds of its own (set with `reply.type()`, `reply.header()`,
 * `reply.headers()` or by Fastify), if any; a type set on `reply.raw` is not read.
 */
export type ContentTypeReader = (reply: FastifyReply) => unknown

type HeadersByKey = Record<symbol, Record<string, unknown>>

/**
 * Reads a reply's content type in one property read, where `reply.getHeader()` lower-cases the name
 * on every call; falls back to `reply.getHeader()` on a Fastify that keeps headers elsewhere. One
 * reader per registration: two copies of Fastify in a process have symbols of their own.
 */
export function createContentTypeReader (description = REPLY_HEADERS): ContentTypeReader {
  let key: symbol | null | undefined
  return function contentTypeOf (reply) {
    if (key === undefined) key = fastifySymbol(reply, description) ?? null
    return key === null ? reply.getHeader('content-type') : (reply as unknown as HeadersByKey)[key]['content-type']
  }
}

/** Description of the symbol under which an instance keeps its not-found context. */
export const NOT_FOUND_CONTEXT = 'fastify.404ContextKey'
/** Description of the symbol under which an instance keeps its child instances. */
export const CHILDREN = 'fastify.children'

type Hooks = Array<(...args: never[]) => unknown>

/** The parts of a not-found context the plugin touches: its preParsing, preHandler and onSend hooks. */
export interface NotFoundContext {
  preParsing: Hooks | null
  preHandler: Hooks | null
  onSend: Hooks | null
}

/**
 * The not-found contexts that answer for `fastify`'s routes: its own (maybe its parent's), and
 * those of the instances below it that set a not-found handler of their own. A check added there
 * costs matched requests nothing, where an app-wide hook would cost every request.
 */
export function notFoundContexts (fastify: FastifyInstance): NotFoundContext[] {
  const contextKey = fastifySymbol(fastify, NOT_FOUND_CONTEXT)
  const childrenKey = fastifySymbol(fastify, CHILDREN)
  if (contextKey === undefined || childrenKey === undefined) {
    // Answers stay right without the check, only less precise: say so rather than fail to start.
    fastify.log.warn('fastify-ajaxutils: this Fastify keeps its not-found contexts elsewhere: no router-level 405, and unknown URLs keep Fastify\'s 404')
    return []
  }
  const contexts = new Set<NotFoundContext>([(fastify as unknown as Record<symbol, NotFoundContext>)[contextKey]])
  const visit = (instance: Record<symbol, unknown>): void => {
    if (Object.hasOwn(instance, contextKey)) contexts.add(instance[contextKey] as NotFoundContext)
    for (const child of instance[childrenKey] as Array<Record<symbol, unknown>>) visit(child)
  }
  visit(fastify as unknown as Record<symbol, unknown>)
  return [...contexts]
}

/**
 * Before 5.12.2 Fastify gave each route a copy of its not-found context, taken before the app is
 * ready; `reply.callNotFound()` (from a catch-all route such as `@fastify/static`'s `GET /*`) then
 * runs the copy's preHandler hooks, which a check added later does not reach.
 */
export function copiesNotFoundContexts (version: string): boolean {
  const [major, minor, patch] = version.split('.').map(Number)
  return major === 5 && (minor < 12 || (minor === 12 && patch < 2))
}

/** Description of the symbol under which a reply keeps the error handler Fastify runs next. */
export const NEXT_ERROR_HANDLER = 'fastify.reply.nextErrorHandler'

export type ErrorHandlerFunc = (error: unknown, request: FastifyRequest, reply: FastifyReply) => unknown

/** One link of Fastify's chain of error handlers: its handler, and the next link as prototype. */
export type ErrorHandlerLink = object

export interface ErrorChain {
  /**
   * The link Fastify runs when the current handler passes an error on (what Fastify computed for
   * the route: its context's handlers, then its parents'), or `undefined` on a Fastify that keeps
   * it elsewhere.
   */
  next (reply: FastifyReply): ErrorHandlerLink | undefined
  /** The app's handlers from `link` on, nearest first; Fastify's default, the chain's root, left out. */
  handlers (link: ErrorHandlerLink): ErrorHandlerFunc[]
  /** A chain that runs `handlers` in order, each passing its errors on to the next. */
  build (handlers: readonly ErrorHandlerFunc[]): ErrorHandlerLink
  /** Makes Fastify run `link` when the current handler passes an error on. */
  setNext (reply: FastifyReply, link: ErrorHandlerLink): void
  /** The handler of a link. */
  handlerOf (link: ErrorHandlerLink): ErrorHandlerFunc
}

type LinkRecord = { func?: unknown }

/** Access to the chain of error handlers of a reply; one per registration, as for the reader above. */
export function createErrorChain (description = NEXT_ERROR_HANDLER): ErrorChain {
  let key: symbol | null | undefined
  return {
    next (reply) {
      if (key === undefined) key = fastifySymbol(reply, description) ?? null
      const link = key === null ? undefined : (reply as unknown as Record<symbol, unknown>)[key]
      return typeof link === 'object' && link !== null ? link : undefined
    },
    handlers (link) {
      const found: ErrorHandlerFunc[] = []
      // Fastify's root link is a plain object; every handler set on top of it is made from it.
      for (let at: object = link; Object.getPrototypeOf(at) !== Object.prototype && Object.getPrototypeOf(at) !== null; at = Object.getPrototypeOf(at)) {
        const func = Object.hasOwn(at, 'func') ? (at as LinkRecord).func : undefined
        if (typeof func === 'function') found.push(func as ErrorHandlerFunc)
      }
      return found
    },
    build (handlers) {
      // The last link's prototype has no handler: Fastify then answers with its fallback.
      let link: object = Object.create(null)
      for (let index = handlers.length - 1; index >= 0; index--) {
        const next: object = Object.create(link)
        ;(next as LinkRecord).func = handlers[index]
        link = next
      }
      return link
    },
    setNext (reply, link) {
      (reply as unknown as Record<symbol, unknown>)[key as symbol] = link
    },
    handlerOf (link) {
      return (link as LinkRecord).func as ErrorHandlerFunc
    }
  }
}
