import type { FastifyReply, FastifyRequest } from 'fastify'
import { failureStatus, hasAnswered, hasUser, passLoginCheck, startLoginCheck, STRATEGY_ANSWERED, type AnswerCheck, type AuthHook } from './auth'
import type { EnvelopeWriter } from './envelope'
import type { AjaxRoute } from './route-config'
import type { AjaxCheckHook } from './types'

type Done = (error?: Error) => void

/** A check in the hooks' callback style: it answers the request itself, or calls `done`. */
export type Check = (request: FastifyRequest, reply: FastifyReply, done: Done) => void

/** Answers 401 (or 403) unless the request is logged in; then runs `next`. */
export type LoginCheck = (request: FastifyRequest, reply: FastifyReply, done: Done, next: Check) => void

/**
 * The login rule of a registration: its strategies, or a truthful `request.user`. `answers` is
 * the registration's onSend hook, which shapes what a strategy sends by itself.
 */
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
      // A strategy may answer by itself (a redirect, a 401 of its own); the route's onSend then
      // makes that answer an envelope, and nothing else may be sent. With relation 'or' a later
      // strategy may still succeed after one answered, so the reply itself is asked too.
      if (failure === STRATEGY_ANSWERED || hasAnswered(reply, typed)) return
      if (failure === undefined || failure === null) {
        passLoginCheck(request)
        next(request, reply, done)
        return
      }
      const status = failureStatus(failure)
      // Strategy messages can describe tokens or secrets: they go to the log, never to the client.
      request.log.info({ err: failure }, 'fastify-ajaxutils: login strategy refused the request')
      reply.send(writer.text(request, reply, status, status === 403 ? 'Forbidden' : 'Unauthorized'))
    })
  }
}

/** Turns a check into a hook of the given stage (preParsing hooks also get the body stream). */
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

/**
 * Builds the route hook that runs the seed's checks in its order: login, then method. A refused
 * request is answered here, so later stages (body parsing, the handler) never run.
 */
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
