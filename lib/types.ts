import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'

/** `config.ajax` as an object: what an ajax route requires of a request. */
export interface AjaxRouteOptions {
  /** Anonymous requests get 401 (the seed's `login_required`). @default false */
  loginRequired?: boolean
  /** Only GET (and HEAD) may call the route; others get 405. @default false */
  requireGET?: boolean
  /** Only POST may call the route; others get 405. @default false */
  requirePOST?: boolean
  /** The methods that may call the route; others get 405. @default every method of the route */
  methods?: readonly string[]
  /** @deprecated Use `methods` (warning `FSTAJAX_DEP001`). */
  require?: string
  /** `false` turns the cross-origin check off for this route. @default the plugin option `csrf` */
  csrf?: false
}

/** The lifecycle stage in which the login and method checks run. */
export type AjaxCheckHook = 'onRequest' | 'preParsing' | 'preValidation' | 'preHandler'

/** A login strategy in `@fastify/auth` form: `done()` when logged in, `done(error)` when not, or a promise. */
export type AjaxAuthStrategy = (
  this: FastifyInstance,
  request: FastifyRequest,
  reply: FastifyReply,
  done: (error?: Error) => void
) => void | Promise<unknown>

/** Plugin options. */
export interface AjaxutilsOptions {
  /** Makes every route registered after the plugin in this context an ajax route. @default false */
  all?: boolean | AjaxRouteOptions
  /** Login strategies, run through `@fastify/auth`; without them, a truthy `request.user`. @default undefined */
  authenticate?: AjaxAuthStrategy | readonly AjaxAuthStrategy[]
  /** How several strategies combine. @default 'or' */
  relation?: 'or' | 'and'
  /** The stage that runs the login check and then the method check. @default 'onRequest' */
  hook?: AjaxCheckHook
  /** A `WWW-Authenticate` value added to every 401 of an ajax route. @default undefined */
  wwwAuthenticate?: string
  /** Sends the real message and stack of a 5xx as `debug`. Never in production. @default false */
  debug?: boolean
  /** Adds `requestId` (Fastify's `request.id`) to every error body. @default false */
  requestId?: boolean
  /** Another JSON writer for ajax responses. @default the plugin's `json.stringify` */
  json?: { stringify: (value: unknown) => string }
  /** The cross-origin check of non-safe requests: `false`, or other origins to trust. @default on */
  csrf?: false | { trustedOrigins?: readonly string[] }
}

/** The body of every error answer of an ajax route. */
export interface AjaxErrorBody<E = string> {
  status: 'error'
  /** A message, or what the handler sent with a status of 400 or more. */
  error: E
  /** Validation errors of a 400. */
  details?: unknown[]
  /** With plugin option `requestId`. */
  requestId?: string
  /** With plugin option `debug`, on a 5xx. */
  debug?: { message: string, stack?: string }
}

/** Keys strings, numbers and arrays have: they make `ajax: 'yes'` a compile error (docs/internals.md). */
interface NotAPrimitive {
  length?: never
  toFixed?: never
}

/** The type of `config.ajax`: `true`, `false` (opts out of `all`) or the route's options. */
export type AjaxRouteConfig = boolean | (AjaxRouteOptions & NotAPrimitive)

/** An error answer as a value of the envelope's type: `reply.code(400).send(ajaxError('bad'))`. */
export function ajaxError<E = string> (error: E): { status: 'error', error: E } {
  return { status: 'error', error }
}

interface SendingReply {
  statusCode: number
  send: (...args: never[]) => unknown
}

/** The typed `[data, status]` tuple: sends `data`, checked against the schema, unwrapped, with the reply's status. */
export function sendAsIs<R extends SendingReply> (reply: R, ...data: Parameters<R['send']>): ReturnType<R['send']> {
  const send = reply.send as (payload: unknown) => ReturnType<R['send']>
  return send.call(reply, [data[0], reply.statusCode])
}
