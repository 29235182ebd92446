// Answers a handler builds wrongly, or that other layers word their own way, still leave as the
// documented JSON.
import sensible from '@fastify/sensible'
import t from 'tap'
import ajaxutils from '../index'
import { buildApp, expectAnswer, JSON_TYPE, logCapture } from './helpers'

const { JsonResponse } = ajaxutils
const INTERNAL = { status: 'error', error: 'Internal Server Error' }

t.test('a JsonResponse with a header HTTP does not allow is refused when it is made', async (t) => {
  t.throws(() => new JsonResponse({}, { headers: { 'x-value': 'line\r\nInjected: 1' } }), { code: 'FST_AJAX_HEADER', message: 'The answer\'s header "x-value" is not one HTTP allows' })
  t.throws(() => new JsonResponse({}, { headers: { 'bad name': 'x' } }), { code: 'FST_AJAX_HEADER', message: 'The answer\'s header "bad name" is not one HTTP allows' })
  t.throws(() => new JsonResponse({}, { headers: 'x-a: 1' as never }), { code: 'FST_AJAX_HEADER', message: 'The answer\'s header list (a plain object is expected) is not one HTTP allows' })
})

t.test('a tuple or JsonResponse with a bad header, or a 1xx status, answers the 500 envelope and logs why', async (t) => {
  const logs = logCapture()
  const app = await buildApp(t, {}, { logger: { stream: logs.stream } })
  const schema = { response: { 200: { type: 'object', properties: { a: { type: 'integer' } } } } }
  app.get('/tuple-header', { config: { ajax: true } }, async () => [{ a: 1 }, 400, { 'x-v': 'line\r\nInjected: 1' }])
  app.get('/tuple-header-schema', { schema, config: { ajax: true } }, async () => [{ a: 1 }, 200, { 'x-v': 'line\nbreak' }])
  app.get('/tuple-continue', { config: { ajax: true } }, async () => [{ a: 1 }, 100])
  app.get('/response-early-hints', { config: { ajax: true } }, async () => new JsonResponse({ a: 1 }, { status: 103 }))
  app.get('/header-then-throw', { config: { ajax: true } }, async (_request, reply) => {
    reply.header('x-bad', 'a\nb')
    reply.header('x-good', 'kept')
    throw new Error('secret')
  })

  const expected: Array<[string, string]> = [
    ['/tuple-header', 'FST_AJAX_HEADER'],
    ['/tuple-header-schema', 'FST_AJAX_HEADER'],
    ['/tuple-continue', 'FST_AJAX_INFORMATIONAL'],
    ['/response-early-hints', 'FST_AJAX_INFORMATIONAL']
  ]
  for (const [url, code] of expected) {
    const res = await app.inject(url)
    t.equal(res.statusCode, 500, url)
    t.equal(res.headers['content-type'], JSON_TYPE, url)
    t.equal(res.headers['x-v'], undefined, url)
    t.same(res.json(), INTERNAL, url)
    t.ok(logs.entries.some((entry) => entry.level === 50 && entry.err?.code === code), `${url} logged ${code}`)
  }
  const thrown = await app.inject('/header-then-throw')
  t.equal(thrown.statusCode, 500)
  t.equal(thrown.headers['content-type'], JSON_TYPE)
  t.equal(thrown.headers['x-bad'], undefined)
  t.equal(thrown.headers['x-good'], 'kept')
  t.same(thrown.json(), INTERNAL)
})

t.test('every 401 carries the WWW-Authenticate challenge, a tuple\'s too', async (t) => {
  const app = await buildApp(t, { wwwAuthenticate: 'Bearer realm="app"' })
  app.get('/tuple', { config: { ajax: true } }, async () => [{ login: '/login' }, 401])
  app.get('/teapot', { config: { ajax: true } }, async () => [{ short: 'and stout' }, 418])
  const tuple = await app.inject('/tuple')
  t.equal(tuple.statusCode, 401)
  t.equal(tuple.headers['www-authenticate'], 'Bearer realm="app"')
  t.same(tuple.json(), { login: '/login' })
  const teapot = await app.inject('/teapot')
  t.equal(teapot.headers['www-authenticate'], undefined)
})

t.test('on a route with a response schema, a [data, 4xx] tuple is written with the route\'s schema, not wrapped', async (t) => {
  const app = await buildApp(t)
  const schema = { response: { '4xx': { type: 'object', properties: { msg: { type: 'string' } } } } }
  app.get('/refused', { schema, config: { ajax: true } }, async () => [{ msg: 'bad', secret: 'stripped by the schema' }, 400])
  app.get('/sent', { schema, config: { ajax: true } }, async (_request, reply) => reply.code(422).send({ msg: 'wrapped', secret: 'stripped' }))
  const refused = await app.inject('/refused')
  t.equal(refused.statusCode, 400)
  t.equal(refused.headers['content-type'], JSON_TYPE)
  t.same(refused.json(), { msg: 'bad' })
  const sent = await app.inject('/sent')
  t.equal(sent.statusCode, 422)
  t.same(sent.json(), { status: 'error', error: { msg: 'wrapped' } })
})

t.test('a response schema given per content type strips what reply.code(4xx).send() puts inside the envelope', async (t) => {
  const app = await buildApp(t)
  const message = { type: 'object', properties: { msg: { type: 'string' } } }
  const schema = { response: { 400: { content: { 'application/json': { schema: message } } }, default: { content: { 'application/json': { schema: message } } } } }
  app.get('/bad', { schema, config: { ajax: true } }, async (_request, reply) => reply.code(400).send({ msg: 'm', secret: 's' }))
  app.get('/conflict', { schema, config: { ajax: true } }, async (_request, reply) => reply.code(409).send({ msg: 'c', secret: 's' }))
  await expectAnswer(t, app, '/bad', { status: 400, body: '{"status":"error","error":{"msg":"m"}}' })
  await expectAnswer(t, app, '/conflict', { status: 409, body: '{"status":"error","error":{"msg":"c"}}' })
})

t.test('an error whose message is only its reason phrase answers the seed\'s words', async (t) => {
  const app = await buildApp(t)
  await app.register(sensible)
  app.get('/sensible', { config: { ajax: true } }, async () => { throw app.httpErrors.notFound() })
  app.get('/reply-helper', { config: { ajax: true } }, async (_request, reply) => reply.notFound())
  app.get('/method', { config: { ajax: true } }, async () => { throw app.httpErrors.methodNotAllowed() })
  app.get('/teapot', { config: { ajax: true } }, async () => { throw app.httpErrors.imateapot() })
  const expected: Array<[string, number, string]> = [
    ['/sensible', 404, 'Not found'],
    ['/reply-helper', 404, 'Not found'],
    ['/method', 405, 'Method not allowed'],
    ['/teapot', 418, "I'm a Teapot"]
  ]
  for (const [url, status, error] of expected) {
    const res = await app.inject(url)
    t.equal(res.statusCode, status, url)
    t.same(res.json(), { status: 'error', error }, url)
  }
})

t.test('a json.stringify option that returns anything but text answers the 500 envelope', async (t) => {
  const logs = logCapture()
  const app = await buildApp(t, { json: { stringify: () => undefined as unknown as string } }, { logger: { stream: logs.stream } })
  app.get('/data', { config: { ajax: true } }, async () => ({ a: 1 }))
  const res = await app.inject('/data')
  t.equal(res.statusCode, 500)
  t.equal(res.headers['content-type'], JSON_TYPE)
  t.same(res.json(), INTERNAL)
  t.ok(logs.entries.some((entry) => entry.err?.code === 'FST_AJAX_JSON_WRITER' && entry.err.message === 'Plugin option json.stringify must return a string, it returned undefined'))

  const nulls = await buildApp(t, { json: { stringify: () => null as unknown as string } })
  nulls.get('/data', { config: { ajax: true } }, async () => ({ a: 1 }))
  t.same((await nulls.inject('/data')).json(), INTERNAL)
})
