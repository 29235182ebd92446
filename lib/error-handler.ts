import { STATUS_CODES } from 'node:http'
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify'
import { defaultMessage, type EnvelopeWriter, type ErrorExtras } from './envelope'
import { isPlainObject } from './options'
import { isValidHeader, keepsHeader } from './reply'

type ErrorHandler = (this: unknown, error: FastifyError, request: FastifyRequest, reply: FastifyReply) => unknown

interface ErrorLike {
  statusCode?: unknown
  status?: unknown
  message?: unknown
  stack?: unknown
  headers?: unknown
  expose?: unknown
  validation?: unknown
}

function isErrorStatus (value: unknown): value is number {
  return Number.isInteger(value) && (value as number) >= 400 && (value as number) <= 599
}

/**
 * The error's own status when it has a valid one. Without one, an error is internal (500), except
 * after an auth layer set 401 or 403 and passed its strategy's error on, as @fastify/auth does.
 */
function errorStatus (error: ErrorLike | null, reply: FastifyReply): number {
  if (error !== null) {
    if (isErrorStatus(error.statusCode)) return error.statusCode
    if (isErrorStatus(error.status)) return error.status
  }
  const set = reply.statusCode
  return set === 401 || set === 403 ? set : 500
}

/** The error's message when it has one: a non-empty string. */
function messageOf (error: ErrorLike | null): string | undefined {
  const message = error?.message
  return typeof message === 'string' && message !== '' ? message : undefined
}

/** The error's message, unless it has none of its own: none, or its status's bare reason phrase. */
function ownMessage (error: ErrorLike | null, status: number): string | undefined {
  const message = messageOf(error)
  return message !== STATUS_CODES[status] ? message : undefined
}

/**
 * What a 4xx may tell the client. 401 and 403 come from auth layers (JWT, Basic, Passport) whose
 * messages describe tokens, so they keep the standard text unless the error says its message is
 * safe (`expose: true`, as http-errors and @fastify/sensible set).
 */
function clientMessage (error: ErrorLike | null, status: number): string {
  const message = ownMessage(error, status)
  if (message === undefined) return defaultMessage(status)
  if ((status === 401 || status === 403) && error?.expose !== true) return defaultMessage(status)
  return message
}

/** Headers set before the failure that Node would refuse would break the envelope too. */
function dropInvalidHeaders (reply: FastifyReply): void {
  const headers = reply.getHeaders()
  for (const name in headers) {
    if (!isValidHeader(name, headers[name])) reply.removeHeader(name)
  }
}

/** Copies the headers an error carries (http-errors and rate limiters set them), safely. */
function copyHeaders (reply: FastifyReply, headers: Record<string, unknown>): void {
  for (const [name, value] of Object.entries(headers)) {
    if (keepsHeader(reply, name, true) && isValidHeader(name, value)) reply.header(name, value as string)
  }
}

function debugOf (error: ErrorLike | null, thrown: unknown): ErrorExtras['debug'] {
  const stack = typeof error?.stack === 'string' ? error.stack : undefined
  return { message: messageOf(error) ?? String(thrown), stack }
}

/**
 * The error handler of every ajax route. Errors become the envelope with the right status; a 5xx
 * never tells the client more than its reason phrase, and is always logged with the request id.
 */
export function createErrorHandler (writer: EnvelopeWriter, debug: boolean): ErrorHandler {
  function answer (thrown: unknown, request: FastifyRequest, reply: FastifyReply): void {
    dropInvalidHeaders(reply)
    const error = typeof thrown === 'object' && thrown !== null ? thrown as ErrorLike : null
    const status = errorStatus(error, reply)
    if (error !== null && isPlainObject(error.headers)) copyHeaders(reply, error.headers)
    if (status >= 500) {
      request.log.error({ err: thrown }, 'fastify-ajaxutils: ajax route failed')
      const extras = debug ? { debug: debugOf(error, thrown) } : undefined
      reply.send(writer.text(request, reply, status, STATUS_CODES[status] ?? defaultMessage(status), extras))
      return
    }
    request.log.info({ err: thrown }, 'fastify-ajaxutils: ajax route answered a client error')
    const extras = Array.isArray(error?.validation) ? { details: error.validation } : undefined
    reply.send(writer.text(request, reply, status, clientMessage(error, status), extras))
  }

  return function ajaxErrorHandler (thrown, request, reply) {
    try {
      answer(thrown, request, reply)
    } catch (failure) {
      // An error whose getters throw must not reach Fastify's fallback, which would send its message.
      request.log.error({ err: failure }, 'fastify-ajaxutils: could not read the error of an ajax route')
      reply.send(writer.text(request, reply, 500, defaultMessage(500)))
    }
  }
}

/**
 * A route's own `errorHandler` still runs first on an ajax route; what it sends is enveloped by the
 * route's onSend, and what it throws is answered by the plugin's handler.
 */
export function chainErrorHandlers (own: ErrorHandler, ajax: ErrorHandler): ErrorHandler {
  return function routeErrorHandler (error, request, reply) {
    const recover = (next: unknown) => ajax.call(this, next as FastifyError, request, reply)
    let result
    try {
      result = own.call(this, error, request, reply)
    } catch (next) {
      return recover(next)
    }
    if (result !== null && typeof result === 'object' && typeof (result as Promise<unknown>).then === 'function') {
      // Resolving with the reply (a thenable) waits for the answer to finish, so Fastify never
      // sends a second time.
      return (result as Promise<unknown>).then(undefined, (next) => {
        recover(next)
        return reply
      })
    }
    return result
  }
}
