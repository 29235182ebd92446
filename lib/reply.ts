import { validateHeaderName, validateHeaderValue } from 'node:http'
import type { FastifyReply, FastifyRequest } from 'fastify'
import { isInLoginCheck } from './checks'
import { defaultMessage, JSON_TYPE, type EnvelopeWriter } from './envelope'
import { FST_AJAX_HEADER, FST_AJAX_INFORMATIONAL, FST_AJAX_STATUS } from './errors'
import type { ContentTypeReader } from './fastify-internals'
import type { Stringify } from './json'
import { isPlainObject } from './options'

/** Headers a handler may set with a tuple or a `JsonResponse`. */
type AjaxHeaders = Record<string, string | number | string[]>

interface JsonResponseInit {
  /** HTTP status; overrides an earlier `reply.code()`. */
  status?: number
  headers?: AjaxHeaders
}

function isStatus (value: unknown): value is number {
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

// Node frames each answer itself, and the plugin writes JSON unencoded: such headers set by hand would lie.
const FRAMING_HEADERS = new Set(['connection', 'content-encoding', 'content-length', 'keep-alive', 'te', 'trailer', 'transfer-encoding', 'upgrade'])
const ENVELOPE_HEADERS = new Set([...FRAMING_HEADERS, 'content-type'])

/** Whether a header from a handler or an error may be set: no framing or encoding one, nor an envelope's type. */
export function keepsHeader (reply: FastifyReply, name: string, envelope: boolean): boolean {
  const lower = name.toLowerCase()
  if (!(envelope ? ENVELOPE_HEADERS : FRAMING_HEADERS).has(lower) && !lower.startsWith('proxy-')) return true
  reply.log.warn({ header: name }, 'fastify-ajaxutils: dropped a header that Node or the plugin sets itself')
  return false
}

/** Throws unless every header is one Node would send. */
function checkHeaders (headers: AjaxHeaders): void {
  if (!isPlainObject(headers)) throw new FST_AJAX_HEADER('list (a plain object is expected)')
  for (const [name, value] of Object.entries(headers)) {
    if (!isValidHeader(name, value)) throw new FST_AJAX_HEADER(JSON.stringify(name))
  }
}

/** A handler's answer with its own status and headers; with a status ≥ 400, `data` is the envelope's `error`. */
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
    // An answer, not a failure: no stack trace to capture.
    const { stackTraceLimit } = Error
    Error.stackTraceLimit = 0
    super(message)
    Error.stackTraceLimit = stackTraceLimit
    this.name = 'Http404'
  }
}

type StatusTuple = [unknown, number, AjaxHeaders?]

/** `[data, status]` or `[data, status, headers]`; any other array is data. */
function isStatusTuple (value: unknown): value is StatusTuple {
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

const NAMES_JSON = /json/i
const NAMES_CHARSET = /charset/i

/** The type every ajax reply starts with, so Fastify hands text to its serializer (docs/internals.md). */
const UNTYPED = 'application/json; charset="utf-8"'

function isJsonType (type: unknown): boolean {
  return type === JSON_TYPE || (typeof type === 'string' && NAMES_JSON.test(type))
}

function isChosenJsonType (type: unknown): boolean {
  return type !== UNTYPED && isJsonType(type)
}

/** Sets a tuple's or JsonResponse's status and headers; `wraps` when an error status makes an envelope. */
function applyStatus (reply: FastifyReply, status: number | undefined, headers: AjaxHeaders | undefined, wraps: boolean): void {
  if (status !== undefined && status < 200) throw new FST_AJAX_INFORMATIONAL(String(status))
  if (status !== undefined) reply.code(status)
  if (headers === undefined) return
  const envelope = wraps && reply.statusCode >= 400
  for (const name in headers) {
    if (keepsHeader(reply, name, envelope)) reply.header(name, headers[name])
  }
}

function applyTuple (reply: FastifyReply, [, status, headers]: StatusTuple): void {
  if (headers !== undefined) checkHeaders(headers)
  applyStatus(reply, status, headers, false)
}

/** Applies what a tuple or `JsonResponse` carries and gives its data; anything else is data. */
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

/** Writes an answer's data: the route's schema writer, or the plugin's `stringify`. */
type DataWriter = (data: unknown, reply: FastifyReply) => string

function mediaTypeOf (reply: FastifyReply, contentTypeOf: ContentTypeReader): string {
  return String(contentTypeOf(reply)).split(';', 1)[0].trim().toLowerCase()
}

function schemaEntry (reply: FastifyReply, status: number): unknown {
  return reply.getSerializationFunction(String(status)) ??
    reply.getSerializationFunction(`${String(status)[0]}xx`) ?? reply.getSerializationFunction('default') ?? null
}

/** A route's compiled serializer for the reply's status, picked as Fastify picks it, else `stringify`. */
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
      const byType = write as Record<string, unknown>
      write = byType[mediaTypeOf(reply, contentTypeOf)] ?? byType['*/*']
    }
    return typeof write === 'function' ? (write as (value: unknown) => string)(data) : stringify(data)
  }
}

/** Data that already is the error envelope, maybe with further fields. */
function isEnvelope (value: unknown): value is { status: 'error', error: unknown } {
  return isPlainObject(value) && value.status === 'error' && 'error' in value
}

/** An envelope the route sent is not wrapped again: `{ status, error }` alone gets the plugin's extras. */
function answerEnvelope (envelope: { status: 'error', error: unknown }, json: () => string, request: FastifyRequest, reply: FastifyReply, tools: ResponseTools): Buffer {
  if (Object.keys(envelope).length === 2) return tools.writer.json(request, reply, reply.statusCode, tools.stringify(envelope.error))
  reply.type(JSON_TYPE)
  return Buffer.from(json())
}

/** The envelope around data sent with an error status, written as Fastify would write the data. */
function errorEnvelope (payload: unknown, data: unknown, request: FastifyRequest, reply: FastifyReply, tools: ResponseTools, write: DataWriter): Buffer {
  const status = reply.statusCode
  const errorJson = payload instanceof JsonResponse ? tools.stringify(data === undefined ? defaultMessage(status) : data) : write(data, reply)
  return tools.writer.json(request, reply, status, errorJson)
}

/** The serializer of every ajax route: it reads tuples and `JsonResponse` and writes the answer. */
function writePayload (payload: unknown, request: FastifyRequest, reply: FastifyReply, tools: ResponseTools, write: DataWriter): string | Buffer | undefined {
  if (typeof payload === 'string') return writeText(payload, request, reply, tools)
  const data = unpack(payload, reply)
  const status = reply.statusCode
  if (status >= 400) {
    // A tuple's data is never wrapped, as in the seed.
    if (isStatusTuple(payload)) {
      reply.type(JSON_TYPE)
      return Buffer.from(write(data, reply))
    }
    // reply.callNotFound(): the seed's 404, not the not-found handler's body.
    if (status === 404 && request.is404) return tools.writer.text(request, reply, 404, defaultMessage(404))
    if (isEnvelope(data)) return answerEnvelope(data, () => write(data, reply), request, reply, tools)
    return errorEnvelope(payload, data, request, reply, tools, write)
  }
  if (Buffer.isBuffer(data)) return data
  if (!isChosenJsonType(tools.contentTypeOf(reply))) reply.type(JSON_TYPE)
  return data === undefined ? 'null' : write(data, reply)
}

/** Text sent on an ajax route: a JSON string, unless the handler typed it as JSON. */
function writeText (text: string, request: FastifyRequest, reply: FastifyReply, tools: ResponseTools): string | Buffer | undefined {
  const type = textTypeOf(reply, tools.contentTypeOf)
  const status = reply.statusCode
  if (status >= 400) {
    if (status === 404 && request.is404) return tools.writer.text(request, reply, 404, defaultMessage(404))
    return textErrorBody(text, type, request, reply, tools)
  }
  return successBody(reply, status, text, tools.contentTypeOf)
}

/** Text with an error status, as the envelope; text typed JSON is used as JSON if it parses. */
function textErrorBody (text: string, type: unknown, request: FastifyRequest, reply: FastifyReply, tools: ResponseTools): Buffer {
  const data = isChosenJsonType(type) ? readJson(text) : NOT_JSON
  if (isEnvelope(data)) return answerEnvelope(data, () => text, request, reply, tools)
  return tools.writer.json(request, reply, reply.statusCode, data === NOT_JSON ? JSON.stringify(text) : text)
}

/** The route hook that makes the reply an ajax reply: typed UNTYPED, with the plugin's serializer. */
export function createPrepare (write: DataWriter, tools: ResponseTools) {
  return function ajaxPrepare (request: FastifyRequest, reply: FastifyReply, done: () => void): void {
    if (tools.contentTypeOf(reply) === undefined) reply.type(UNTYPED)
    reply.serializer((payload: unknown) => writePayload(payload, request, reply, tools, write) as string)
    done()
  }
}

/**
 * The last onSend hook of an ajax route: every answer leaves as JSON, every error as the envelope,
 * no redirect at all. It shapes what never reached the serializer.
 */
export function createOnSend (tools: ResponseTools) {
  const { writer, contentTypeOf } = tools
  return function ajaxOnSend (request: FastifyRequest, reply: FastifyReply, payload: unknown, done: OnSendDone): void {
    const status = reply.statusCode
    if (status === 401) writer.challenge(reply)
    // A redirect would take fetch() to an HTML login page: 401 instead.
    if (isRedirect(status) && (reply.hasHeader('location') || isInLoginCheck(request))) {
      answerRedirect(request, reply, payload, done)
      return
    }
    const isText = typeof payload === 'string'
    if (!isText && payload !== undefined && payload !== null) {
      if (isWebResponse(payload) && isRedirect(payload.status) && (payload.headers.has('location') || isInLoginCheck(request))) {
        answerRedirect(request, reply, payload.body, done)
        return
      }
      if (contentTypeOf(reply) === UNTYPED) typeAsFastify(reply, payload)
      // Bytes with an error status and no JSON type (an HTML page) become the envelope.
      if (status >= 400 && !isWebResponse(payload) && !isJsonType(contentTypeOf(reply) ?? reply.getHeader('content-type'))) {
        discard(payload)
        reply.removeHeader('location')
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
    reply.removeHeader('location')
    if (!isText || (status === 404 && request.is404)) {
      done(null, writer.finalText(request, reply, status, defaultMessage(status)))
      return
    }
    done(null, textErrorBody(payload as string, textTypeOf(reply, contentTypeOf), request, reply, tools))
  }

  function answerRedirect (request: FastifyRequest, reply: FastifyReply, body: unknown, done: OnSendDone): void {
    reply.removeHeader('location')
    reply.removeHeader('content-encoding')
    discard(body)
    done(null, writer.finalText(request, reply, 401, 'Unauthorized'))
  }
}

const NOT_JSON = Symbol('not JSON')

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

function isWebResponse (payload: object): payload is Response {
  return Object.prototype.toString.call(payload) === '[object Response]'
}

/** Closes a body that will not be sent, letting the file or socket behind it go. */
function discard (payload: unknown): void {
  const body = payload as { destroy?: unknown, cancel?: unknown } | null | undefined
  if (typeof body?.destroy === 'function') (body.destroy as () => void)()
  else if (typeof body?.cancel === 'function') (body.cancel as () => Promise<void>)().catch(() => {})
}

/** The content type of a text body about to leave, including one set on `reply.raw`. */
function textTypeOf (reply: FastifyReply, contentTypeOf: ContentTypeReader): unknown {
  const type = contentTypeOf(reply)
  return type === undefined || type === UNTYPED ? reply.raw.getHeader('content-type') ?? type : type
}

/** Types bytes and streams as Fastify would have, had the reply not been typed UNTYPED. */
function typeAsFastify (reply: FastifyReply, payload: object): void {
  const raw = reply.raw.getHeader('content-type')
  if (raw !== undefined) reply.type(String(raw))
  else if (Buffer.isBuffer(payload)) reply.type('application/octet-stream')
  else reply.removeHeader('content-type')
}

function successBody (reply: FastifyReply, status: number, payload: string | undefined | null, contentTypeOf: ContentTypeReader): string | undefined {
  // 1xx, 204 and 304 carry no body, and no type but the handler's.
  if (status === 204 || status === 304 || status < 200) {
    if (contentTypeOf(reply) === UNTYPED) reply.removeHeader('content-type')
    return undefined
  }
  if (payload === undefined || payload === null) {
    reply.type(JSON_TYPE)
    return 'null'
  }
  const type = textTypeOf(reply, contentTypeOf)
  if (type === JSON_TYPE) return payload
  if (isChosenJsonType(type)) {
    if (!NAMES_CHARSET.test(type as string)) reply.type(`${type as string}; charset=utf-8`)
    return payload
  }
  // Other text is answered as a JSON string, as in the seed.
  reply.type(JSON_TYPE)
  return JSON.stringify(payload)
}
