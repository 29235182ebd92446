import { STATUS_CODES } from 'node:http'
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify'
import { defaultMessage, type EnvelopeWriter, type ErrorExtras } from './envelope'
import { isPlainObject } from './options'
import type { ErrorChain, ErrorHandlerFunc } from './fastify-internals'
import { isValidHeader, keepsHeader } from './reply'

type ErrorHandler = (this: unknown, error: FastifyError, request: FastifyRequest, reply: FastifyReply) => unknown

/** The fields of a thrown error the plugin reads, each read once: a getter cannot make them disagree. */
interface ErrorFields {
  statusCode: unknown
  status: unknown
  message: unknown
  headers: unknown
  expose: unknown
  validation: unknown
  thrown: object
}

function readFields (thrown: unknown): ErrorFields | null {
  if (typeof thrown !== 'object' || thrown === null) return null
  const error = thrown as Record<string, unknown>
  return {
    statusCode: error.statusCode,
    status: error.status,
    message: error.message,
    headers: error.headers,
    expose: error.expose,
    validation: error.validation,
    thrown
  }
}

function isErrorStatus (value: unknown): value is number {
  return Number.isInteger(value) && (value as number) >= 400 && (value as number) <= 599
}

/** The error's own status, else 401/403 an auth layer set on the reply, else 500. */
function errorStatus (error: ErrorFields | null, reply: FastifyReply): number {
  if (error !== null) {
    if (isErrorStatus(error.statusCode)) return error.statusCode
    if (isErrorStatus(error.status)) return error.status
  }
  const set = reply.statusCode
  return set === 401 || set === 403 ? set : 500
}

function messageOf (error: ErrorFields | null): string | undefined {
  const message = error?.message
  return typeof message === 'string' && message !== '' ? message : undefined
}

/** The error's message, unless it has none of its own: none, or its status's bare reason phrase. */
function ownMessage (error: ErrorFields | null, status: number): string | undefined {
  const message = messageOf(error)
  return message !== STATUS_CODES[status] ? message : undefined
}

/** What a 4xx may tell the client: a 401 or 403 tells its message only with `expose: true`. */
function clientMessage (error: ErrorFields | null, status: number): string {
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

function debugOf (error: ErrorFields | null, thrown: unknown): ErrorExtras['debug'] {
  const read = error === null ? undefined : (error.thrown as { stack?: unknown }).stack
  const stack = typeof read === 'string' ? read : undefined
  return { message: messageOf(error) ?? String(thrown), stack }
}

/** The plugin's error handler: the envelope with the right status; a 5xx is logged and masked. */
export function createErrorHandler (writer: EnvelopeWriter, debug: boolean): ErrorHandler {
  function answer (thrown: unknown, request: FastifyRequest, reply: FastifyReply): void {
    dropInvalidHeaders(reply)
    const error = readFields(thrown)
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
      // Getters that throw must not reach Fastify's fallback, which would send the message.
      request.log.error({ err: failure }, 'fastify-ajaxutils: could not read the error of an ajax route')
      reply.send(writer.text(request, reply, 500, defaultMessage(500)))
    }
  }
}

function isReadableText (type: unknown): boolean {
  return type === undefined || (typeof type === 'string' && NAMES_READABLE.test(type))
}

const NAMES_READABLE = /json|^\s*text\/plain/i

/** Checks what the app's error handlers send on an ajax route: a page becomes the envelope. */
function guardAnswers (reply: FastifyReply, writer: EnvelopeWriter): void {
  const send = reply.send
  reply.send = function guardedSend (this: FastifyReply, payload?: unknown) {
    if (payload instanceof Error) return send.call(this, payload)
    const status = this.statusCode
    const redirect = status >= 300 && status < 400
    if (status < 200 || (redirect && !this.hasHeader('location'))) {
      this.request.log.error({ statusCode: status }, 'fastify-ajaxutils: an error handler answered an ajax route without an answer')
      return send.call(this, writer.text(this.request, this, 500, defaultMessage(500)))
    }
    if (redirect || typeof payload !== 'string' || isReadableText(this.getHeader('content-type'))) return send.call(this, payload)
    this.request.log.info({ statusCode: status }, 'fastify-ajaxutils: an error handler answered an ajax route with a page')
    const answer = status >= 400 ? status : 500
    return send.call(this, writer.text(this.request, this, answer, defaultMessage(answer)))
  }
}

function isThenable (value: unknown): value is Promise<unknown> {
  return value !== null && typeof value === 'object' && typeof (value as Promise<unknown>).then === 'function'
}

/** An app's handler as a link of the ajax chain; settling without an answer passes the error on. */
function appLink (handler: ErrorHandlerFunc): ErrorHandlerFunc {
  return function appErrorHandler (error, request, reply) {
    const result = handler(error, request, reply)
    if (!isThenable(result)) return result
    return result.then((value) => {
      if (value === undefined && !reply.sent) throw error
      return value
    })
  }
}

/** The error handler of an ajax route: the app's handlers in Fastify's order, then the plugin's. */
export function createRouteErrorHandler (own: ErrorHandler | undefined, ajax: ErrorHandler, chain: ErrorChain, writer: EnvelopeWriter): ErrorHandler {
  const last: ErrorHandlerFunc = function ajaxLastErrorHandler (error, request, reply) {
    Reflect.deleteProperty(reply, 'send')
    ajax(error as FastifyError, request, reply)
  }
  const ownLinks = own === undefined ? [] : [appLink(own as ErrorHandlerFunc)]
  const mirrors = new WeakMap<object, object | null>()

  function mirrorOf (next: object): object | null {
    let mirror = mirrors.get(next)
    if (mirror === undefined) {
      const handlers = [...ownLinks, ...chain.handlers(next).map(appLink)]
      mirror = handlers.length === 0 ? null : chain.build([...handlers, last])
      mirrors.set(next, mirror)
    }
    return mirror
  }

  return function ajaxRouteErrorHandler (error, request, reply) {
    const next = chain.next(reply)
    const mirror = next === undefined ? null : mirrorOf(next)
    if (mirror === null) return ajax(error, request, reply)
    chain.setNext(reply, Object.getPrototypeOf(mirror))
    guardAnswers(reply, writer)
    return chain.handlerOf(mirror)(error, request, reply)
  }
}
