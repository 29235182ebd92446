import type { FastifyInstance, FastifyReply } from 'fastify'

/*
 * Every place the plugin relies on Fastify behaviour that is not public API, each for a cost or a
 * case no public API covers (docs/internals.md has the why and the tests that guard each):
 * 1. `fastifySymbol`: Fastify's symbols found by their description, below.
 * 2. `createContentTypeReader`: a reply's headers object, read without `reply.getHeader()`.
 * 3. `notFoundContexts`: the not-found contexts, given the check for unmatched requests.
 * 4. `copiesNotFoundContexts`: a version check for Fastify before 5.12.2.
 * 5. route.ts: the HEAD twin of a GET route is registered right after it, from the same options
 *    object, and its last onSend hook is Fastify's, which drops the body.
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
