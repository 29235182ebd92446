// fastify-ajaxutils/client: call ajax routes with fetch and never parse an error envelope by hand.
// No dependencies and no Node APIs: the same source builds to CommonJS and to a browser ES module.

/**
 * What went wrong: `'http'` the server answered with an error status, `'parse'` the answer was not
 * JSON, `'network'` no answer came, `'timeout'` none came in time, `'abort'` the caller's signal fired.
 */
export type AjaxErrorKind = 'http' | 'parse' | 'network' | 'timeout' | 'abort'

/** `fetch` options, with a `body` that may be any JSON value's object and a `timeout`. */
export interface AjaxInit extends Omit<RequestInit, 'body'> {
  /**
   * A plain object, array or other object is sent as JSON with `content-type: application/json`
   * (unless `headers` names another type); strings, `FormData`, `Blob`, `URLSearchParams`, buffers
   * and streams go to `fetch` as they are.
   */
  body?: RequestInit['body'] | object
  /**
   * Milliseconds to wait for the whole answer, body included; then the request is aborted and the
   * promise rejects with an `AjaxError` of kind `'timeout'`.
   * @default no limit
   */
  timeout?: number
}

/** A successful answer: its status, its headers and its parsed JSON body. */
export interface AjaxResult<T> {
  status: number
  headers: Headers
  /** The parsed body; `undefined` when the answer has none (204, HEAD). */
  data: T
}

/** What an `AjaxError` is made of; only `kind` is required. */
export interface AjaxErrorInit {
  kind: AjaxErrorKind
  status?: number
  error?: unknown
  body?: unknown
  requestId?: string
  details?: unknown[]
  headers?: Headers
  cause?: unknown
}

/** Every way `ajax()` can fail rejects with an `AjaxError`. */
export class AjaxError extends Error {
  // Declared, not defined: a field is set only when the failure has it ('requestId' in error).
  declare readonly kind: AjaxErrorKind
  /** The HTTP status; `0` when no answer came (`network`, `timeout`, `abort`). */
  declare readonly status: number
  /** The envelope's `error` (a message, or what the route sent), else the problem's `detail`, else the message. */
  declare readonly error: unknown
  /** The parsed body of an error answer, or its text when it was not JSON. */
  declare readonly body: unknown
  /** The request id, when the server sends it (plugin option `requestId`). */
  declare readonly requestId?: string
  /** The validation errors of a 400. */
  declare readonly details?: unknown[]
  /** The answer's headers (`Allow` of a 405, `WWW-Authenticate` of a 401), when an answer came. */
  declare readonly headers?: Headers

  constructor (message: string, init: AjaxErrorInit) {
    super(message, { cause: init.cause })
    const { kind, status = 0, error = message, body, requestId, details, headers } = init
    this.name = 'AjaxError'
    Object.assign(this, { kind, status, error, body })
    if (requestId !== undefined) Object.assign(this, { requestId })
    if (details !== undefined) Object.assign(this, { details })
    if (headers !== undefined) Object.assign(this, { headers })
  }
}

type Fields = Record<string, unknown>

const JSON_TYPE = /[/+]json\s*(;|$)/i

function sendsAsIs (body: object): boolean {
  return body instanceof Blob || body instanceof FormData || body instanceof URLSearchParams ||
    body instanceof ArrayBuffer || ArrayBuffer.isView(body) || body instanceof ReadableStream
}

function text (value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined
}

/** An error value as a message: text as it is, anything else as (the first 200 characters of) its JSON. */
function messageOf (error: unknown): string | undefined {
  if (error === undefined || error === null || error === '') return undefined
  return typeof error === 'string' ? error : JSON.stringify(error).slice(0, 200)
}

/** The error of a non-2xx answer: the envelope, problem details, or Fastify's own error format. */
function httpError (where: string, status: number, body: unknown, headers: Headers, problem: boolean): AjaxError {
  const fields: Fields = typeof body === 'object' && body !== null ? body as Fields : {}
  let error: unknown
  let message: string | undefined
  if (problem) {
    message = text(fields.detail) ?? text(fields.title)
    // The plugin keeps a non-text value a route sent (reply.code(409).send({ ... })) as `error`.
    error = 'error' in fields ? fields.error : message
  } else {
    // The envelope's `error`; else `{ statusCode, error, message }` from a route that is not ajax.
    error = fields.status === 'error' ? fields.error : text(fields.message) ?? text(fields.error) ?? text(body)
    message = messageOf(error)
  }
  message ??= `${where} answered ${status}`
  return new AjaxError(message, {
    kind: 'http',
    status,
    error: error ?? message,
    body,
    requestId: text(fields.requestId),
    details: Array.isArray(fields.details) ? fields.details : undefined,
    headers
  })
}

/** Reads an answer: parsed JSON on 2xx, an `AjaxError` for anything else. */
function readAnswer<T> (where: string, response: Response, answer: string): AjaxResult<T> {
  const { status, headers } = response
  const type = headers.get('content-type') ?? ''
  let body: unknown
  if (answer !== '') {
    if (!JSON_TYPE.test(type)) {
      throw new AjaxError(`${where} answered ${status} with ${type === '' ? 'no content type' : type}, not JSON`, { kind: 'parse', status, body: answer, headers })
    }
    try {
      body = JSON.parse(answer)
    } catch (cause) {
      throw new AjaxError(`${where} answered ${status} with invalid JSON (${(cause as Error).message})`, { kind: 'parse', status, body: answer, headers, cause })
    }
  }
  if (response.ok) return { status, headers, data: body as T }
  throw httpError(where, status, body, headers, /problem\+json/i.test(type))
}

/**
 * Calls an ajax route and resolves with its status, headers and parsed JSON body on 2xx. Sends
 * `Accept: application/json` and cookies of the same origin; rejects with an `AjaxError` otherwise.
 */
export async function ajaxResponse<T = unknown> (url: string | URL, init: AjaxInit = {}): Promise<AjaxResult<T>> {
  const { body, timeout, signal, ...rest } = init
  const where = `${(rest.method ?? 'GET').toUpperCase()} ${String(url)}`
  if (timeout !== undefined && !(timeout > 0 && timeout < 2 ** 31)) {
    throw new RangeError(`timeout must be a number of milliseconds from 1 to 2147483647, got ${String(timeout)}`)
  }
  const headers = new Headers(rest.headers)
  if (!headers.has('accept')) headers.set('accept', 'application/json')
  let payload = body as RequestInit['body']
  if (typeof body === 'object' && body !== null && !sendsAsIs(body)) {
    payload = JSON.stringify(body)
    if (!headers.has('content-type')) headers.set('content-type', 'application/json')
  }

  const controller = new AbortController()
  const abort = () => controller.abort(signal?.reason)
  let timedOut = false
  const timer = timeout === undefined
    ? undefined
    : setTimeout(() => {
      timedOut = true
      controller.abort()
    }, timeout)
  if (signal) {
    if (signal.aborted) abort()
    else signal.addEventListener('abort', abort)
  }
  try {
    let response: Response
    let answer: string
    try {
      response = await fetch(url, { credentials: 'same-origin', ...rest, headers, body: payload, signal: controller.signal })
      answer = await response.text()
    } catch (cause) {
      if (timedOut) throw new AjaxError(`${where} got no answer within ${String(timeout)} ms`, { kind: 'timeout', cause })
      if (controller.signal.aborted) throw new AjaxError(`${where} was aborted`, { kind: 'abort', cause })
      throw new AjaxError(`${where} failed: ${String(cause)}`, { kind: 'network', cause })
    }
    return readAnswer<T>(where, response, answer)
  } finally {
    clearTimeout(timer)
    signal?.removeEventListener('abort', abort)
  }
}

/**
 * Calls an ajax route and resolves with its parsed JSON body on 2xx; rejects with an `AjaxError`
 * on an error answer (its `error`, `status`, `requestId`, `details`), a non-JSON answer, a network
 * failure, a timeout or an abort.
 */
export async function ajax<T = unknown> (url: string | URL, init?: AjaxInit): Promise<T> {
  return (await ajaxResponse<T>(url, init)).data
}

// Types from the app's OpenAPI document: generate `paths` with openapi-typescript from what
// @fastify/swagger serves, then `ajax<AjaxData<paths['/items/{id}']['get']>>(url)`.

type StatusKey<S> = `${S & (string | number)}`

/** The JSON body of one of an operation's answers (`content['application/json']`). */
type JsonBody<R> = R extends { content: { 'application/json': infer B } } ? B : never

type Responses<Op> = Op extends { responses: infer R } ? R : never

/** What an operation of openapi-typescript's `paths` answers on 2xx: the data `ajax()` resolves with. */
export type AjaxData<Op> = { [S in keyof Responses<Op>]: StatusKey<S> extends `2${string}` ? JsonBody<Responses<Op>[S]> : never }[keyof Responses<Op>]

/** What it answers on 4xx and 5xx (and `default`): with fastify-ajaxutils, the error envelope. */
export type AjaxFailure<Op> = {
  [S in keyof Responses<Op>]: StatusKey<S> extends `4${string}` | `5${string}` | 'default' ? JsonBody<Responses<Op>[S]> : never
}[keyof Responses<Op>]

/** An `AjaxError` for an error answer whose body is `Body` (`AjaxFailure<Op>`). */
export type AjaxHttpError<Body = unknown> = AjaxError & {
  readonly kind: 'http'
  readonly body: Body
  readonly error: Body extends { error: infer E } ? E : unknown
}

/**
 * Whether `value` is an `AjaxError` for an error answer; with `Op` (an operation of `paths`) its
 * `body` and `error` are typed as the document declares them.
 */
export function isAjaxHttpError<Op = unknown> (value: unknown): value is AjaxHttpError<unknown extends Op ? unknown : AjaxFailure<Op>> {
  return value instanceof AjaxError && value.kind === 'http'
}
