import { validateHeaderName, validateHeaderValue } from 'node:http'
import { FST_AJAX_HEADER, FST_AJAX_STATUS } from './errors'

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

export function isPlainObject (value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false
  const proto = Object.getPrototypeOf(value)
  return proto === Object.prototype || proto === null
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
