import type { FastifyReply, FastifyRequest } from 'fastify'
import { ANY_TEXT, defaultMessage, JSON_TYPE, markFinal, takeFinal, type EnvelopeWriter, type FinalBody } from './envelope'
import { FST_AJAX_INFORMATIONAL } from './errors'
import { checkHeaders, isStatusTuple, JsonResponse, type AjaxHeaders } from './http'
import type { Stringify } from './json'

type Handler = (this: unknown, request: FastifyRequest, reply: FastifyReply) => unknown
type OnSendDone = (error: Error | null, payload?: unknown) => void

export interface ResponseTools {
  writer: EnvelopeWriter
  stringify: Stringify
}

function isJsonType (type: unknown): boolean {
  return typeof type === 'string' && type.includes('json')
}

/** Sets a tuple's or JsonResponse's status and headers (a JsonResponse checked its own when made). */
function applyStatus (reply: FastifyReply, status: number | undefined, headers: AjaxHeaders | undefined): void {
  // A 1xx is no answer: Node would send it and then never finish the response.
  if (status !== undefined && status < 200) throw new FST_AJAX_INFORMATIONAL(String(status))
  if (status !== undefined) reply.code(status)
  if (headers !== undefined) reply.headers(headers)
}

/** A tuple's headers come unchecked, unlike a JsonResponse's: check them before any is set. */
function applyTuple (reply: FastifyReply, [, status, headers]: [unknown, number, AjaxHeaders?]): void {
  if (headers !== undefined) checkHeaders(headers)
  applyStatus(reply, status, headers)
}

// Bytes Fastify sends as they are: Buffers and typed arrays, Node and web streams, Responses.
function isBytes (value: object): boolean {
  return ArrayBuffer.isView(value) || typeof (value as { pipe?: unknown }).pipe === 'function' ||
    typeof (value as { getReader?: unknown }).getReader === 'function' || value instanceof Response
}

/**
 * Success data, typed as JSON before Fastify sends it, so that the app's own onSend hooks
 * (compression, say) see what it is. A string is data too: written here, since Fastify would send
 * it as text.
 */
function jsonData (reply: FastifyReply, data: unknown, tools: ResponseTools): unknown {
  if (data === undefined || (typeof data === 'object' && data !== null && isBytes(data))) return data
  reply.header('content-type', JSON_TYPE)
  return typeof data === 'string' ? tools.stringify(data) : data
}

type StatusTuple = [unknown, number, AjaxHeaders?]

function isTuple (value: unknown): value is StatusTuple {
  return Array.isArray(value) && isStatusTuple(value)
}

/**
 * Sets the status and headers a tuple or `JsonResponse` carries and gives its data. Anything else
 * is data as it is.
 */
function unpack (value: unknown, reply: FastifyReply): unknown {
  if (value instanceof JsonResponse) {
    applyStatus(reply, value.status, value.headers)
    return value.data
  }
  if (isTuple(value)) {
    applyTuple(reply, value)
    return value[0]
  }
  return value
}

/** The envelope of an error status around data; a `JsonResponse` without data gets the reason. */
function errorEnvelope (data: unknown, request: FastifyRequest, reply: FastifyReply, tools: ResponseTools): FinalBody {
  const status = reply.statusCode
  return tools.writer.json(request, reply, status, tools.stringify(data === undefined ? defaultMessage(status) : data))
}

/**
 * The serializer of a route without a response schema: Fastify hands it every object the handler
 * returns or sends, after the app's preSerialization hooks.
 */
function writePayload (payload: unknown, request: FastifyRequest, reply: FastifyReply, tools: ResponseTools): string | Buffer {
  // A string reaches the serializer only when the handler typed it itself: it is written already.
  if (typeof payload === 'string') return payload
  const data = unpack(payload, reply)
  const status = reply.statusCode
  if (status >= 400) {
    // The seed's `return data, 418` answers data as is, even for an error status: not wrapped.
    if (isTuple(payload)) {
      reply.header('content-type', JSON_TYPE)
      return markFinal(reply, tools.stringify(data))
    }
    // reply.callNotFound() hands the request to the not-found handler, whose body describes the
    // route; an ajax route answers the seed's 404 instead.
    if (status === 404 && request.is404) return tools.writer.text(request, reply, 404, defaultMessage(404))
    return errorEnvelope(data, request, reply, tools)
  }
  // A JsonResponse's Buffer is final bytes (Fastify sends what a serializer gives as it is).
  if (Buffer.isBuffer(data)) return data
  // A JSON type the handler chose (application/hal+json) stays; anything else becomes JSON's.
  if (!isJsonType(reply.getHeader('content-type'))) reply.header('content-type', JSON_TYPE)
  return data === undefined ? 'null' : tools.stringify(data)
}

/**
 * What Fastify sends for a value a handler of a route with a response schema returned: the data,
 * which the route's compiled serializer writes, even for a `[data, 418]` tuple.
 */
function toPayload (value: unknown, request: FastifyRequest, reply: FastifyReply, tools: ResponseTools): unknown {
  const data = unpack(value, reply)
  if (reply.statusCode >= 400) {
    // The schema's text for that status is the final answer, unwrapped.
    if (isTuple(value)) markFinal(reply, ANY_TEXT)
    else if (value instanceof JsonResponse) return errorEnvelope(data, request, reply, tools)
  }
  return jsonData(reply, data, tools)
}

/**
 * Wraps a route handler. Without a response schema, the plugin's writer (Dates, BigInts) is the
 * reply's serializer and reads tuples itself, so an async handler's promise goes to Fastify as it
 * is. With a response schema, Fastify's compiled serializer writes the data, so tuples are read
 * from the resolved value first.
 */
export function wrapHandler (handler: Handler, hasResponseSchema: boolean, tools: ResponseTools): Handler {
  if (!hasResponseSchema) {
    return function ajaxHandler (request, reply) {
      // Fastify types a serializer as returning text; a Buffer passes through untouched as well.
      reply.serializer((payload: unknown) => writePayload(payload, request, reply, tools) as string)
      return handler.call(this, request, reply)
    }
  }
  return function ajaxHandler (request, reply) {
    const result = handler.call(this, request, reply)
    // Nothing returned: a callback-style handler answers with reply.send() later.
    if (result === undefined) return result
    if (typeof (result as Promise<unknown>)?.then === 'function') {
      if (result === reply) return result
      return (result as Promise<unknown>).then((value) => toPayload(value, request, reply, tools))
    }
    return toPayload(result, request, reply, tools)
  }
}

/**
 * The last onSend hook of an ajax route: every answer leaves as JSON, every error status as the
 * envelope, and no redirect leaves at all. Bodies marked final (the plugin's own answers), Buffers
 * and streams pass untouched.
 */
export function createOnSend (tools: ResponseTools) {
  const { writer } = tools
  return function ajaxOnSend (request: FastifyRequest, reply: FastifyReply, payload: unknown, done: OnSendDone): void {
    const status = reply.statusCode
    // Every 401 carries the challenge, tuples and a strategy's own answers included.
    if (status === 401) writer.challenge(reply)
    const isText = typeof payload === 'string'
    if (isText && takeFinal(reply, payload)) {
      done(null)
      return
    }
    if (!isText && payload !== undefined && payload !== null) {
      done(null)
      return
    }
    if (status < 300) {
      done(null, successBody(reply, status, payload as string | undefined | null))
      return
    }
    // A redirect would take fetch() to an HTML login page: an ajax route answers 401 instead, and
    // no error answer points anywhere either.
    const redirect = reply.hasHeader('location')
    if (redirect) reply.removeHeader('location')
    if (status < 400) {
      done(null, redirect ? writer.text(request, reply, 401, 'Unauthorized') : undefined)
      return
    }
    // reply.callNotFound() hands the request to the not-found handler, whose body describes the
    // route; an ajax route answers the seed's 404 instead.
    if (!isText || (status === 404 && request.is404)) {
      done(null, writer.text(request, reply, status, defaultMessage(status)))
      return
    }
    // A JSON type means the text is JSON already (a schema wrote it, or the handler typed it).
    const errorJson = isJsonType(reply.getHeader('content-type')) ? payload as string : JSON.stringify(payload)
    done(null, writer.json(request, reply, status, errorJson))
  }
}

function successBody (reply: FastifyReply, status: number, payload: string | undefined | null): string | undefined {
  if (payload === undefined || payload === null) {
    // 204 and 1xx carry no body by definition; any other success answers JSON null.
    if (status === 204 || status < 200) return undefined
    reply.header('content-type', JSON_TYPE)
    return 'null'
  }
  const type = reply.getHeader('content-type')
  if (type === JSON_TYPE) return payload
  if (isJsonType(type)) {
    // Fastify adds the charset to JSON types it serializes itself; do the same for the plugin's.
    if (!/charset/i.test(type as string)) reply.header('content-type', `${type as string}; charset=utf-8`)
    return payload
  }
  // A plain string the handler sent (Fastify typed it text/plain): the seed answers it as a JSON string.
  reply.header('content-type', JSON_TYPE)
  return JSON.stringify(payload)
}
