import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'

/** `config.ajax` as an object: what an ajax route requires of a request. */
export interface AjaxRouteOptions {
  /**
   * Anonymous requests get 401 `Unauthorized` (the seed's `login_required`).
   * @default false
   */
  loginRequired?: boolean
  /**
   * Only GET (and HEAD) may call the route; others get 405 (the seed's `require_GET`).
   * @default false
   */
  requireGET?: boolean
  /**
   * Only POST may call the route; others get 405 (the seed's `require_POST`).
   * @default false
   */
  requirePOST?: boolean
  /**
   * The methods that may call the route, in any case; others get 405. HEAD is allowed with GET.
   * @default every method the route is registered for
   */
  methods?: readonly string[]
  /**
   * One method name (the seed's `require=METHOD`).
   * @deprecated Use `methods`; warns once per process with code `FSTAJAX_DEP001`.
   */
  require?: string
  /**
   * `false` turns the cross-origin check off for this route (a webhook called by another site).
   * Only `false` is accepted: the check is on unless a registration or the route turns it off.
   * @default the registration's plugin option `csrf` (on)
   */
  csrf?: false
}

/** The lifecycle stage in which the login and method checks run. */
export type AjaxCheckHook = 'onRequest' | 'preParsing' | 'preValidation' | 'preHandler'

/**
 * A login strategy in `@fastify/auth` form: call `done()` when the request is logged in and
 * `done(error)` when not, or return a promise that resolves or rejects.
 */
export type AjaxAuthStrategy = (
  this: FastifyInstance,
  request: FastifyRequest,
  reply: FastifyReply,
  done: (error?: Error) => void
) => void | Promise<unknown>

/** Plugin options. */
export interface AjaxutilsOptions {
  /**
   * Makes every route registered after the plugin in this context an ajax route, with these
   * options when an object (the seed's `AjaxMixin`). A route opts out with `config.ajax: false`.
   * @default false
   */
  all?: boolean | AjaxRouteOptions
  /**
   * Strategies that decide who is logged in, run through `@fastify/auth`. Without them a request
   * is logged in when `request.user` is truthy.
   * @default undefined
   */
  authenticate?: AjaxAuthStrategy | readonly AjaxAuthStrategy[]
  /**
   * How several strategies combine.
   * @default 'or'
   */
  relation?: 'or' | 'and'
  /**
   * The stage that runs the login check and then the method check.
   * @default 'onRequest'
   */
  hook?: AjaxCheckHook
  /**
   * Value of a `WWW-Authenticate` header added to every 401 of an ajax route.
   * @default undefined
   */
  wwwAuthenticate?: string
  /**
   * Sends the real message and stack of a 5xx as `debug: { message, stack }`. Never in production.
   * @default false
   */
  debug?: boolean
  /**
   * Adds `requestId` (Fastify's `request.id`) to every error body.
   * @default false
   */
  requestId?: boolean
  /**
   * Another JSON writer for ajax responses.
   * @default the plugin's own `json.stringify`
   */
  json?: { stringify: (value: unknown) => string }
  /**
   * The cross-origin check of non-safe requests (SPEC §8): `false` turns it off for this
   * registration; `trustedOrigins` (`scheme://host[:port]`) lists other origins whose pages may call.
   * @default on, trusting no other origin
   */
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

/**
 * Never-present keys that strings, numbers and arrays have: Fastify infers a route's config type
 * from its literal and intersects it with `FastifyContextConfig`, and these make `ajax: 'yes'`,
 * `ajax: 1` or `ajax: ['GET']` reduce to `never` there, a compile error even in an inline literal.
 */
interface NotAPrimitive {
  length?: never
  toFixed?: never
}

/** The type of `config.ajax`: `true`, `false` (opts out of `all`) or the route's options. */
export type AjaxRouteConfig = boolean | (AjaxRouteOptions & NotAPrimitive)

/**
 * An error answer with data, as a value of the envelope's type: `reply.code(400).send(ajaxError('bad'))`
 * type-checks on a route whose schema declares `ajaxErrorSchema` for 400, and is sent as it is.
 */
export function ajaxError<E = string> (error: E): { status: 'error', error: E } {
  return { status: 'error', error }
}

/** What `sendAsIs` needs of a reply: Fastify's, narrowed by `reply.code(n)` to that status's schema. */
interface SendingReply {
  statusCode: number
  send: (...args: never[]) => unknown
}

/**
 * The typed form of the `[data, status]` tuple: sends `data` with the reply's status (set it with
 * `reply.code(n)`, headers with `reply.header()`) and, like the tuple, never wraps it, even for an
 * error status. `data` is checked against the route's response schema for that status.
 */
export function sendAsIs<R extends SendingReply> (reply: R, ...data: Parameters<R['send']>): ReturnType<R['send']> {
  // The tuple is not the schema's type: the checked type is the parameter's, not send()'s.
  const send = reply.send as (payload: unknown) => ReturnType<R['send']>
  return send.call(reply, [data[0], reply.statusCode])
}
