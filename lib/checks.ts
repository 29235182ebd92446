import fastifyAuth from '@fastify/auth'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { EnvelopeWriter } from './envelope'
import { FST_AJAX_STRATEGY_FAILED } from './errors'
import type { AjaxRoute, CrossOriginSettings } from './options'
import type { AjaxAuthStrategy, AjaxCheckHook } from './types'

/** The hook `@fastify/auth` builds from the strategies. */
export type AuthHook = (request: FastifyRequest, reply: FastifyReply, done: (error?: unknown) => void) => void

/** Without strategies, a request is logged in when an auth plugin has set a truthy `request.user`. */
function hasUser (request: FastifyRequest): boolean {
  return Boolean((request as FastifyRequest & { user?: unknown }).user)
}

function describe (value: unknown): string {
  if (typeof value === 'object' && value !== null) return Object.prototype.toString.call(value)
  return String(value)
}

// @fastify/auth counts a falsy rejection as a success: every failure becomes an Error first.
function toFailure (value: unknown): Error {
  if (value instanceof Error) return value
  const failure: Error & { statusCode?: number } = new FST_AJAX_STRATEGY_FAILED(describe(value))
  if (typeof value === 'object' && value !== null && (value as { statusCode?: unknown }).statusCode === 403) {
    failure.statusCode = 403
  }
  return failure
}

/** What a strategy that answered the request itself settles with, so that the handler never runs. */
const STRATEGY_ANSWERED: Error = Object.freeze(new Error('The login strategy answered the request itself'))

/** An onSend hook that shapes what a login strategy sent into an ajax answer. */
export type AnswerCheck = (request: FastifyRequest, reply: FastifyReply, payload: unknown, done: (error: Error | null, payload?: unknown) => void) => void

/** Requests in a login check that has not passed, with the onSend hook of the registration checking them. */
const inLoginCheck = new WeakMap<FastifyRequest, AnswerCheck>()

function startLoginCheck (request: FastifyRequest, answers: AnswerCheck): void {
  inLoginCheck.set(request, answers)
}

function passLoginCheck (request: FastifyRequest): void {
  inLoginCheck.delete(request)
}

export function isInLoginCheck (request: FastifyRequest): boolean {
  return inLoginCheck.has(request)
}

export function loginAnswerCheck (request: FastifyRequest): AnswerCheck | undefined {
  return inLoginCheck.get(request)
}

/** True when the reply is sent, or on its way (send() set a content type or a location). */
function hasAnswered (reply: FastifyReply, typedBefore: boolean): boolean {
  return reply.sent || reply.hasHeader('location') || (!typedBefore && reply.hasHeader('content-type'))
}

/** Wraps a strategy to settle once, fail on whatever it throws, and fail when it answered by itself. */
function guardStrategy (strategy: AjaxAuthStrategy): AjaxAuthStrategy {
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

/** 403 when the failure says the user is known but not allowed, else 401. */
function failureStatus (failure: unknown): 401 | 403 {
  return (failure as { statusCode?: unknown }).statusCode === 403 ? 403 : 401
}

/** Builds the login hook with `@fastify/auth`, in a context of its own. */
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

type Done = (error?: Error) => void

/** A check in the hooks' callback style: it answers the request itself, or calls `done`. */
export type Check = (request: FastifyRequest, reply: FastifyReply, done: Done) => void

/** Answers 401 (or 403) unless the request is logged in; then runs `next`. */
export type LoginCheck = (request: FastifyRequest, reply: FastifyReply, done: Done, next: Check) => void

/** The login rule of a registration: its strategies, or a truthy `request.user`. */
export function createLoginCheck (auth: AuthHook | null, writer: EnvelopeWriter, answers: AnswerCheck): LoginCheck {
  if (auth === null) {
    return function checkUser (request, reply, done, next) {
      if (hasUser(request)) next(request, reply, done)
      else reply.send(writer.text(request, reply, 401, 'Unauthorized'))
    }
  }
  return function checkStrategies (request, reply, done, next) {
    const typed = reply.hasHeader('content-type')
    startLoginCheck(request, answers)
    auth(request, reply, (failure) => {
      // A strategy answered by itself: the route's onSend makes that the envelope.
      if (failure === STRATEGY_ANSWERED || hasAnswered(reply, typed)) return
      if (failure === undefined || failure === null) {
        passLoginCheck(request)
        next(request, reply, done)
        return
      }
      const status = failureStatus(failure)
      // Strategy messages can describe tokens: log only.
      request.log.info({ err: failure }, 'fastify-ajaxutils: login strategy refused the request')
      reply.send(writer.text(request, reply, status, status === 403 ? 'Forbidden' : 'Unauthorized'))
    })
  }
}

/** Turns a check into a hook of the given stage. */
export function stageHook (check: Check, stage: AjaxCheckHook) {
  if (stage === 'preParsing') {
    return function ajaxCheck (request: FastifyRequest, reply: FastifyReply, _payload: unknown, done: Done) {
      check(request, reply, done)
    }
  }
  return function ajaxCheck (request: FastifyRequest, reply: FastifyReply, done: Done) {
    check(request, reply, done)
  }
}

/** The route hook that runs the seed's checks in its order: login, then method. */
export function createGuard (route: AjaxRoute, login: LoginCheck, writer: EnvelopeWriter, stage: AjaxCheckHook) {
  const { loginRequired, allowed } = route

  const checkMethod: Check = function checkMethod (request, reply, done) {
    if (allowed !== null && !allowed.set.has(request.method)) {
      reply.header('allow', allowed.header)
      reply.send(writer.text(request, reply, 405, 'Method not allowed'))
      return
    }
    done()
  }

  const checkLogin: Check = function checkLogin (request, reply, done) {
    login(request, reply, done, checkMethod)
  }

  return stageHook(loginRequired ? checkLogin : checkMethod, stage)
}

export const SAFE_METHODS: ReadonlySet<string> = new Set(['GET', 'HEAD', 'OPTIONS'])

const ORIGIN = /^[a-z][a-z0-9+.-]*:\/\/((?:\[[0-9a-f:.]+\]|[a-z0-9._~-]+)(?::\d{1,5})?)$/i

/** Why a request is refused as cross-origin, or `null` when it passes. */
function crossOriginRefusal (request: FastifyRequest, trustedOrigins: ReadonlySet<string>): string | null {
  const headers = request.headers
  const site = headers['sec-fetch-site']
  const origin = headers.origin
  if (origin !== undefined && origin.includes(',')) return 'several Origin headers'
  if (site === 'same-origin' || site === 'none') return null
  if (origin !== undefined && trustedOrigins.has(origin)) return null
  if (site !== undefined) return 'Sec-Fetch-Site is neither same-origin nor none'
  if (origin === undefined) return null
  const host = ORIGIN.exec(origin)?.[1]
  if (host === undefined) return origin === 'null' ? 'Origin is null (an opaque origin)' : 'malformed Origin'
  if (host.toLowerCase() === request.host.toLowerCase()) return null
  return 'Origin does not match the host'
}

/** The onRequest hook that refuses non-safe cross-origin requests with 403; `checksSafe` tests the method. */
export function createCrossOriginCheck (settings: CrossOriginSettings, writer: EnvelopeWriter, checksSafe: boolean) {
  const { trustedOrigins } = settings
  return function ajaxCrossOriginCheck (request: FastifyRequest, reply: FastifyReply, done: Done): void {
    if (checksSafe && SAFE_METHODS.has(request.method)) {
      done()
      return
    }
    const refusal = crossOriginRefusal(request, trustedOrigins)
    if (refusal === null) {
      done()
      return
    }
    const { headers } = request
    request.log.info(
      { secFetchSite: headers['sec-fetch-site'], origin: headers.origin, host: request.host },
      `fastify-ajaxutils: cross-origin request refused: ${refusal}`
    )
    reply.send(writer.text(request, reply, 403, 'Cross-origin request refused'))
  }
}
