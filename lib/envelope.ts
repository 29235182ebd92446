import { STATUS_CODES } from 'node:http'
import type { FastifyReply, FastifyRequest } from 'fastify'
import Negotiator from 'negotiator'

export const JSON_TYPE = 'application/json; charset=utf-8'
export const PROBLEM_TYPE = 'application/problem+json'
// Offered with their charset so that an Accept entry carrying one still matches.
const OFFERED_JSON = `${PROBLEM_TYPE}; charset=utf-8`
const OFFERED_TYPES = ['application/json; charset=utf-8', OFFERED_JSON]
const NAMES_PROBLEM = /problem\+json/i

// The seed's own words where it has them; HTTP's reason phrase everywhere else.
const SEED_MESSAGES: Readonly<Record<number, string>> = {
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not found',
  405: 'Method not allowed',
  500: 'Internal Server Error'
}

/** The text of the `error` field for a status when nothing more specific may be said. */
export function defaultMessage (status: number): string {
  return SEED_MESSAGES[status] ?? STATUS_CODES[status] ?? 'Error'
}

export interface ErrorExtras {
  /** Validation errors of a 400. */
  details?: unknown
  /** Real message and stack of a 5xx, only with plugin option `debug`. */
  debug?: { message: string, stack?: string }
}

interface EnvelopeOptions {
  requestId: boolean
  wwwAuthenticate: string | undefined
  stringify: (value: unknown) => string
}

/** Writes error answers: sets status and headers and returns the body as final bytes. */
export interface EnvelopeWriter {
  /** An error whose message is text. */
  text (request: FastifyRequest, reply: FastifyReply, status: number, message: string, extras?: ErrorExtras): Buffer
  /** An error whose value is already written as JSON text (what `reply.code(400).send(x)` gave). */
  json (request: FastifyRequest, reply: FastifyReply, status: number, errorJson: string): Buffer
  /** In the last hook before Node writes: a fixed envelope as its text, anything else as it is. */
  sendable<T> (body: T): T | string
  /** `text()` for the last hook before Node writes: a fixed envelope comes as its text. */
  finalText (request: FastifyRequest, reply: FastifyReply, status: number, message: string): Buffer | string
  /** Adds plugin option `wwwAuthenticate`'s header to a 401 sent some other way. */
  challenge (reply: FastifyReply): void
}

function wantsProblem (request: FastifyRequest): boolean {
  const accept = request.headers.accept
  // Negotiate only when the type is named: most clients never ask.
  if (accept === undefined || !NAMES_PROBLEM.test(accept)) return false
  return new Negotiator(request.raw).mediaType(OFFERED_TYPES) === OFFERED_JSON
}

function detailOf (errorJson: string): string | undefined {
  if (errorJson.charCodeAt(0) !== 34 /* " */) return undefined
  return JSON.parse(errorJson) as string
}

export function createEnvelopeWriter (options: EnvelopeOptions): EnvelopeWriter {
  const { requestId, wwwAuthenticate, stringify } = options
  const fixedBodies = new Map<number, Buffer>()
  const fixedTexts = new Map<unknown, string>()

  function prepare (request: FastifyRequest, reply: FastifyReply, status: number): boolean {
    reply.code(status)
    if (status === 401 && wwwAuthenticate !== undefined) reply.header('www-authenticate', wwwAuthenticate)
    const problem = wantsProblem(request)
    reply.type(problem ? PROBLEM_TYPE : JSON_TYPE)
    return problem
  }

  function tail (request: FastifyRequest, extras: ErrorExtras | undefined): string {
    let text = ''
    if (extras?.details !== undefined) text += ',"details":' + stringify(extras.details)
    if (extras?.debug !== undefined) text += ',"debug":' + JSON.stringify(extras.debug)
    if (requestId) text += ',"requestId":' + JSON.stringify(request.id)
    return text + '}'
  }

  function envelope (request: FastifyRequest, errorJson: string, extras: ErrorExtras | undefined): Buffer {
    return Buffer.from('{"status":"error","error":' + errorJson + tail(request, extras))
  }

  function problem (request: FastifyRequest, status: number, errorJson: string, extras: ErrorExtras | undefined): Buffer {
    const title = STATUS_CODES[status] ?? 'Error'
    const detail = detailOf(errorJson)
    const head = {
      type: 'about:blank',
      title,
      status,
      detail: detail ?? title,
      instance: request.url
    }
    const text = JSON.stringify(head)
    // A non-text error value (an object sent with reply.code(4xx)) stays available as `error`.
    const error = detail === undefined ? ',"error":' + errorJson : ''
    return Buffer.from(text.slice(0, -1) + error + tail(request, extras))
  }

  function fixedBody (status: number, message: string): Buffer {
    let body = fixedBodies.get(status)
    if (body === undefined) {
      const text = '{"status":"error","error":' + JSON.stringify(message) + '}'
      body = Buffer.from(text)
      fixedBodies.set(status, body)
      fixedTexts.set(body, text)
    }
    return body
  }

  for (const status of [401, 403, 404, 405, 500]) fixedBody(status, defaultMessage(status))

  function text (request: FastifyRequest, reply: FastifyReply, status: number, message: string, extras?: ErrorExtras): Buffer {
    const asProblem = prepare(request, reply, status)
    if (asProblem) return problem(request, status, JSON.stringify(message), extras)
    if (!requestId && extras === undefined && message === defaultMessage(status)) return fixedBody(status, message)
    return envelope(request, JSON.stringify(message), extras)
  }

  function sendable<T> (body: T): T | string {
    return fixedTexts.get(body) ?? body
  }

  return {
    text,
    json (request, reply, status, errorJson) {
      const asProblem = prepare(request, reply, status)
      return asProblem ? problem(request, status, errorJson, undefined) : envelope(request, errorJson, undefined)
    },
    sendable,
    finalText (request, reply, status, message) {
      return sendable(text(request, reply, status, message))
    },
    challenge (reply) {
      if (wwwAuthenticate !== undefined) reply.header('www-authenticate', wwwAuthenticate)
    }
  }
}
