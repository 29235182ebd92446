import type { FastifyInstance } from 'fastify'
import type { AjaxRoute } from './options'

/**
 * The error envelope's JSON schema, for a route's `schema.response` (`400: ajaxErrorSchema`) and
 * for @fastify/swagger; `as const` so that json-schema-to-ts reads `AjaxErrorBody` from it.
 */
export const ajaxErrorSchema = Object.freeze({
  description: 'The error envelope of an ajax route (fastify-ajaxutils)',
  type: 'object',
  required: ['status', 'error'],
  properties: {
    status: { type: 'string', enum: ['error'] },
    error: { description: 'A message, or the value the handler sent with its error status' },
    details: { type: 'array', items: { type: 'object', additionalProperties: true }, description: 'Validation errors of a 400' },
    requestId: { type: 'string', description: 'With plugin option requestId' },
    debug: {
      type: 'object',
      description: 'Real message and stack of a 5xx, with plugin option debug',
      properties: { message: { type: 'string' }, stack: { type: 'string' } }
    }
  }
} as const)

/** The same schema shared by id: `$ref: 'AjaxError#'`. */
const AJAX_ERROR_SCHEMA = Object.freeze({ $id: 'AjaxError', ...ajaxErrorSchema })

/** The RFC 9457 form, answered to `Accept: application/problem+json`: `$ref: 'AjaxProblem#'`. */
const AJAX_PROBLEM_SCHEMA = Object.freeze({
  $id: 'AjaxProblem',
  description: 'RFC 9457 problem details of an ajax route, for Accept: application/problem+json',
  type: 'object',
  required: ['type', 'title', 'status'],
  properties: {
    type: { type: 'string' },
    title: { type: 'string' },
    status: { type: 'integer' },
    detail: { type: 'string' },
    instance: { type: 'string' },
    error: { description: 'The value the handler sent with its error status, when not text' },
    details: { type: 'array', items: { type: 'object' } },
    requestId: { type: 'string' }
  }
})

const DESCRIPTIONS: Readonly<Record<number, string>> = {
  400: 'Bad Request: the request does not match the route\'s schema',
  401: 'Unauthorized: not logged in',
  403: 'Forbidden: a login strategy refused the user, or a cross-origin request was refused',
  404: 'Not found',
  405: 'Method not allowed',
  500: 'Internal Server Error'
}

/** Adds the shared schemas once per app, only in apps that use @fastify/swagger. */
export function addEnvelopeSchemas (fastify: FastifyInstance): void {
  if (!fastify.hasPlugin('@fastify/swagger')) return
  for (const schema of [AJAX_ERROR_SCHEMA, AJAX_PROBLEM_SCHEMA]) {
    if (fastify.getSchema(schema.$id) === undefined) fastify.addSchema(schema)
  }
}

/** The envelope's schema for a response: shared when it was added, else written out in place. */
function envelopeSchema (fastify: FastifyInstance): object {
  if (fastify.getSchema(AJAX_ERROR_SCHEMA.$id) !== undefined) return { $ref: `${AJAX_ERROR_SCHEMA.$id}#` }
  return ajaxErrorSchema
}

interface RouteSchema {
  body?: unknown
  querystring?: unknown
  params?: unknown
  headers?: unknown
  response?: Record<string, unknown>
}

interface DocumentedRoute {
  schema?: RouteSchema
}

/** The error statuses an ajax route can answer, by what it checks. */
function errorStatuses (ajax: AjaxRoute, schema: RouteSchema | undefined, hasStrategies: boolean, crossOriginChecked: boolean): number[] {
  const statuses = []
  if (schema?.body !== undefined || schema?.querystring !== undefined || schema?.params !== undefined || schema?.headers !== undefined) statuses.push(400)
  if (ajax.loginRequired) statuses.push(401)
  if ((ajax.loginRequired && hasStrategies) || crossOriginChecked) statuses.push(403)
  statuses.push(404)
  if (ajax.allowed !== null) statuses.push(405)
  statuses.push(500)
  return statuses
}

/** Documents ajax routes' error answers for @fastify/swagger, at ready, keeping statuses a route documents. */
export function createOpenApiDocs (fastify: FastifyInstance, hasStrategies: boolean) {
  const pending: Array<{ route: DocumentedRoute, statuses: number[] }> = []

  fastify.addHook('onReady', async function documentAjaxRoutes () {
    const swagger = fastify.hasPlugin('@fastify/swagger')
    const envelope = swagger ? envelopeSchema(fastify) : {}
    for (const { route, statuses } of swagger ? pending : []) {
      // @fastify/swagger documents a default 200 only for routes without responses: keep it.
      const response: Record<string, unknown> = route.schema?.response === undefined ? { 200: { description: 'Default Response' } } : {}
      for (const status of statuses) response[status] = { description: DESCRIPTIONS[status], ...envelope }
      route.schema = { ...route.schema, response: { ...response, ...route.schema?.response } }
    }
    pending.length = 0
  })

  return function recordAjaxRoute (route: DocumentedRoute, ajax: AjaxRoute, crossOriginChecked: boolean): void {
    pending.push({ route, statuses: errorStatuses(ajax, route.schema, hasStrategies, crossOriginChecked) })
  }
}
