import type { FastifyInstance } from 'fastify'
import type { AnswerCheck } from './auth'
import { fastifySymbol } from './fastify-internals'
import { stageHook, type Check } from './guard'

/*
 * One of the two places the plugin reads Fastify internals (content-type.ts is the other). A
 * request no route matches is answered by a not-found context, which Fastify keeps under a symbol
 * of its own on every instance that set a not-found handler. Public hooks reach those requests
 * only as hooks of the whole app, which every matched request then pays for (a hook runner per
 * request: 2 to 3 % of a small JSON answer, measured with `npm run bench`); a check added to the
 * not-found contexts alone costs matched requests nothing. test/not-found-contexts.test.ts fails
 * loudly if a Fastify update moves them.
 */

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
 * those of the instances below it that set a not-found handler of their own.
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

/**
 * Adds the unmatched check to a not-found context: in preParsing, after every onRequest hook (CORS
 * headers, say) and before the body is read; and in preHandler, for the requests a catch-all route
 * (`@fastify/static`'s `GET /*`) hands on with `reply.callNotFound()`, which runs only that stage.
 * `answers`, in apps with login strategies, shapes what a strategy sends in the check (onSend).
 */
export function addUnmatchedCheck (context: NotFoundContext, check: Check, answers: AnswerCheck | null): void {
  context.preParsing = [...(context.preParsing ?? []), stageHook(check, 'preParsing') as Hooks[number]]
  context.preHandler = [...(context.preHandler ?? []), stageHook(check, 'preHandler') as Hooks[number]]
  if (answers !== null) context.onSend = [...(context.onSend ?? []), answers as Hooks[number]]
}
