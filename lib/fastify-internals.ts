import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'

/*
 * Every use of Fastify behaviour that is not public API; docs/internals.md says why and which test guards each.
 * 1. fastifySymbol  2. createContentTypeReader  3. notFoundContexts  4. copiesNotFoundContexts
 * 5. route.ts: the HEAD twin  6. createErrorChain  7. router.ts: constraints  8. prototype-based contexts
 */

/** Fastify's symbol with this description, on the object or up its prototype chain. */
export function fastifySymbol (instance: object, description: string): symbol | undefined {
  for (let object: object | null = instance; object !== null; object = Object.getPrototypeOf(object)) {
    const found = Object.getOwnPropertySymbols(object).find((symbol) => symbol.description === description)
    if (found !== undefined) return found
  }
  return undefined
}

/** Symbol description: a reply's headers, by lower-case name. */
export const REPLY_HEADERS = 'fastify.reply.headers'

/** The content type set on a reply (not on `reply.raw`), if any. */
export type ContentTypeReader = (reply: FastifyReply) => unknown

type HeadersByKey = Record<symbol, Record<string, unknown>>

/** Reads a reply's content type in one property read; falls back to `reply.getHeader()`. */
export function createContentTypeReader (description = REPLY_HEADERS): ContentTypeReader {
  let key: symbol | null | undefined
  return function contentTypeOf (reply) {
    if (key === undefined) key = fastifySymbol(reply, description) ?? null
    return key === null ? reply.getHeader('content-type') : (reply as unknown as HeadersByKey)[key]['content-type']
  }
}

export const NOT_FOUND_CONTEXT = 'fastify.404ContextKey'
export const CHILDREN = 'fastify.children'

type Hooks = Array<(...args: never[]) => unknown>

export interface NotFoundContext {
  preParsing: Hooks | null
  preHandler: Hooks | null
  onSend: Hooks | null
}

/** The not-found contexts that answer for `fastify`'s routes: its own and those of instances below it. */
export function notFoundContexts (fastify: FastifyInstance): NotFoundContext[] {
  const contextKey = fastifySymbol(fastify, NOT_FOUND_CONTEXT)
  const childrenKey = fastifySymbol(fastify, CHILDREN)
  if (contextKey === undefined || childrenKey === undefined) {
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

/** Before 5.12.2 each route had a copy of its not-found context, taken before the app was ready. */
export function copiesNotFoundContexts (version: string): boolean {
  const [major, minor, patch] = version.split('.').map(Number)
  return major === 5 && (minor < 12 || (minor === 12 && patch < 2))
}

export const NEXT_ERROR_HANDLER = 'fastify.reply.nextErrorHandler'

export type ErrorHandlerFunc = (error: unknown, request: FastifyRequest, reply: FastifyReply) => unknown

/** A link of Fastify's chain of error handlers: `func`, and the next link as prototype. */
type ErrorHandlerLink = object

export interface ErrorChain {
  /** The link Fastify runs when the current handler passes an error on, if found. */
  next (reply: FastifyReply): ErrorHandlerLink | undefined
  /** The app's handlers from `link` on, nearest first, without Fastify's default. */
  handlers (link: ErrorHandlerLink): ErrorHandlerFunc[]
  /** A chain that runs `handlers` in order, each passing its errors on to the next. */
  build (handlers: readonly ErrorHandlerFunc[]): ErrorHandlerLink
  setNext (reply: FastifyReply, link: ErrorHandlerLink): void
  handlerOf (link: ErrorHandlerLink): ErrorHandlerFunc
}

type LinkRecord = { func?: unknown }

/** Access to a reply's chain of error handlers; one per registration. */
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
