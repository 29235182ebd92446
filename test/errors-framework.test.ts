import rateLimit from '@fastify/rate-limit'
import underPressure from '@fastify/under-pressure'
import Fastify, { type FastifyInstance, type InjectOptions } from 'fastify'
import t from 'tap'
import ajaxutils from '../index'
import { bareAnswer, buildApp, expectAnswer, fastifyAtLeast, JSON_TYPE } from './helpers'

// Errors from hooks, from Fastify's body parser and validator, from response schemas, from
// the app's own error handler and from well-known plugins all leave an ajax route as the envelope.

const STACK_LINE = /\n\s+at /

const STAGES = ['onRequest', 'preParsing', 'preValidation', 'preHandler', 'preSerialization'] as const

for (const stage of STAGES) {
  t.test(`a generic error thrown by a route ${stage} hook gets 500 Internal Server Error`, async (t) => {
    const app = await buildApp(t)
    let ran = false
    app.post('/hooked', {
      config: { ajax: true },
      [stage]: async () => { throw new Error(`secret-${stage}-message`) }
    }, async () => { ran = true; return { ok: true } })
    const res = await app.inject({ method: 'POST', url: '/hooked', payload: { a: 1 } })
    t.equal(res.statusCode, 500)
    t.equal(res.headers['content-type'], JSON_TYPE)
    t.same(res.json(), { status: 'error', error: 'Internal Server Error' })
    t.equal(ran, stage === 'preSerialization', 'the handler runs only before preSerialization')
  })

  t.test(`a 4xx error passed to done() by an app-level ${stage} hook keeps its status and message`, async (t) => {
    const app = await buildApp(t)
    const fail = (done: (error: Error) => void) => done(Object.assign(new Error(`Refused at ${stage}`), { statusCode: 409 }))
    if (stage === 'preParsing' || stage === 'preSerialization') {
      app.addHook(stage, (_request: unknown, _reply: unknown, _payload: unknown, done: (error: Error) => void) => fail(done))
    } else {
      app.addHook(stage, (_request: unknown, _reply: unknown, done: (error: Error) => void) => fail(done))
    }
    app.post('/hooked', { config: { ajax: true } }, async () => ({ ok: true }))
    const res = await app.inject({ method: 'POST', url: '/hooked', payload: { a: 1 } })
    t.equal(res.statusCode, 409)
    t.equal(res.headers['content-type'], JSON_TYPE)
    t.same(res.json(), { status: 'error', error: `Refused at ${stage}` })
  })
}

t.test('a hook that answers reply.code(403).send(text) itself gets the envelope', async (t) => {
  const app = await buildApp(t)
  app.get('/guarded', {
    config: { ajax: true },
    onRequest: async (_request, reply) => reply.code(403).send('Account locked')
  }, async () => 'never')
  const res = await app.inject('/guarded')
  t.equal(res.statusCode, 403)
  t.equal(res.headers['content-type'], JSON_TYPE)
  t.same(res.json(), { status: 'error', error: 'Account locked' })
})

t.test('an onRequest hook of an outer context registered before the plugin still ends in the envelope', async (t) => {
  const app = Fastify()
  t.teardown(() => app.close())
  app.addHook('onRequest', async (request) => {
    if (request.headers['x-block'] !== undefined) throw new Error('secret-outer-hook')
  })
  await app.register(ajaxutils)
  app.get('/x', { config: { ajax: true } }, async () => 'fine')
  const res = await app.inject({ url: '/x', headers: { 'x-block': '1' } })
  t.equal(res.statusCode, 500)
  t.equal(res.headers['content-type'], JSON_TYPE)
  t.same(res.json(), { status: 'error', error: 'Internal Server Error' })
})

t.test('an app onSend hook that fails once gets the 500 envelope on the second pass', async (t) => {
  const app = await buildApp(t)
  let failures = 0
  app.addHook('onSend', async () => {
    if (failures++ === 0) throw new Error('secret-onsend-once')
  })
  app.get('/send', { config: { ajax: true } }, async () => ({ ok: true }))
  const res = await app.inject('/send')
  t.equal(res.statusCode, 500)
  t.equal(res.headers['content-type'], JSON_TYPE)
  t.same(res.json(), { status: 'error', error: 'Internal Server Error' })
})

t.test('an app onSend hook that rewrites JSON text leaves the plugin\'s error answers whole', async (t) => {
  const app = await buildApp(t)
  // A common guard against JSON hijacking: a prefix on every JSON text body.
  app.addHook('onSend', async (_request, reply, payload) => {
    const type = reply.getHeader('content-type')
    return typeof payload === 'string' && typeof type === 'string' && type.includes('json') ? ")]}',\n" + payload : payload
  })
  app.get('/ok', { config: { ajax: true } }, async () => ({ ok: true }))
  app.get('/private', { config: { ajax: { loginRequired: true } } }, async () => ({ ok: true }))
  app.get('/missing', { config: { ajax: true } }, async () => { throw new ajaxutils.Http404() })
  app.get('/message', { config: { ajax: true } }, async () => { throw Object.assign(new Error('Bad kind'), { statusCode: 400 }) })
  app.get('/teapot', { config: { ajax: true } }, async () => [{ a: 1 }, 418])

  await expectAnswer(t, app, '/ok', { status: 200, body: ")]}',\n{\"ok\":true}" })
  await expectAnswer(t, app, '/private', { status: 401, body: '{"status":"error","error":"Unauthorized"}' })
  await expectAnswer(t, app, '/missing', { status: 404, body: '{"status":"error","error":"Not found"}' })
  await expectAnswer(t, app, '/message', { status: 400, body: '{"status":"error","error":"Bad kind"}' })
  await expectAnswer(t, app, '/teapot', { status: 418, body: '{"a":1}' })
})

t.test('schema validation failure gets 400 with Fastify message and the validation errors as details', async (t) => {
  const app = await buildApp(t)
  let ran = false
  app.post('/people/:id', {
    config: { ajax: true },
    schema: {
      params: { type: 'object', properties: { id: { type: 'integer' } } },
      querystring: { type: 'object', properties: { page: { type: 'integer', minimum: 1 } } },
      headers: { type: 'object', properties: { 'x-tenant': { type: 'string', pattern: '^[a-z]+$' } } },
      body: { type: 'object', required: ['name'], properties: { name: { type: 'string' } }, additionalProperties: false }
    }
  }, async () => { ran = true; return 'ok' })
  const cases: Array<[InjectOptions, string, unknown[]]> = [
    [{ method: 'POST', url: '/people/1', payload: {} }, "body must have required property 'name'",
      [{ instancePath: '', schemaPath: '#/required', keyword: 'required', params: { missingProperty: 'name' }, message: "must have required property 'name'" }]],
    [{ method: 'POST', url: '/people/abc', payload: { name: 'a' } }, 'params/id must be integer',
      [{ instancePath: '/id', schemaPath: '#/properties/id/type', keyword: 'type', params: { type: 'integer' }, message: 'must be integer' }]],
    [{ method: 'POST', url: '/people/1?page=0', payload: { name: 'a' } }, 'querystring/page must be >= 1',
      [{ instancePath: '/page', schemaPath: '#/properties/page/minimum', keyword: 'minimum', params: { comparison: '>=', limit: 1 }, message: 'must be >= 1' }]],
    [{ method: 'POST', url: '/people/1', headers: { 'x-tenant': 'A1' }, payload: { name: 'a' } }, 'headers/x-tenant must match pattern "^[a-z]+$"',
      [{ instancePath: '/x-tenant', schemaPath: '#/properties/x-tenant/pattern', keyword: 'pattern', params: { pattern: '^[a-z]+$' }, message: 'must match pattern "^[a-z]+$"' }]]
  ]
  for (const [request, error, details] of cases) {
    const res = await app.inject(request)
    t.equal(res.statusCode, 400, error)
    t.equal(res.headers['content-type'], JSON_TYPE)
    t.same(res.json(), { status: 'error', error, details })
  }
  t.equal(ran, false)
})

t.test('validation with allErrors lists every failure in details', async (t) => {
  const app = await buildApp(t, {}, { ajv: { customOptions: { allErrors: true } } })
  app.post('/many', {
    config: { ajax: true },
    schema: { body: { type: 'object', required: ['a', 'b'], properties: { a: { type: 'string' }, b: { type: 'string' } } } }
  }, async () => 'ok')
  const res = await app.inject({ method: 'POST', url: '/many', payload: {} })
  t.equal(res.statusCode, 400)
  const body = res.json()
  t.equal(body.error, "body must have required property 'a', body must have required property 'b'")
  t.same(body.details.map((detail: { params: unknown }) => detail.params), [{ missingProperty: 'a' }, { missingProperty: 'b' }])
})

t.test('a custom schemaErrorFormatter message is sent with the validation details', async (t) => {
  const app = await buildApp(t, {}, { schemaErrorFormatter: (errors, dataVar) => new Error(`Check ${dataVar}: ${errors.length} problem(s)`) })
  app.post('/fmt', { config: { ajax: true }, schema: { body: { type: 'object', required: ['a'] } } }, async () => 'ok')
  const res = await app.inject({ method: 'POST', url: '/fmt', payload: {} })
  t.equal(res.statusCode, 400)
  t.equal(res.headers['content-type'], JSON_TYPE)
  t.same(res.json(), {
    status: 'error',
    error: 'Check body: 1 problem(s)',
    details: [{ instancePath: '', schemaPath: '#/required', keyword: 'required', params: { missingProperty: 'a' }, message: "must have required property 'a'" }]
  })
})

t.test('attachValidation leaves the validation error to the handler', async (t) => {
  const app = await buildApp(t)
  app.post('/attached', {
    config: { ajax: true },
    attachValidation: true,
    schema: { body: { type: 'object', required: ['a'] } }
  }, async (request) => [{ invalid: request.validationError?.message }, 422])
  const res = await app.inject({ method: 'POST', url: '/attached', payload: {} })
  t.equal(res.statusCode, 422)
  t.equal(res.headers['content-type'], JSON_TYPE)
  t.same(res.json(), { invalid: "body must have required property 'a'" })
})

// Requests that Fastify's body handling refuses, each with the status Fastify gives and the message
// it gives from the version named. Older Fastify 5 minors word some of them differently (the 415
// names the media type before 5.8, bad JSON gets JSON.parse's own text before 5.5): there the
// expected message is the one a bare Fastify app of the installed version sends.
const BODY_CASES: Array<[string, InjectOptions, number, string, string]> = [
  ['an unsupported media type', { headers: { 'content-type': 'text/xml' }, payload: '<a/>' }, 415, 'Unsupported Media Type', '5.8.0'],
  ['a garbled content type', { headers: { 'content-type': ';;;' }, payload: 'x' }, 415, 'Unsupported Media Type', '5.8.0'],
  ['a body over bodyLimit', { headers: { 'content-type': 'application/json' }, payload: JSON.stringify({ a: 'x'.repeat(100) }) }, 413, 'Request body is too large', '5.0.0'],
  ['malformed JSON', { headers: { 'content-type': 'application/json' }, payload: '{"a":' }, 400, "Body is not valid JSON but content-type is set to 'application/json'", '5.5.0'],
  ['an empty JSON body', { headers: { 'content-type': 'application/json' }, payload: '' }, 400, "Body cannot be empty when content-type is set to 'application/json'", '5.0.0'],
  ['a __proto__ key', { headers: { 'content-type': 'application/json' }, payload: '{"__proto__":{"admin":true}}' }, 400, "Body is not valid JSON but content-type is set to 'application/json'", '5.5.0'],
  ['a nested __proto__ key', { headers: { 'content-type': 'application/json' }, payload: '{"a":{"__proto__":{}}}' }, 400, "Body is not valid JSON but content-type is set to 'application/json'", '5.5.0'],
  ['a constructor.prototype key', { headers: { 'content-type': 'application/json' }, payload: '{"constructor":{"prototype":{"admin":true}}}' }, 400, "Body is not valid JSON but content-type is set to 'application/json'", '5.5.0'],
  ['a body shorter than its Content-Length', { headers: { 'content-type': 'application/json', 'content-length': '5' }, payload: '{"a":1,"b":2}' }, 400, 'Request body size did not match Content-Length', '5.0.0']
]

for (const [name, request, status, message, since] of BODY_CASES) {
  t.test(`${name} gets ${status} with Fastify's message and no stack, even with debug`, async (t) => {
    const setup = (app: FastifyInstance, ajax: boolean) => {
      app.post('/body', ajax ? { config: { ajax: true } } : {}, async (req) => ({ got: req.body }))
    }
    const app = await buildApp(t, { debug: true }, { bodyLimit: 64 })
    let ran = false
    app.addHook('preHandler', async () => { ran = true })
    setup(app, true)
    const full = { method: 'POST' as const, url: '/body', ...request }
    const fastify = await bareAnswer(t, (bare) => setup(bare, false), full, { bodyLimit: 64 })
    t.equal(fastify.statusCode, status, 'Fastify refuses it with this status')
    const error = fastify.json().message
    if (fastifyAtLeast(since)) t.equal(error, message, `Fastify's message since ${since}`)
    const res = await app.inject(full)
    t.equal(res.statusCode, status)
    t.equal(res.headers['content-type'], JSON_TYPE)
    t.same(res.json(), { status: 'error', error }, 'the same message Fastify sends')
    t.notMatch(res.body, STACK_LINE)
    t.equal(ran, false, 'the handler never ran')
  })
}

t.test('a route response schema keeps Fastify serializer for 2xx (extra keys dropped)', async (t) => {
  const app = await buildApp(t)
  app.get('/user', {
    config: { ajax: true },
    schema: { response: { 200: { type: 'object', properties: { name: { type: 'string' }, joined: { type: 'string', format: 'date' } } } } }
  }, async () => ({ name: 'ada', joined: new Date('2020-05-06T07:08:09Z'), password: 'secret-hash' }))
  const res = await app.inject('/user')
  t.equal(res.statusCode, 200)
  t.equal(res.headers['content-type'], JSON_TYPE)
  t.same(res.json(), { name: 'ada', joined: '2020-05-06' })
})

t.test('a route response schema for errors does not reshape the envelope', async (t) => {
  const app = await buildApp(t)
  const errorSchema = { type: 'object', properties: { statusCode: { type: 'integer' }, message: { type: 'string' } }, additionalProperties: false }
  app.get('/s/:kind', {
    config: { ajax: true },
    schema: { response: { 200: { type: 'object', properties: { ok: { type: 'boolean' } } }, '4xx': errorSchema, '5xx': errorSchema, default: errorSchema } }
  }, async (request) => {
    const { kind } = request.params as { kind: string }
    if (kind === '404') throw new ajaxutils.Http404()
    if (kind === '400') throw Object.assign(new Error('Bad kind'), { statusCode: 400 })
    if (kind === 'json') return new ajaxutils.JsonResponse('Taken', { status: 409 })
    throw new Error('secret-schema-500')
  })
  const cases = [['404', 404, 'Not found'], ['400', 400, 'Bad kind'], ['json', 409, 'Taken'], ['500', 500, 'Internal Server Error']] as const
  for (const [kind, status, error] of cases) {
    const res = await app.inject(`/s/${kind}`)
    t.equal(res.statusCode, status, kind)
    t.equal(res.headers['content-type'], JSON_TYPE)
    t.same(res.json(), { status: 'error', error })
  }
})

t.test('a 2xx that breaks the route response schema gets 500 Internal Server Error', async (t) => {
  const app = await buildApp(t)
  app.get('/strict', {
    config: { ajax: true },
    schema: { response: { 200: { type: 'object', required: ['id'], properties: { id: { type: 'integer' } } } } }
  }, async () => ({ name: 'no id' }))
  const res = await app.inject('/strict')
  t.equal(res.statusCode, 500)
  t.equal(res.headers['content-type'], JSON_TYPE)
  t.same(res.json(), { status: 'error', error: 'Internal Server Error' })
})

t.test('the app setErrorHandler keeps serving non-ajax routes; its HTML page on an ajax route becomes the envelope', async (t) => {
  const app = await buildApp(t)
  const seen: string[] = []
  app.setErrorHandler((error: Error, request, reply) => {
    seen.push(request.url)
    reply.code(500).type('text/html').send(`<h1>Oops: ${error.message}</h1>`)
  })
  app.get('/page', async () => { throw new Error('page broke') })
  app.get('/api', { config: { ajax: true } }, async () => { throw new Error('secret-api-broke') })
  const page = await app.inject('/page')
  t.equal(page.statusCode, 500)
  t.equal(page.headers['content-type'], 'text/html')
  t.equal(page.body, '<h1>Oops: page broke</h1>')
  const api = await app.inject('/api')
  t.equal(api.statusCode, 500)
  t.equal(api.headers['content-type'], JSON_TYPE)
  t.same(api.json(), { status: 'error', error: 'Internal Server Error' })
  t.same(seen, ['/page', '/api'])
})

t.test('a setErrorHandler of a child context runs first on its ajax routes; what it sends is enveloped', async (t) => {
  const app = await buildApp(t)
  await app.register(async (child) => {
    child.setErrorHandler((_error, _request, reply) => { reply.code(502).type('text/plain').send('child handler') })
    child.get('/api', { config: { ajax: true } }, async () => { throw Object.assign(new Error('Bad input'), { statusCode: 400 }) })
    child.get('/page', async () => { throw new Error('x') })
  })
  const api = await app.inject('/api')
  t.equal(api.statusCode, 502)
  t.equal(api.headers['content-type'], JSON_TYPE)
  t.same(api.json(), { status: 'error', error: 'child handler' })
  const page = await app.inject('/page')
  t.equal(page.statusCode, 502)
  t.equal(page.body, 'child handler')
})

t.test('a route own errorHandler runs first on an ajax route; what it sends is enveloped', async (t) => {
  const app = await buildApp(t)
  app.get('/own', {
    config: { ajax: true },
    errorHandler: (error, _request, reply) => { reply.code(422).type('text/plain').send(`Fix: ${error.message}`) }
  }, async () => { throw new Error('the date') })
  app.get('/rethrow', {
    config: { ajax: true },
    errorHandler: async (error: Error) => { throw new Error(`secret-rethrown ${error.message}`) }
  }, async () => { throw new Error('x') })
  const own = await app.inject('/own')
  t.equal(own.statusCode, 422)
  t.equal(own.headers['content-type'], JSON_TYPE)
  t.same(own.json(), { status: 'error', error: 'Fix: the date' })
  const rethrow = await app.inject('/rethrow')
  t.equal(rethrow.statusCode, 500)
  t.equal(rethrow.headers['content-type'], JSON_TYPE)
  t.same(rethrow.json(), { status: 'error', error: 'Internal Server Error' })
})

t.test("@fastify/rate-limit's 429 on an ajax route becomes the envelope with its headers", async (t) => {
  const app = await buildApp(t)
  await app.register(rateLimit, { max: 1, timeWindow: 60_000 })
  let runs = 0
  app.get('/limited', { config: { ajax: true } }, async () => { runs++; return { ok: true } })
  app.get('/page', async () => 'page')
  const first = await app.inject('/limited')
  t.equal(first.statusCode, 200)
  t.same(first.json(), { ok: true })
  const second = await app.inject('/limited')
  t.equal(second.statusCode, 429)
  t.equal(second.headers['content-type'], JSON_TYPE)
  t.equal(second.headers['retry-after'], '60')
  t.equal(second.headers['x-ratelimit-limit'], '1')
  t.equal(second.headers['x-ratelimit-remaining'], '0')
  t.same(second.json(), { status: 'error', error: 'Rate limit exceeded, retry in 1 minute' })
  t.equal(runs, 1)
  await app.inject('/page')
  const page = await app.inject('/page')
  t.equal(page.statusCode, 429)
  t.same(page.json(), { statusCode: 429, error: 'Too Many Requests', message: 'Rate limit exceeded, retry in 1 minute' }, 'non-ajax routes keep rate-limit own body')
})

t.test("@fastify/under-pressure's 503 on an ajax route becomes the envelope with Retry-After", async (t) => {
  const app = await buildApp(t)
  await app.register(underPressure, { healthCheck: async () => false, healthCheckInterval: 60_000, retryAfter: 7 })
  let runs = 0
  app.get('/busy', { config: { ajax: true } }, async () => { runs++; return 'ok' })
  app.get('/page', async () => 'page')
  const res = await app.inject('/busy')
  t.equal(res.statusCode, 503)
  t.equal(res.headers['content-type'], JSON_TYPE)
  t.equal(res.headers['retry-after'], '7')
  t.same(res.json(), { status: 'error', error: 'Service Unavailable' })
  t.equal(runs, 0)
  const page = await app.inject('/page')
  t.equal(page.statusCode, 503)
  t.same(page.json(), { statusCode: 503, code: 'FST_UNDER_PRESSURE', error: 'Service Unavailable', message: 'Service Unavailable' })
})
