import fastifyAuth from '@fastify/auth'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { FST_AJAX_STRATEGY_FAILED } from './errors'
import type { AjaxAuthStrategy } from './types'

/** The hook `@fastify/auth` builds from the strategies. */
export type AuthHook = (request: FastifyRequest, reply: FastifyReply, done: (error?: unknown) => void) => void

/** Without strategies, a request is logged in when an auth plugin has set a truthy `request.user`. */
export function hasUser (request: FastifyRequest): boolean {
  return Boolean((request as FastifyRequest & { user?: unknown }).user)
}

function describe (value: unknown): string {
  if (typeof value === 'object' && value !== null) return Object.prototype.toString.call(value)
  return String(value)
}

// @fastify/auth counts a strategy that throws or rejects with a falsy value (null, undefined)
// as a success. A login check must not, so every failure becomes an Error first.
function toFailure (value: unknown): Error {
  if (value instanceof Error) return value
  const failure: Error & { statusCode?: number } = new FST_AJAX_STRATEGY_FAILED(describe(value))
  if (typeof value === 'object' && value !== null && (value as { statusCode?: unknown }).statusCode === 403) {
    failure.statusCode = 403
  }
  return failure
}

/**
 * What a strategy that answered the request itself settles with: a failure, whatever it said, so
 * that @fastify/auth neither resets the status of that answer to 200 nor lets the handler run.
 */
export const STRATEGY_ANSWERED: Error = Object.freeze(new Error('The login strategy answered the request itself'))

/** An onSend hook that shapes what a login strategy sent into an ajax answer. */
export type AnswerCheck = (request: FastifyRequest, reply: FastifyReply, payload: unknown, done: (error: Error | null, payload?: unknown) => void) => void

/**
 * Requests whose login check a strategy may be answering, from the start of the check until it
 * passes, with the onSend hook of the registration that checks them. A 3xx sent meanwhile is a
 * login redirect, whether or not it names a `location`. Where no ajax route's onSend runs (the
 * router-level check of an URL the route has other methods for), the not-found contexts run it.
 */
const inLoginCheck = new WeakMap<FastifyRequest, AnswerCheck>()

export function startLoginCheck (request: FastifyRequest, answers: AnswerCheck): void {
  inLoginCheck.set(request, answers)
}

export function passLoginCheck (request: FastifyRequest): void {
  inLoginCheck.delete(request)
}

/** True when a login strategy may have sent what is leaving (the check has not passed). */
export function isInLoginCheck (request: FastifyRequest): boolean {
  return inLoginCheck.has(request)
}

/** The onSend hook for what a login strategy sent, while the request's check has not passed. */
export function loginAnswerCheck (request: FastifyRequest): AnswerCheck | undefined {
  return inLoginCheck.get(request)
}

/**
 * True when the reply is sent, or on its way: under an async onSend hook an answer has not left
 * yet, but send() has set the headers that tell (a content type, a redirect's location).
 */
export function hasAnswered (reply: FastifyReply, typedBefore: boolean): boolean {
  return reply.sent || reply.hasHeader('location') || (!typedBefore && reply.hasHeader('content-type'))
}

/**
 * Wraps a strategy so that it settles exactly once (an async strategy that also calls `done`
 * would otherwise count twice, the second time as a success), so that whatever it throws or
 * rejects with counts as a failure, and so that a strategy that answered by itself fails.
 */
export function guardStrategy (strategy: AjaxAuthStrategy): AjaxAuthStrategy {
  return function ajaxStrategy (request, reply, done) {
    const typed = reply.hasHeader('content-type')
    let settled = false
    const settle = (failure?: unknown): void => {
      if (settled) return
      settled = true
      if (hasAnswered(reply, typed)) done(STRATEGY_ANSWERED)
      else done(failure === undefined || failure === null ? undefined : toFailure(failure))
    }
    let result
    try {
      result = strategy.call(this, request, reply, settle)
    } catch (error) {
      settle(toFailure(error))
      return
    }
    if (result !== null && typeof result === 'object' && typeof result.then === 'function') {
      result.then(() => settle(), (error: unknown) => settle(toFailure(error)))
    }
  }
}

/** A failed strategy answers 403 when it says the user is known but not allowed, else 401. */
export function failureStatus (failure: unknown): 401 | 403 {
  return (failure as { statusCode?: unknown }).statusCode === 403 ? 403 : 401
}

/**
 * Builds the login hook from the strategies with `@fastify/auth`, registered in a context of its
 * own so that it works whether or not the app registers `@fastify/auth` too.
 */
export async function buildAuthHook (
  fastify: FastifyInstance,
  strategies: readonly AjaxAuthStrategy[],
  relation: 'or' | 'and'
): Promise<AuthHook> {
  let hook: AuthHook | undefined
  await fastify.register(async function ajaxutilsAuth (context) {
    await context.register(fastifyAuth)
    hook = context.auth(strategies.map(guardStrategy), { relation }) as unknown as AuthHook
  })
  return hook as AuthHook
}
