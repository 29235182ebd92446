import { validateHeaderName, validateHeaderValue } from 'node:http'
import type { FastifyReply, FastifyRequest } from 'fastify'
import { isInLoginCheck } from './checks'
import { defaultMessage, JSON_TYPE, type EnvelopeWriter } from './envelope'
import { FST_AJAX_HEADER, FST_AJAX_INFORMATIONAL, FST_AJAX_STATUS } from './errors'
import type { ContentTypeReader } from './fastify-internals'
import type { Stringify } from './json'
import { isPlainObject } from './options'

/** Headers a handler may set with a tuple or a `JsonResponse`. */
export type AjaxHeaders = Record<string, string | number | string[]>

export interface JsonResponseInit {
  /** HTTP status; overrides an earlier `reply.code()`. Leave it out to keep the reply's status. */
  status?: number
  /** Extra response headers. */
  headers?: AjaxHeaders
}

export function isStatus (value: unknown): value is number {
  return Number.isInteger(value) && (value as number) >= 100 && (value as number) <= 599
}

/** Whether Node would send this header: one it refuses would break the whole answer. */
export function isValidHeader (name: string, value: unknown): boolean {
  try {
    validateHeaderName(name)
    validateHeaderValue(name, value as string)
    return true
  } catch {
    return false
  }
}

// Hop-by-hop and framing headers: Node frames each answer itself, and a value set by hand would
// contradict it (two framings, and the client gets nothing).
// The plugin writes the JSON itself, unencoded: a content-encoding named by hand would be a lie too.
const FRAMING_HEADERS = new Set(['connection', 'content-encoding', 'content-length', 'keep-alive', 'te', 'trailer', 'transfer-encoding', 'upgrade'])
// An envelope is JSON text the plugin writes: its type is the plugin's too.
const ENVELOPE_HEADERS = new Set([...FRAMING_HEADERS, 'content-type'])

/**
 * Whether a header a handler (tuple, `JsonResponse`) or an error names may be set on an answer:
 * never a hop-by-hop, framing or encoding one, nor for an envelope its type. A header refused
 * here is logged and left out.
 */
export function keepsHeader (reply: FastifyReply, name: string, envelope: boolean): boolean {
  const lower = name.toLowerCase()
  if (!(envelope ? ENVELOPE_HEADERS : FRAMING_HEADERS).has(lower) && !lower.startsWith('proxy-')) return true
  reply.log.warn({ header: name }, 'fastify-ajaxutils: dropped a header that Node or the plugin sets itself')
  return false
}

/** Throws unless every header is one Node would send. */
export function checkHeaders (headers: AjaxHeaders): void {
  if (!isPlainObject(headers)) throw new FST_AJAX_HEADER('list (a plain object is expected)')
  for (const [name, value] of Object.entries(headers)) {
    if (!isValidHeader(name, value)) throw new FST_AJAX_HEADER(JSON.stringify(name))
  }
}

/**
 * A handler's answer with its own status and headers (the seed's `ajaxutils.http.JsonResponse`).
 * With a status of 400 or more, `data` becomes the `error` of the error envelope.
 */
export class JsonResponse<T = unknown> {
  readonly data: T
  readonly status: number | undefined
  readonly headers: AjaxHeaders | undefined

  constructor (data: T, init: JsonResponseInit = {}) {
    if (init.status !== undefined && !isStatus(init.status)) throw new FST_AJAX_STATUS(String(init.status))
    if (init.headers !== undefined) checkHeaders(init.headers)
    this.data = data
    this.status = init.status
    this.headers = init.headers
  }
}

/** Throw it from an ajax route to answer 404 `Not found` (the seed's `django.http.Http404`). */
export class Http404 extends Error {
  readonly statusCode = 404

  constructor (message = 'Not found') {
    // A 404 is an answer, not a failure: without a stack trace it is cheaper than the answer it
    // replaces, and the log has nothing to show a stack for.
    const { stackTraceLimit } = Error
    Error.stackTraceLimit = 0
    super(message)
    Error.stackTraceLimit = stackTraceLimit
    this.name = 'Http404'
  }
}

/** A handler's `[data, status]` or `[data, status, headers]` answer. */
export type StatusTuple = [unknown, number, AjaxHeaders?]

/**
 * `[data, status]` or `[data, status, headers]`: 2 or 3 items, an integer status from 100 to 599,
 * and headers as a plain object. Any other value, arrays included, is data.
 */
export function isStatusTuple (value: unknown): value is StatusTuple {
  if (!Array.isArray(value)) return false
  const length = value.length
  if ((length !== 2 && length !== 3) || !isStatus(value[1])) return false
  return length === 2 || isPlainObject(value[2])
}

type OnSendDone = (error: Error | null, payload?: unknown) => void

export interface ResponseTools {
  writer: EnvelopeWriter
  stringify: Stringify
  contentTypeOf: ContentTypeReader
}

// Media types are case-insensitive: Application/HAL+JSON is a JSON type too.
const NAMES_JSON = /json/i
const NAMES_CHARSET = /charset/i

/**
 * The type every ajax reply starts with, from its first hook on: Fastify hands text to the
 * reply's serializer only when the reply has a type, and the serializer runs before every onSend
 * hook (compress, etag, the app's), so the plugin shapes each answer before they see it. JSON's
 * type spelt as no handler writes it, so that a type the handler chose stays distinct; no answer
 * leaves with it (JSON_TYPE replaces it).
 */
export const UNTYPED = 'application/json; charset="utf-8"'

function isJsonType (type: unknown): boolean {
  return type === JSON_TYPE || (typeof type === 'string' && NAMES_JSON.test(type))
}

/** A JSON type the handler chose, as opposed to the one the plugin started the reply with. */
function isChosenJsonType (type: unknown): boolean {
  return type !== UNTYPED && isJsonType(type)
}

/**
 * Sets a tuple's or JsonResponse's status and headers (a JsonResponse checked its own when made);
 * `wraps` when an error status makes the data an envelope, whose headers are the plugin's.
 */
function applyStatus (reply: FastifyReply, status: number | undefined, headers: AjaxHeaders | undefined, wraps: boolean): void {
  // A 1xx is no answer: Node would send it and then never finish the response.
  if (status !== undefined && status < 200) throw new FST_AJAX_INFORMATIONAL(String(status))
  if (status !== undefined) reply.code(status)
  if (headers === undefined) return
  const envelope = wraps && reply.statusCode >= 400
  for (const name in headers) {
    if (keepsHeader(reply, name, envelope)) reply.header(name, headers[name])
  }
}

/** A tuple's headers come unchecked, unlike a JsonResponse's: check them before any is set. */
function applyTuple (reply: FastifyReply, [, status, headers]: StatusTuple): void {
  if (headers !== undefined) checkHeaders(headers)
  applyStatus(reply, status, headers, false)
}

/**
 * Sets the status and headers a tuple or `JsonResponse` carries and gives its data. Anything else
 * is data as it is.
 */
function unpack (value: unknown, reply: FastifyReply): unknown {
  if (value instanceof JsonResponse) {
    applyStatus(reply, value.status, value.headers, true)
    return value.data
  }
  if (isStatusTuple(value)) {
    applyTuple(reply, value)
    return value[0]
  }
  return value
}

/**
 * Writes the data of an answer for the reply's status: a route's schema writer, or for routes
 * without a response schema the plugin's `stringify` itself.
 */
export type DataWriter = (data: unknown, reply: FastifyReply) => string

/**
 * Fastify's key for the media type of the reply's content type: no parameters, lower case. Fastify
 * types data it serializes before the serializer runs.
 */
function mediaTypeOf (reply: FastifyReply, contentTypeOf: ContentTypeReader): string {
  return String(contentTypeOf(reply)).split(';', 1)[0].trim().toLowerCase()
}

/** The entry of a response schema Fastify picks for a status: the status, its class, or default. */
function schemaEntry (reply: FastifyReply, status: number): unknown {
  return reply.getSerializationFunction(String(status)) ??
    reply.getSerializationFunction(`${String(status)[0]}xx`) ?? reply.getSerializationFunction('default') ?? null
}

/**
 * For one route with a response schema: its compiled serializer for the reply's status, picked as
 * Fastify picks it (the status, else `4xx`-style, else `default`, then the content type), and the
 * plugin's writer where the schema has none for that answer. A route's serializers are fixed once
 * the app is ready, so each status is looked up once.
 */
export function schemaWriter ({ stringify, contentTypeOf }: ResponseTools): DataWriter {
  const entries = new Map<number, unknown>()
  return function writeWithSchema (data, reply) {
    const status = reply.statusCode
    let write = entries.get(status)
    if (write === undefined) {
      write = schemaEntry(reply, status)
      entries.set(status, write)
    }
    if (typeof write === 'object' && write !== null) {
      // A schema per content type (`content: { 'application/json': { schema } }`).
      const byType = write as Record<string, unknown>
      write = byType[mediaTypeOf(reply, contentTypeOf)] ?? byType['*/*']
    }
    return typeof write === 'function' ? (write as (value: unknown) => string)(data) : stringify(data)
  }
}

/** Data that already is the error envelope (`ajaxError()`'s, or one a typed route built), with any further fields. */
function isEnvelope (value: unknown): value is { status: 'error', error: unknown } {
  return isPlainObject(value) && value.status === 'error' && 'error' in value
}

/**
 * An envelope the route sent is never wrapped again: `{ status, error }` alone is answered as the
 * plugin's own envelope around that error (`requestId` and problem details included), one with
 * more fields as it is, in `json` (the route's schema's writing of it).
 */
function answerEnvelope (envelope: { status: 'error', error: unknown }, json: () => string, request: FastifyRequest, reply: FastifyReply, tools: ResponseTools): Buffer {
  if (Object.keys(envelope).length === 2) return tools.writer.json(request, reply, reply.statusCode, tools.stringify(envelope.error))
  reply.type(JSON_TYPE)
  return Buffer.from(json())
}

/**
 * The envelope of an error status around data. Data sent with `reply.code(n)` is written as
 * Fastify would write it (a response schema for n strips what it does not name); a
 * `JsonResponse`'s data is the error as given, and one without data gets the reason.
 */
function errorEnvelope (payload: unknown, data: unknown, request: FastifyRequest, reply: FastifyReply, tools: ResponseTools, write: DataWriter): Buffer {
  const status = reply.statusCode
  const errorJson = payload instanceof JsonResponse ? tools.stringify(data === undefined ? defaultMessage(status) : data) : write(data, reply)
  return tools.writer.json(request, reply, status, errorJson)
}

/**
 * The serializer of every ajax route: Fastify hands it every object the handler returns or
 * sends, after the app's preSerialization hooks, so tuples and `JsonResponse` are read here
 * without waiting for the handler's promise a second time.
 */
function writePayload (payload: unknown, request: FastifyRequest, reply: FastifyReply, tools: ResponseTools, write: DataWriter): string | Buffer | undefined {
  if (typeof payload === 'string') return writeText(payload, request, reply, tools)
  const data = unpack(payload, reply)
  const status = reply.statusCode
  if (status >= 400) {
    // The seed's `return data, 418` answers data as is, even for an error status: not wrapped.
    if (isStatusTuple(payload)) {
      reply.type(JSON_TYPE)
      return Buffer.from(write(data, reply))
    }
    // reply.callNotFound() hands the request to the not-found handler, whose body describes the
    // route; an ajax route answers the seed's 404 instead.
    if (status === 404 && request.is404) return tools.writer.text(request, reply, 404, defaultMessage(404))
    if (isEnvelope(data)) return answerEnvelope(data, () => write(data, reply), request, reply, tools)
    return errorEnvelope(payload, data, request, reply, tools, write)
  }
  // A Buffer as data is final bytes (Fastify sends what a serializer gives as it is).
  if (Buffer.isBuffer(data)) return data
  // A JSON type the handler chose (application/hal+json) stays; anything else becomes JSON's.
  if (!isChosenJsonType(tools.contentTypeOf(reply))) reply.type(JSON_TYPE)
  return data === undefined ? 'null' : write(data, reply)
}

/**
 * Text sent on an ajax route: a JSON string, unless the handler typed it JSON itself, which makes
 * it JSON text already (for an error status, only if it reads as JSON: the envelope must).
 */
function writeText (text: string, request: FastifyRequest, reply: FastifyReply, tools: ResponseTools): string | Buffer | undefined {
  const type = textTypeOf(reply, tools.contentTypeOf)
  const status = reply.statusCode
  if (status >= 400) {
    if (status === 404 && request.is404) return tools.writer.text(request, reply, 404, defaultMessage(404))
    return textErrorBody(text, type, request, reply, tools)
  }
  return successBody(reply, status, text, tools.contentTypeOf)
}

/**
 * Text with an error status, as the envelope. A JSON type means the text is JSON already (a schema
 * wrote it, or the handler typed it), unless it does not read as JSON: the envelope around it must.
 */
function textErrorBody (text: string, type: unknown, request: FastifyRequest, reply: FastifyReply, tools: ResponseTools): Buffer {
  const data = isChosenJsonType(type) ? readJson(text) : NOT_JSON
  if (isEnvelope(data)) return answerEnvelope(data, () => text, request, reply, tools)
  return tools.writer.json(request, reply, reply.statusCode, data === NOT_JSON ? JSON.stringify(text) : text)
}

/**
 * The route hook that makes the reply an ajax reply, as early as it may (lib/route.ts): typed
 * UNTYPED, with the plugin's serializer, which reads tuples and writes data and text with
 * `write`, before any onSend hook sees them. A hook, not a wrapper around the handler: the handler
 * runs as Fastify calls it. Measured with callgrind, a wrapper made the stack trace of an error the
 * handler throws dearer to capture (V8 takes 10 frames; Fastify's deeper, optimized frames are the
 * dear ones to read), and the masked 500 cost 4 % more instructions than bare Fastify; the hook
 * leaves it 5–7 % below.
 */
export function createPrepare (write: DataWriter, tools: ResponseTools) {
  return function ajaxPrepare (request: FastifyRequest, reply: FastifyReply, done: () => void): void {
    if (tools.contentTypeOf(reply) === undefined) reply.type(UNTYPED)
    // Fastify types a serializer as returning text; a Buffer passes through untouched as well.
    reply.serializer((payload: unknown) => writePayload(payload, request, reply, tools, write) as string)
    done()
  }
}

/**
 * The last onSend hook of an ajax route: every answer leaves as JSON, every error status as the
 * envelope, and no redirect leaves at all. What the serializer wrote passes; this hook shapes
 * what never reached it (no body, a body sent before the route's hooks ran). Buffers and streams
 * pass untouched, unless they carry an error status without a JSON type; the plugin's fixed
 * envelopes leave as their text, which Node
 * writes cheaper.
 */
export function createOnSend (tools: ResponseTools) {
  const { writer, contentTypeOf } = tools
  return function ajaxOnSend (request: FastifyRequest, reply: FastifyReply, payload: unknown, done: OnSendDone): void {
    const status = reply.statusCode
    // Every 401 carries the challenge, tuples and a strategy's own answers included.
    if (status === 401) writer.challenge(reply)
    // A redirect would take fetch() to an HTML login page: an ajax route answers 401 instead,
    // whatever the body, and so does any 3xx a login strategy sends.
    if (isRedirect(status) && (reply.hasHeader('location') || isInLoginCheck(request))) {
      answerRedirect(request, reply, payload, done)
      return
    }
    const isText = typeof payload === 'string'
    if (!isText && payload !== undefined && payload !== null) {
      // A web Response brings its own status and headers, which Fastify copies after this hook.
      if (isWebResponse(payload) && isRedirect(payload.status) && (payload.headers.has('location') || isInLoginCheck(request))) {
        answerRedirect(request, reply, payload.body, done)
        return
      }
      if (contentTypeOf(reply) === UNTYPED) typeAsFastify(reply, payload)
      // Bytes with an error status leave as they are only when typed JSON: an HTML error page (a
      // proxied upstream's, a file) would reach fetch() as a page, so it becomes the envelope.
      if (status >= 400 && !isWebResponse(payload) && !isJsonType(contentTypeOf(reply) ?? reply.getHeader('content-type'))) {
        discard(payload)
        reply.removeHeader('location')
        // The bytes may be encoded already (a compression hook ran first); the envelope is not.
        reply.removeHeader('content-encoding')
        done(null, writer.finalText(request, reply, status, defaultMessage(status)))
        return
      }
      done(null, writer.sendable(payload))
      return
    }
    if (status < 400) {
      done(null, successBody(reply, status, payload as string | undefined | null, contentTypeOf))
      return
    }
    // No error answer points anywhere.
    reply.removeHeader('location')
    // reply.callNotFound() hands the request to the not-found handler, whose body describes the
    // route; an ajax route answers the seed's 404 instead.
    if (!isText || (status === 404 && request.is404)) {
      done(null, writer.finalText(request, reply, status, defaultMessage(status)))
      return
    }
    done(null, textErrorBody(payload as string, textTypeOf(reply, contentTypeOf), request, reply, tools))
  }

  function answerRedirect (request: FastifyRequest, reply: FastifyReply, body: unknown, done: OnSendDone): void {
    reply.removeHeader('location')
    // The body an earlier onSend hook encoded is dropped: the envelope leaves as it is written.
    reply.removeHeader('content-encoding')
    discard(body)
    done(null, writer.finalText(request, reply, 401, 'Unauthorized'))
  }
}

const NOT_JSON = Symbol('not JSON')

/** Text a handler or hook typed as JSON, parsed (only error answers pay for it), or `NOT_JSON`. */
function readJson (text: string): unknown {
  try {
    return JSON.parse(text)
  } catch {
    return NOT_JSON
  }
}

function isRedirect (status: number): boolean {
  return status >= 300 && status < 400
}

/** A fetch `Response` sent as the body, recognised as Fastify recognises it. */
function isWebResponse (payload: object): payload is Response {
  return Object.prototype.toString.call(payload) === '[object Response]'
}

/** A body that will not be sent: a stream is closed, so that the file or socket behind it is let go. */
function discard (payload: unknown): void {
  const body = payload as { destroy?: unknown, cancel?: unknown } | null | undefined
  if (typeof body?.destroy === 'function') (body.destroy as () => void)()
  else if (typeof body?.cancel === 'function') (body.cancel as () => Promise<void>)().catch(() => {})
}

/**
 * The content type of a text body about to leave. The plugin's serializer types what it writes,
 * and `reply.send()` types any other text, unless a type was set on `reply.raw`: only then is the
 * reply's own empty or the plugin's UNTYPED, and the raw response is asked.
 */
function textTypeOf (reply: FastifyReply, contentTypeOf: ContentTypeReader): unknown {
  const type = contentTypeOf(reply)
  return type === undefined || type === UNTYPED ? reply.raw.getHeader('content-type') ?? type : type
}

/**
 * Bytes and streams are final: they leave typed as Fastify types them, which it did not do for
 * an ajax reply, since UNTYPED was set: a Buffer `application/octet-stream`, a stream not at all,
 * unless a type was set on `reply.raw`.
 */
function typeAsFastify (reply: FastifyReply, payload: object): void {
  const raw = reply.raw.getHeader('content-type')
  if (raw !== undefined) reply.type(String(raw))
  else if (Buffer.isBuffer(payload)) reply.type('application/octet-stream')
  else reply.removeHeader('content-type')
}

function successBody (reply: FastifyReply, status: number, payload: string | undefined | null, contentTypeOf: ContentTypeReader): string | undefined {
  // 1xx, 204 and 304 carry no body by definition: Fastify and Node leave out what they are given,
  // and an answer without a body has no type but the one the handler gave it.
  if (status === 204 || status === 304 || status < 200) {
    if (contentTypeOf(reply) === UNTYPED) reply.removeHeader('content-type')
    return undefined
  }
  if (payload === undefined || payload === null) {
    // Any other answer without a body answers JSON null.
    reply.type(JSON_TYPE)
    return 'null'
  }
  const type = textTypeOf(reply, contentTypeOf)
  if (type === JSON_TYPE) return payload
  if (isChosenJsonType(type)) {
    // Fastify adds the charset to JSON types it serializes itself; do the same for the plugin's.
    if (!NAMES_CHARSET.test(type as string)) reply.type(`${type as string}; charset=utf-8`)
    return payload
  }
  // A plain string the handler sent (untyped, or typed otherwise): the seed answers it as a JSON string.
  reply.type(JSON_TYPE)
  return JSON.stringify(payload)
}
