import rateLimit from '@fastify/rate-limit'
import sensible from '@fastify/sensible'
import underPressure from '@fastify/under-pressure'
import type { FastifyInstance, InjectOptions } from 'fastify'
import t, { type Test } from 'tap'
import ajaxutils from '../index'
import { bareAnswer, buildApp, fastifyAtLeast, JSON_TYPE } from './helpers'

// A client that sends `Accept: application/problem+json` gets RFC 9457 problem details
// (type, title, status, detail, instance) with that content type, for every kind of error.

const PROBLEM_TYPE = 'application/problem+json'
const ASK = { accept: PROBLEM_TYPE }

interface Problem {
  type: string
  title: string
  status: number
  detail: string
  instance: string
  error?: unknown
  details?: unknown
  requestId?: string
}

function problem (status: number, title: string, detail: string, instance: string, extra: Partial<Problem> = {}): Problem {
  return { type: 'about:blank', title, status, detail, instance, ...extra }
}

const BODY_SCHEMA = { body: { type: 'object', required: ['name'] } }

/** One app with an ajax route for every kind of error the envelope covers. */
async function buildErrorApp (app: FastifyInstance) {
  await app.register(sensible)
  app.route({ method: ['GET', 'POST', 'PUT'], url: '/locked', config: { ajax: { loginRequired: true, methods: ['GET', 'POST'] } }, handler: async () => 'ok' })
  app.route({ method: ['GET', 'PUT'], url: '/methods', config: { ajax: { methods: ['GET'] } }, handler: async () => 'ok' })
  app.get('/forbidden', { config: { ajax: { loginRequired: true } }, onRequest: async (request) => { (request as { user?: unknown }).user = request.headers['x-user'] } }, async () => 'ok')
  app.get('/h404', { config: { ajax: true } }, async () => { throw new ajaxutils.Http404() })
  app.get('/json-string', { config: { ajax: true } }, async () => new ajaxutils.JsonResponse('Name is taken', { status: 409 }))
  app.get('/json-object', { config: { ajax: true } }, async () => new ajaxutils.JsonResponse({ field: 'name' }, { status: 409 }))
  app.get('/code-array', { config: { ajax: true } }, async (_request, reply) => reply.code(422).send(['a', 'b']))
  app.get('/sensible-4xx', { config: { ajax: true } }, async () => { throw app.httpErrors.imateapot('Only tea') })
  app.get('/sensible-5xx', { config: { ajax: true } }, async () => { throw app.httpErrors.serviceUnavailable('secret-db-down') })
  app.get('/crash', { config: { ajax: true } }, async () => { throw new Error('secret-crash') })
  app.get('/hook', { config: { ajax: true }, preHandler: async () => { throw new Error('secret-hook') } }, async () => 'ok')
  app.post('/body', { config: { ajax: true }, schema: BODY_SCHEMA }, async () => 'ok')
  app.get('/items', { config: { ajax: true } }, async () => [])
  app.get('/tuple', { config: { ajax: true } }, async () => [{ reason: 'data, not an error' }, 418])
  app.get('/ok', { config: { ajax: true } }, async () => ({ ok: true }))
}

const REQUIRED = [{ instancePath: '', schemaPath: '#/required', keyword: 'required', params: { missingProperty: 'name' }, message: "must have required property 'name'" }]
const NOT_JSON = "Body is not valid JSON but content-type is set to 'application/json'"

type Case = [string, InjectOptions & { url: string }, number, Problem]

// The fifth item of a case whose detail is Fastify's own message: the version from which Fastify
// words it so. Older Fastify 5 minors word it differently (the 415 names the media type before 5.8,
// bad JSON gets JSON.parse's own text before 5.5); casesFor() takes their text from a bare app.
const CASES: Array<[...Case, string?]> = [
  ['not logged in', { url: '/locked' }, 401, problem(401, 'Unauthorized', 'Unauthorized', '/locked')],
  ['forbidden by a strategy', { url: '/forbidden' }, 401, problem(401, 'Unauthorized', 'Unauthorized', '/forbidden')],
  ['route-level 405', { url: '/methods', method: 'PUT' }, 405, problem(405, 'Method Not Allowed', 'Method not allowed', '/methods')],
  ['router-level 405', { url: '/items?x=1', method: 'DELETE' }, 405, problem(405, 'Method Not Allowed', 'Method not allowed', '/items?x=1')],
  ['Http404', { url: '/h404' }, 404, problem(404, 'Not Found', 'Not found', '/h404')],
  ['JsonResponse with a string', { url: '/json-string' }, 409, problem(409, 'Conflict', 'Name is taken', '/json-string')],
  ['JsonResponse with an object', { url: '/json-object' }, 409, problem(409, 'Conflict', 'Conflict', '/json-object', { error: { field: 'name' } })],
  ['reply.code(422).send(array)', { url: '/code-array' }, 422, problem(422, 'Unprocessable Entity', 'Unprocessable Entity', '/code-array', { error: ['a', 'b'] })],
  ['a thrown sensible 4xx', { url: '/sensible-4xx' }, 418, problem(418, "I'm a Teapot", 'Only tea', '/sensible-4xx')],
  ['a thrown sensible 5xx', { url: '/sensible-5xx' }, 503, problem(503, 'Service Unavailable', 'Service Unavailable', '/sensible-5xx')],
  ['any other thrown error', { url: '/crash' }, 500, problem(500, 'Internal Server Error', 'Internal Server Error', '/crash')],
  ['a hook error', { url: '/hook' }, 500, problem(500, 'Internal Server Error', 'Internal Server Error', '/hook')],
  ['schema validation', { url: '/body', method: 'POST', payload: {} }, 400, problem(400, 'Bad Request', "body must have required property 'name'", '/body', { details: REQUIRED })],
  ['unsupported media type', { url: '/body', method: 'POST', headers: { 'content-type': 'text/xml' }, payload: '<a/>' }, 415, problem(415, 'Unsupported Media Type', 'Unsupported Media Type', '/body'), '5.8.0'],
  ['body too large', { url: '/body', method: 'POST', headers: { 'content-type': 'application/json' }, payload: JSON.stringify({ name: 'x'.repeat(100) }) }, 413, problem(413, 'Payload Too Large', 'Request body is too large', '/body'), '5.0.0'],
  ['malformed JSON', { url: '/body', method: 'POST', headers: { 'content-type': 'application/json' }, payload: '{"name"' }, 400, problem(400, 'Bad Request', NOT_JSON, '/body'), '5.5.0'],
  ['prototype poisoning', { url: '/body', method: 'POST', headers: { 'content-type': 'application/json' }, payload: '{"__proto__":{"x":1}}' }, 400, problem(400, 'Bad Request', NOT_JSON, '/body'), '5.5.0'],
  ['constructor.prototype poisoning', { url: '/body', method: 'POST', headers: { 'content-type': 'application/json' }, payload: '{"constructor":{"prototype":{"x":1}}}' }, 400, problem(400, 'Bad Request', NOT_JSON, '/body'), '5.5.0']
]

/** The cases, each Fastify message as the installed Fastify words it (what a bare app answers). */
async function casesFor (t: Test): Promise<Case[]> {
  const cases: Case[] = []
  for (const [name, request, status, body, since] of CASES) {
    if (since === undefined) {
      cases.push([name, request, status, body])
      continue
    }
    const fastify = await bareAnswer(t, (bare) => { bare.post('/body', { schema: BODY_SCHEMA }, async () => 'ok') }, request, { bodyLimit: 64 })
    t.equal(fastify.statusCode, status, `${name}: Fastify's status`)
    const detail = fastify.json().message
    if (fastifyAtLeast(since)) t.equal(detail, body.detail, `${name}: Fastify's message since ${since}`)
    cases.push([name, request, status, { ...body, detail }])
  }
  return cases
}

t.test('every kind of error answers RFC 9457 problem details to Accept: application/problem+json', async (t) => {
  const app = await buildApp(t, {}, { bodyLimit: 64 })
  await buildErrorApp(app)
  for (const [name, request, status, body] of await casesFor(t)) {
    const res = await app.inject({ ...request, headers: { ...request.headers, ...ASK } })
    t.equal(res.statusCode, status, name)
    t.equal(res.headers['content-type'], PROBLEM_TYPE, name)
    t.same(res.json(), body, name)
    t.notMatch(res.body, /secret-/, name)
  }
})

t.test('the same requests without the Accept header get the envelope', async (t) => {
  const app = await buildApp(t, {}, { bodyLimit: 64 })
  await buildErrorApp(app)
  for (const [name, request, status, body] of await casesFor(t)) {
    const res = await app.inject(request)
    t.equal(res.statusCode, status, name)
    t.equal(res.headers['content-type'], JSON_TYPE, name)
    const error = body.error ?? body.detail
    t.same(res.json(), body.details === undefined ? { status: 'error', error } : { status: 'error', error, details: body.details }, name)
  }
})

t.test('a 405 problem keeps Allow and a 401 problem keeps WWW-Authenticate', async (t) => {
  const app = await buildApp(t, { wwwAuthenticate: 'Bearer realm="api"' })
  await buildErrorApp(app)
  const unauthorized = await app.inject({ url: '/locked', headers: ASK })
  t.equal(unauthorized.headers['www-authenticate'], 'Bearer realm="api"')
  t.equal(unauthorized.headers['content-type'], PROBLEM_TYPE)
  const router = await app.inject({ url: '/items', method: 'POST', headers: ASK })
  t.equal(router.headers.allow, 'GET, HEAD')
  const route = await app.inject({ url: '/methods', method: 'PUT', headers: ASK })
  t.equal(route.headers.allow, 'GET, HEAD')
})

t.test('requestId and debug ride along in problem details', async (t) => {
  const app = await buildApp(t, { requestId: true, debug: true }, { genReqId: () => 'rid-problem' })
  app.get('/crash', { config: { ajax: true } }, async () => { throw new Error('secret-visible-in-debug') })
  app.get('/h404', { config: { ajax: true } }, async () => { throw new ajaxutils.Http404() })
  const crash = await app.inject({ url: '/crash', headers: ASK })
  t.equal(crash.statusCode, 500)
  t.equal(crash.headers['content-type'], PROBLEM_TYPE)
  const body = crash.json()
  t.same(Object.keys(body), ['type', 'title', 'status', 'detail', 'instance', 'debug', 'requestId'])
  t.same({ ...body, debug: undefined }, { ...problem(500, 'Internal Server Error', 'Internal Server Error', '/crash'), debug: undefined, requestId: 'rid-problem' })
  t.equal(body.debug.message, 'secret-visible-in-debug')
  t.match(body.debug.stack, /^Error: secret-visible-in-debug\n/)
  const missing = await app.inject({ url: '/h404', headers: ASK })
  t.same(missing.json(), problem(404, 'Not Found', 'Not found', '/h404', { requestId: 'rid-problem' }))
})

t.test('the 404 under an `all` prefix answers problem details', async (t) => {
  const app = await buildApp(t)
  await app.register(async (api) => {
    await api.register(ajaxutils, { all: true })
    api.get('/users', async () => [])
  }, { prefix: '/api' })
  const res = await app.inject({ url: '/api/nope', headers: ASK })
  t.equal(res.statusCode, 404)
  t.equal(res.headers['content-type'], PROBLEM_TYPE)
  t.same(res.json(), problem(404, 'Not Found', 'Not found', '/api/nope'))
  const outside = await app.inject({ url: '/nope', headers: ASK })
  t.equal(outside.statusCode, 404)
  t.same(outside.json(), { message: 'Route GET:/nope not found', error: 'Not Found', statusCode: 404 }, 'Fastify 404 elsewhere')
})

t.test('@fastify/rate-limit 429 and @fastify/under-pressure 503 answer problem details', async (t) => {
  const limited = await buildApp(t)
  await limited.register(rateLimit, { max: 1, timeWindow: 60_000 })
  limited.get('/x', { config: { ajax: true } }, async () => 'ok')
  await limited.inject('/x')
  const tooMany = await limited.inject({ url: '/x', headers: ASK })
  t.equal(tooMany.statusCode, 429)
  t.equal(tooMany.headers['content-type'], PROBLEM_TYPE)
  t.equal(tooMany.headers['retry-after'], '60')
  t.same(tooMany.json(), problem(429, 'Too Many Requests', 'Rate limit exceeded, retry in 1 minute', '/x'))

  const busy = await buildApp(t)
  await busy.register(underPressure, { healthCheck: async () => false, healthCheckInterval: 60_000 })
  busy.get('/x', { config: { ajax: true } }, async () => 'ok')
  const unavailable = await busy.inject({ url: '/x', headers: ASK })
  t.equal(unavailable.statusCode, 503)
  t.equal(unavailable.headers['content-type'], PROBLEM_TYPE)
  t.same(unavailable.json(), problem(503, 'Service Unavailable', 'Service Unavailable', '/x'))
})

t.test('successes and status tuples stay JSON data whatever the Accept header says', async (t) => {
  const app = await buildApp(t)
  await buildErrorApp(app)
  const ok = await app.inject({ url: '/ok', headers: ASK })
  t.equal(ok.statusCode, 200)
  t.equal(ok.headers['content-type'], JSON_TYPE)
  t.same(ok.json(), { ok: true })
  const tuple = await app.inject({ url: '/tuple', headers: ASK })
  t.equal(tuple.statusCode, 418)
  t.equal(tuple.headers['content-type'], JSON_TYPE)
  t.same(tuple.json(), { reason: 'data, not an error' })
})

t.test('Accept negotiation picks problem+json only when the client prefers it', async (t) => {
  const app = await buildApp(t)
  app.get('/h404', { config: { ajax: true } }, async () => { throw new ajaxutils.Http404() })
  const cases: Array<[string, string]> = [
    [PROBLEM_TYPE, PROBLEM_TYPE],
    ['application/problem+json, application/json;q=0.9', PROBLEM_TYPE],
    ['text/html, application/problem+json', PROBLEM_TYPE],
    ['application/json, application/problem+json;q=0.5', JSON_TYPE],
    ['application/problem+json;q=0', JSON_TYPE],
    ['*/*', JSON_TYPE],
    ['application/*', JSON_TYPE],
    ['application/json', JSON_TYPE],
    ['text/html', JSON_TYPE],
    ['application/problem+xml', JSON_TYPE],
    ['problem+json', JSON_TYPE],
    [';;;,,,problem+json,,', JSON_TYPE]
  ]
  for (const [accept, type] of cases) {
    const res = await app.inject({ url: '/h404', headers: { accept } })
    t.equal(res.statusCode, 404, accept)
    t.equal(res.headers['content-type'], type, accept)
    t.same(res.json(), type === PROBLEM_TYPE ? problem(404, 'Not Found', 'Not found', '/h404') : { status: 'error', error: 'Not found' }, accept)
  }
})

t.test('media types are case-insensitive: APPLICATION/PROBLEM+JSON asks for problem details too', async (t) => {
  const app = await buildApp(t)
  app.get('/h404', { config: { ajax: true } }, async () => { throw new ajaxutils.Http404() })
  for (const accept of ['APPLICATION/PROBLEM+JSON', 'Application/Problem+Json']) {
    const res = await app.inject({ url: '/h404', headers: { accept } })
    t.equal(res.headers['content-type'], PROBLEM_TYPE, accept)
    t.same(res.json(), problem(404, 'Not Found', 'Not found', '/h404'), accept)
  }
})

t.test('a charset parameter on the Accept range still asks for problem details', async (t) => {
  const app = await buildApp(t)
  app.get('/h404', { config: { ajax: true } }, async () => { throw new ajaxutils.Http404() })
  for (const accept of ['application/problem+json; charset=utf-8', 'application/problem+json;charset=UTF-8, application/json;q=0.1']) {
    const res = await app.inject({ url: '/h404', headers: { accept } })
    t.equal(res.headers['content-type'], PROBLEM_TYPE, accept)
    t.same(res.json(), problem(404, 'Not Found', 'Not found', '/h404'), accept)
  }
})
