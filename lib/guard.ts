import type { FastifyReply, FastifyRequest } from 'fastify'
import { failureStatus, hasUser, type AuthHook } from './auth'
import type { EnvelopeWriter } from './envelope'
import type { AjaxRoute } from './route-config'
import type { AjaxCheckHook } from './types'

type Done = (error?: Error) => void
type CheckHook = (request: FastifyRequest, reply: FastifyReply, done: Done) => void

/**
 * Builds the route hook that runs the seed's checks in its order: login, then method. A refused
 * request is answered here, so later stages (body parsing, the handler) never run.
 */
export function createGuard (route: AjaxRoute, auth: AuthHook | null, writer: EnvelopeWriter, stage: AjaxCheckHook) {
  const { loginRequired, allowed } = route

  function checkMethod (request: FastifyRequest, reply: FastifyReply, done: Done): void {
    if (allowed !== null && !allowed.set.has(request.method)) {
      reply.header('allow', allowed.header)
      reply.send(writer.text(request, reply, 405, 'Method not allowed'))
      return
    }
    done()
  }

  function checkLogin (request: FastifyRequest, reply: FastifyReply, done: Done): void {
    if (auth === null) {
      if (hasUser(request)) checkMethod(request, reply, done)
      else reply.send(writer.text(request, reply, 401, 'Unauthorized'))
      return
    }
    auth(request, reply, (failure) => {
      // A strategy may answer by itself (a redirect, which the route's onSend turns into a 401).
      if (reply.sent) return
      if (failure === undefined || failure === null) {
        checkMethod(request, reply, done)
        return
      }
      const status = failureStatus(failure)
      // Strategy messages can describe tokens or secrets: they go to the log, never to the client.
      request.log.info({ err: failure }, 'fastify-ajaxutils: login strategy refused the request')
      reply.send(writer.text(request, reply, status, status === 403 ? 'Forbidden' : 'Unauthorized'))
    })
  }

  const check: CheckHook = loginRequired ? checkLogin : checkMethod
  if (stage === 'preParsing') {
    return function ajaxGuard (request: FastifyRequest, reply: FastifyReply, _payload: unknown, done: Done) {
      check(request, reply, done)
    }
  }
  return function ajaxGuard (request: FastifyRequest, reply: FastifyReply, done: Done) {
    check(request, reply, done)
  }
}
