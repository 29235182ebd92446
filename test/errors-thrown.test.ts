import sensible from '@fastify/sensible'
import Fastify, { type FastifyServerOptions, type InjectOptions } from 'fastify'
import t, { type Test } from 'tap'
import ajaxutils from '../index'
import { buildApp, JSON_TYPE } from './helpers'

// Thrown errors and error answers, one test per row of the errors table, plus the 5xx logging, `debug` and `requestId` rules.

interface LogLine {
  level: number
  msg: string
  reqId?: string
  err?: { type: string, message: string, stack: string }
}

/** A pino destination that keeps every line, parsed. */
function logCollector () {
  const lines: LogLine[] = []
  const stream = { write (line: string) { lines.push(JSON.parse(line) as LogLine) } }
  return { lines, stream }
}

/** An app whose log is collected and whose request ids are predictable. */
async function buildLoggedApp (t: Test, options: ajaxutils.AjaxutilsOptions = {}, server: FastifyServerOptions = {}) {
  const { lines, stream } = logCollector()
  let next = 0
  const app = await buildApp(t, options, { logger: { stream, level: 'info' }, genReqId: () => `rid-${++next}`, ...server })
  return { app, lines }
}

function errorLines (lines: LogLine[], reqId: string): LogLine[] {
  return lines.filter((line) => line.level === 50 && line.reqId === reqId)
}

t.test('an anonymous request to a login-required route gets 401 Unauthorized', async (t) => {
  const app = await buildApp(t)
  let ran = false
  app.post('/submit', { config: { ajax: { loginRequired: true } } }, async () => { ran = true; return 'done' })
  const res = await app.inject({ method: 'POST', url: '/submit', payload: { a: 1 } })
  t.equal(res.statusCode, 401)
  t.equal(res.headers['content-type'], JSON_TYPE)
  t.notOk(res.headers['www-authenticate'], 'no WWW-Authenticate unless configured')
  t.same(res.json(), { status: 'error', error: 'Unauthorized' })
  t.equal(ran, false)
})

t.test('a 401 carries the configured WWW-Authenticate header', async (t) => {
  const app = await buildApp(t, { wwwAuthenticate: 'Bearer realm="api"' })
  app.get('/me', { config: { ajax: { loginRequired: true } } }, async () => 'me')
  const res = await app.inject('/me')
  t.equal(res.statusCode, 401)
  t.equal(res.headers['content-type'], JSON_TYPE)
  t.equal(res.headers['www-authenticate'], 'Bearer realm="api"')
  t.same(res.json(), { status: 'error', error: 'Unauthorized' })
})

t.test('WWW-Authenticate is only added to 401, not to other errors', async (t) => {
  const app = await buildApp(t, { wwwAuthenticate: 'Bearer realm="api"' })
  app.get('/boom', { config: { ajax: true } }, async () => { throw new Error('x') })
  const res = await app.inject('/boom')
  t.equal(res.statusCode, 500)
  t.notOk(res.headers['www-authenticate'])
})

t.test('a strategy failing with statusCode 403 gets 403 Forbidden without its message', async (t) => {
  const app = await buildApp(t, {
    authenticate: (_request, _reply, done) => done(Object.assign(new Error('token of bob@example.com lacks scope admin'), { statusCode: 403 }))
  })
  app.get('/admin', { config: { ajax: { loginRequired: true } } }, async () => 'secret')
  const res = await app.inject('/admin')
  t.equal(res.statusCode, 403)
  t.equal(res.headers['content-type'], JSON_TYPE)
  t.same(res.json(), { status: 'error', error: 'Forbidden' })
  t.notMatch(res.body, /bob@example/)
})

t.test('a method outside the route allowed set gets 405 with Allow (HEAD with GET)', async (t) => {
  const app = await buildApp(t)
  let ran = 0
  app.route({
    method: ['GET', 'POST', 'PUT', 'DELETE'],
    url: '/both',
    config: { ajax: { methods: ['get', 'POST'] } },
    handler: async () => { ran++; return 'ok' }
  })
  for (const method of ['PUT', 'DELETE'] as const) {
    const res = await app.inject({ method, url: '/both' })
    t.equal(res.statusCode, 405, method)
    t.equal(res.headers['content-type'], JSON_TYPE)
    t.equal(res.headers.allow, 'GET, HEAD, POST')
    t.same(res.json(), { status: 'error', error: 'Method not allowed' })
  }
  t.equal(ran, 0)
  const ok = await app.inject({ method: 'HEAD', url: '/both' })
  t.equal(ok.statusCode, 200)
  t.equal(ok.headers['content-type'], JSON_TYPE)
})

t.test('requirePOST refuses GET with 405 and Allow: POST', async (t) => {
  const app = await buildApp(t)
  app.route({ method: ['GET', 'POST'], url: '/p', config: { ajax: { requirePOST: true } }, handler: async () => 'ok' })
  const res = await app.inject('/p')
  t.equal(res.statusCode, 405)
  t.equal(res.headers['content-type'], JSON_TYPE)
  t.equal(res.headers.allow, 'POST')
  t.same(res.json(), { status: 'error', error: 'Method not allowed' })
})

t.test('throw new Http404() gets 404 Not found', async (t) => {
  const app = await buildApp(t)
  app.get('/thing', { config: { ajax: true } }, async () => { throw new ajaxutils.Http404() })
  const res = await app.inject('/thing')
  t.equal(res.statusCode, 404)
  t.equal(res.headers['content-type'], JSON_TYPE)
  t.same(res.json(), { status: 'error', error: 'Not found' })
})

t.test('an error with statusCode 404 and no message of its own gets 404 Not found', async (t) => {
  const app = await buildApp(t)
  app.get('/thing', { config: { ajax: true } }, async () => { throw Object.assign(new Error(), { statusCode: 404 }) })
  const res = await app.inject('/thing')
  t.equal(res.statusCode, 404)
  t.equal(res.headers['content-type'], JSON_TYPE)
  t.same(res.json(), { status: 'error', error: 'Not found' })
})

t.test('Http404 with a message of its own sends that message', async (t) => {
  const app = await buildApp(t)
  app.get('/thing', { config: { ajax: true } }, async () => { throw new ajaxutils.Http404('No such invoice') })
  const res = await app.inject('/thing')
  t.equal(res.statusCode, 404)
  t.same(res.json(), { status: 'error', error: 'No such invoice' })
})

t.test('JsonResponse with status >= 400 wraps its data as the error (string, object, array)', async (t) => {
  const app = await buildApp(t)
  const values: Record<string, unknown> = { string: 'Name is taken', object: { field: 'name', code: 'taken' }, array: ['a', 'b'] }
  app.get('/r/:kind', { config: { ajax: true } }, async (request) => {
    const { kind } = request.params as { kind: string }
    return new ajaxutils.JsonResponse(values[kind], { status: 409, headers: { 'x-reason': kind } })
  })
  for (const kind of Object.keys(values)) {
    const res = await app.inject(`/r/${kind}`)
    t.equal(res.statusCode, 409, kind)
    t.equal(res.headers['content-type'], JSON_TYPE)
    t.equal(res.headers['x-reason'], kind)
    t.same(res.json(), { status: 'error', error: values[kind] })
  }
})

t.test('reply.code(n).send(x) with n >= 400 wraps x as the error (string, object, array)', async (t) => {
  const app = await buildApp(t)
  const values: Record<string, unknown> = { string: 'Too late', object: { retry: false }, array: [1, 2, 3] }
  app.get('/r/:kind', { config: { ajax: true } }, async (request, reply) => {
    const { kind } = request.params as { kind: string }
    return reply.code(422).send(values[kind])
  })
  for (const kind of Object.keys(values)) {
    const res = await app.inject(`/r/${kind}`)
    t.equal(res.statusCode, 422, kind)
    t.equal(res.headers['content-type'], JSON_TYPE)
    t.same(res.json(), { status: 'error', error: values[kind] })
  }
})

t.test('a thrown @fastify/sensible 4xx sends its status and message', async (t) => {
  const app = await buildApp(t)
  await app.register(sensible)
  app.get('/teapot', { config: { ajax: true } }, async () => { throw app.httpErrors.imateapot('Only tea here') })
  app.get('/conflict', { config: { ajax: true } }, async () => { throw app.httpErrors.conflict() })
  app.get('/unauthorized', { config: { ajax: true } }, async () => { throw app.httpErrors.unauthorized('Log in first') })
  app.get('/created', { config: { ajax: true } }, async () => { throw app.httpErrors.createError(400, 'id is required') })
  const cases = [
    ['/teapot', 418, 'Only tea here'],
    ['/conflict', 409, 'Conflict'],
    ['/unauthorized', 401, 'Log in first'],
    ['/created', 400, 'id is required']
  ] as const
  for (const [url, status, error] of cases) {
    const res = await app.inject(url)
    t.equal(res.statusCode, status, url)
    t.equal(res.headers['content-type'], JSON_TYPE)
    t.same(res.json(), { status: 'error', error })
  }
})

t.test('reply.notFound() of @fastify/sensible gives the 404 envelope with the seed\'s words', async (t) => {
  const app = await buildApp(t)
  await app.register(sensible)
  app.get('/gone', { config: { ajax: true } }, async (_request, reply) => reply.notFound())
  const res = await app.inject('/gone')
  t.equal(res.statusCode, 404)
  t.equal(res.headers['content-type'], JSON_TYPE)
  // http-errors' default message is only the reason phrase: no message of its own, so the seed's text answers.
  t.same(res.json(), { status: 'error', error: 'Not found' })
})

t.test('a thrown error with its own 4xx statusCode and headers keeps both', async (t) => {
  const app = await buildApp(t)
  app.get('/slow', { config: { ajax: true } }, async () => {
    throw Object.assign(new Error('Try again in a minute'), { statusCode: 429, headers: { 'retry-after': '60' } })
  })
  const res = await app.inject('/slow')
  t.equal(res.statusCode, 429)
  t.equal(res.headers['content-type'], JSON_TYPE)
  t.equal(res.headers['retry-after'], '60')
  t.same(res.json(), { status: 'error', error: 'Try again in a minute' })
})

t.test('a thrown 5xx (sensible serviceUnavailable) sends the reason phrase, logs the real message', async (t) => {
  const { app, lines } = await buildLoggedApp(t)
  await app.register(sensible)
  app.get('/db', { config: { ajax: true } }, async () => { throw app.httpErrors.serviceUnavailable('db down: pg://admin:hunter2@db') })
  const res = await app.inject('/db')
  t.equal(res.statusCode, 503)
  t.equal(res.headers['content-type'], JSON_TYPE)
  t.same(res.json(), { status: 'error', error: 'Service Unavailable' })
  t.notMatch(res.body, /hunter2/)
  const logged = errorLines(lines, 'rid-1')
  t.equal(logged.length, 1, 'one error line with the request id')
  t.equal(logged[0].err?.message, 'db down: pg://admin:hunter2@db')
  t.match(logged[0].err?.stack, /db down[\s\S]*errors-thrown\.test\.ts/)
})

t.test('every thrown 5xx status keeps its status and sends its reason phrase', async (t) => {
  const app = await buildApp(t)
  app.get('/s/:code', { config: { ajax: true } }, async (request) => {
    const code = Number((request.params as { code: string }).code)
    throw Object.assign(new Error(`secret-${code}`), { statusCode: code })
  })
  const cases = [[500, 'Internal Server Error'], [501, 'Not Implemented'], [502, 'Bad Gateway'], [503, 'Service Unavailable'],
    [504, 'Gateway Timeout'], [507, 'Insufficient Storage'], [511, 'Network Authentication Required']] as const
  for (const [code, phrase] of cases) {
    const res = await app.inject(`/s/${code}`)
    t.equal(res.statusCode, code)
    t.equal(res.headers['content-type'], JSON_TYPE)
    t.same(res.json(), { status: 'error', error: phrase })
  }
})

t.test('a 5xx status without a reason phrase (599) still answers a fixed text', async (t) => {
  const app = await buildApp(t)
  app.get('/odd', { config: { ajax: true } }, async () => { throw Object.assign(new Error('secret-599'), { statusCode: 599 }) })
  const res = await app.inject('/odd')
  t.equal(res.statusCode, 599)
  t.equal(res.headers['content-type'], JSON_TYPE)
  t.same(res.json(), { status: 'error', error: 'Error' })
})

t.test('any other thrown error gets 500 Internal Server Error, logged with message, stack and request id', async (t) => {
  const { app, lines } = await buildLoggedApp(t)
  app.get('/crash', { config: { ajax: true } }, async () => { throw new TypeError('cannot read secret-column of undefined') })
  const res = await app.inject('/crash')
  t.equal(res.statusCode, 500)
  t.equal(res.headers['content-type'], JSON_TYPE)
  t.same(res.json(), { status: 'error', error: 'Internal Server Error' })
  t.notMatch(res.body, /secret-column/)
  const logged = errorLines(lines, 'rid-1')
  t.equal(logged.length, 1)
  t.equal(logged[0].err?.type, 'TypeError')
  t.equal(logged[0].err?.message, 'cannot read secret-column of undefined')
  t.match(logged[0].err?.stack, /^TypeError: cannot read secret-column[\s\S]*errors-thrown\.test\.ts/)
})

t.test('a rejected promise gets 500 Internal Server Error', async (t) => {
  const app = await buildApp(t)
  app.get('/reject', { config: { ajax: true } }, () => Promise.reject(new Error('secret-reject')))
  const res = await app.inject('/reject')
  t.equal(res.statusCode, 500)
  t.equal(res.headers['content-type'], JSON_TYPE)
  t.same(res.json(), { status: 'error', error: 'Internal Server Error' })
})

t.test('a synchronous throw from a non-async handler gets 500 Internal Server Error', async (t) => {
  const app = await buildApp(t)
  app.get('/sync', { config: { ajax: true } }, () => { throw new Error('secret-sync') })
  const res = await app.inject('/sync')
  t.equal(res.statusCode, 500)
  t.equal(res.headers['content-type'], JSON_TYPE)
  t.same(res.json(), { status: 'error', error: 'Internal Server Error' })
})

t.test('a 4xx is logged at info level, not as an error', async (t) => {
  const { app, lines } = await buildLoggedApp(t)
  app.get('/bad', { config: { ajax: true } }, async () => { throw Object.assign(new Error('Bad id'), { statusCode: 400 }) })
  const res = await app.inject('/bad')
  t.equal(res.statusCode, 400)
  t.same(res.json(), { status: 'error', error: 'Bad id' })
  t.equal(errorLines(lines, 'rid-1').length, 0)
})

t.test('debug: true sends the real message and stack of a 500', async (t) => {
  const { app, lines } = await buildLoggedApp(t, { debug: true })
  app.get('/crash', { config: { ajax: true } }, async () => { throw new RangeError('secret-debug-range') })
  const res = await app.inject('/crash')
  t.equal(res.statusCode, 500)
  t.equal(res.headers['content-type'], JSON_TYPE)
  const body = res.json()
  t.same(Object.keys(body), ['status', 'error', 'debug'])
  t.equal(body.status, 'error')
  t.equal(body.error, 'Internal Server Error')
  t.same(Object.keys(body.debug), ['message', 'stack'])
  t.equal(body.debug.message, 'secret-debug-range')
  t.match(body.debug.stack, /^RangeError: secret-debug-range\n\s+at .*errors-thrown\.test\.ts/)
  t.equal(errorLines(lines, 'rid-1').length, 1, 'still logged')
})

t.test('debug: true sends the real message of a thrown 503 too', async (t) => {
  const app = await buildApp(t, { debug: true })
  await app.register(sensible)
  app.get('/db', { config: { ajax: true } }, async () => { throw app.httpErrors.serviceUnavailable('db down') })
  const res = await app.inject('/db')
  t.equal(res.statusCode, 503)
  const body = res.json()
  t.equal(body.error, 'Service Unavailable')
  t.equal(body.debug.message, 'db down')
  t.match(body.debug.stack, /db down/)
})

t.test('debug: true does not add debug to 4xx answers', async (t) => {
  const app = await buildApp(t, { debug: true })
  app.get('/bad', { config: { ajax: true } }, async () => { throw Object.assign(new Error('Bad id'), { statusCode: 400 }) })
  const res = await app.inject('/bad')
  t.equal(res.statusCode, 400)
  t.same(res.json(), { status: 'error', error: 'Bad id' })
})

t.test('debug: true with a thrown non-Error gives its text and no stack', async (t) => {
  const app = await buildApp(t, { debug: true })
  app.get('/str', { config: { ajax: true } }, async () => { throw 'secret-string' }) // eslint-disable-line no-throw-literal
  const res = await app.inject('/str')
  t.equal(res.statusCode, 500)
  t.same(res.json(), { status: 'error', error: 'Internal Server Error', debug: { message: 'secret-string' } })
})

t.test('without debug, a 500 body holds exactly status and error', async (t) => {
  const app = await buildApp(t, { debug: false })
  app.get('/crash', { config: { ajax: true } }, async () => { throw new Error('secret-nodebug') })
  const res = await app.inject('/crash')
  t.equal(res.body, '{"status":"error","error":"Internal Server Error"}')
})

t.test('requestId: true adds request.id to every error body', async (t) => {
  const app = await buildApp(t, { requestId: true, authenticate: (request, _reply, done) => done(request.headers['x-forbid'] === '1' ? Object.assign(new Error('no'), { statusCode: 403 }) : request.headers['x-user'] === undefined ? new Error('anon') : undefined) })
  const seen: string[] = []
  app.addHook('onRequest', async (request) => { seen.push(request.id) })
  app.route({ method: ['GET', 'PUT'], url: '/locked', config: { ajax: { loginRequired: true, methods: ['GET'] } }, handler: async () => 'ok' })
  app.get('/h404', { config: { ajax: true } }, async () => { throw new ajaxutils.Http404() })
  app.get('/j409', { config: { ajax: true } }, async () => new ajaxutils.JsonResponse({ taken: true }, { status: 409 }))
  app.get('/c418', { config: { ajax: true } }, async (_request, reply) => reply.code(418).send('teapot'))
  app.get('/t400', { config: { ajax: true } }, async () => { throw Object.assign(new Error('Bad id'), { statusCode: 400 }) })
  app.get('/t503', { config: { ajax: true } }, async () => { throw Object.assign(new Error('secret'), { statusCode: 503 }) })
  app.get('/t500', { config: { ajax: true } }, async () => { throw new Error('secret') })
  app.get('/ok', { config: { ajax: true } }, async () => ({ fine: true }))
  const cases: Array<[InjectOptions & { url: string }, number, Record<string, unknown>]> = [
    [{ url: '/locked' }, 401, { error: 'Unauthorized' }],
    [{ url: '/locked', headers: { 'x-forbid': '1' } }, 403, { error: 'Forbidden' }],
    [{ url: '/locked', method: 'PUT', headers: { 'x-user': 'u' } }, 405, { error: 'Method not allowed' }],
    [{ url: '/h404' }, 404, { error: 'Not found' }],
    [{ url: '/j409' }, 409, { error: { taken: true } }],
    [{ url: '/c418' }, 418, { error: 'teapot' }],
    [{ url: '/t400' }, 400, { error: 'Bad id' }],
    [{ url: '/t503' }, 503, { error: 'Service Unavailable' }],
    [{ url: '/t500' }, 500, { error: 'Internal Server Error' }]
  ]
  for (const [request, status, body] of cases) {
    const res = await app.inject(request)
    t.equal(res.statusCode, status, request.url)
    t.equal(res.headers['content-type'], JSON_TYPE)
    t.same(res.json(), { status: 'error', ...body, requestId: seen.at(-1) }, request.url)
  }
  const ok = await app.inject('/ok')
  t.same(ok.json(), { fine: true }, 'success bodies carry no requestId')
})

t.test('requestId follows a custom genReqId and requestIdHeader', async (t) => {
  let n = 0
  const app = await buildApp(t, { requestId: true }, { genReqId: () => `custom-${++n}`, requestIdHeader: 'x-request-id' })
  app.get('/crash', { config: { ajax: true } }, async () => { throw new Error('secret') })
  const first = await app.inject('/crash')
  t.same(first.json(), { status: 'error', error: 'Internal Server Error', requestId: 'custom-1' })
  const second = await app.inject({ url: '/crash', headers: { 'x-request-id': 'from-the-proxy "quoted"' } })
  t.same(second.json(), { status: 'error', error: 'Internal Server Error', requestId: 'from-the-proxy "quoted"' })
})

t.test('requestId and debug together put debug before requestId', async (t) => {
  const app = await buildApp(t, { requestId: true, debug: true }, { genReqId: () => 'one-id' })
  app.get('/crash', { config: { ajax: true } }, async () => { throw new Error('secret-both') })
  const res = await app.inject('/crash')
  const body = res.json()
  t.same(Object.keys(body), ['status', 'error', 'debug', 'requestId'])
  t.equal(body.requestId, 'one-id')
  t.equal(body.debug.message, 'secret-both')
})

t.test('the 5xx log line carries the request id from a custom genReqId', async (t) => {
  const { lines, stream } = logCollector()
  const app = Fastify({ logger: { stream }, genReqId: () => 'trace-abc' })
  t.teardown(() => app.close())
  await app.register(ajaxutils, { requestId: true })
  app.get('/crash', { config: { ajax: true } }, async () => { throw new Error('secret-trace') })
  const res = await app.inject('/crash')
  t.same(res.json(), { status: 'error', error: 'Internal Server Error', requestId: 'trace-abc' })
  const logged = errorLines(lines, 'trace-abc')
  t.equal(logged.length, 1)
  t.equal(logged[0].err?.message, 'secret-trace')
})

t.test('a thrown 401 or 403 sends the standard text unless the error says its message is safe (expose)', async (t) => {
  const app = await buildApp(t)
  app.get('/jwt-like', { config: { ajax: true } }, async () => { throw Object.assign(new Error('Authorization token expired for bob'), { statusCode: 401 }) })
  app.get('/forbidden', { config: { ajax: true } }, async () => { throw Object.assign(new Error('role admin missing in token'), { statusCode: 403 }) })
  app.get('/exposed', { config: { ajax: true } }, async () => { throw Object.assign(new Error('Your plan does not include exports'), { statusCode: 403, expose: true }) })
  const cases = [['/jwt-like', 401, 'Unauthorized'], ['/forbidden', 403, 'Forbidden'], ['/exposed', 403, 'Your plan does not include exports']] as const
  for (const [url, status, error] of cases) {
    const res = await app.inject(url)
    t.equal(res.statusCode, status, url)
    t.equal(res.headers['content-type'], JSON_TYPE)
    t.same(res.json(), { status: 'error', error })
  }
})

t.test('reply.code(n).send() without a value sends the reason phrase; other values are sent as given', async (t) => {
  const app = await buildApp(t)
  app.get('/empty', { config: { ajax: true } }, async (_request, reply) => reply.code(409).send())
  app.get('/number', { config: { ajax: true } }, async (_request, reply) => reply.code(400).send(42))
  app.get('/false', { config: { ajax: true } }, async (_request, reply) => reply.code(400).send(false))
  app.get('/five', { config: { ajax: true } }, async (_request, reply) => reply.code(503).send({ retry: 'at 5pm' }))
  app.get('/json503', { config: { ajax: true } }, async () => new ajaxutils.JsonResponse('Back at 5pm', { status: 503 }))
  const cases = [['/empty', 409, 'Conflict'], ['/number', 400, 42], ['/false', 400, false], ['/five', 503, { retry: 'at 5pm' }], ['/json503', 503, 'Back at 5pm']] as const
  for (const [url, status, error] of cases) {
    const res = await app.inject(url)
    t.equal(res.statusCode, status, url)
    t.equal(res.headers['content-type'], JSON_TYPE)
    t.same(res.json(), { status: 'error', error }, url)
  }
})

t.test('reply.send(error) and reply.callNotFound() inside an ajax route answer the envelope', async (t) => {
  const app = await buildApp(t)
  app.get('/send-error', { config: { ajax: true } }, async (_request, reply) => reply.send(new Error('secret-sent-error')))
  app.get('/send-http-error', { config: { ajax: true } }, async (_request, reply) => reply.send(Object.assign(new Error('Bad id'), { statusCode: 400 })))
  app.get('/not-found', { config: { ajax: true } }, async (_request, reply) => { reply.callNotFound(); return reply })
  const cases = [['/send-error', 500, 'Internal Server Error'], ['/send-http-error', 400, 'Bad id'], ['/not-found', 404, 'Not found']] as const
  for (const [url, status, error] of cases) {
    const res = await app.inject(url)
    t.equal(res.statusCode, status, url)
    t.equal(res.headers['content-type'], JSON_TYPE)
    t.same(res.json(), { status: 'error', error }, url)
  }
})
