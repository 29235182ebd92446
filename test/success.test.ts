// What an ajax route answers for each kind of handler result.
import { Readable } from 'node:stream'
import t from 'tap'
import ajaxutils from '../index'
import { buildApp, expectAnswer, JSON_TYPE, logCapture } from './helpers'

const { JsonResponse } = ajaxutils

async function answer (t: Parameters<Parameters<typeof t.test>[1]>[0], handler: (request: never, reply: never) => unknown) {
  const app = await buildApp(t)
  app.get('/', { config: { ajax: true } }, handler as never)
  return app.inject('/')
}

t.test('returned values of every JSON kind answer 200 with that value', async (t) => {
  const cases: Array<[string, unknown]> = [
    ['object', { a: 1, nested: { b: [true, null] } }],
    ['array', [1, 'two', { three: 3 }]],
    ['string', 'hello'],
    ['empty string', ''],
    ['number', 42],
    ['zero', 0],
    ['boolean', false],
    ['null', null]
  ]
  for (const [kind, value] of cases) {
    const res = await answer(t, async () => value)
    t.equal(res.statusCode, 200, kind)
    t.equal(res.headers['content-type'], JSON_TYPE, kind)
    t.same(res.json(), value, kind)
  }
})

t.test('a synchronous handler, a callback-style handler and one that returns the reply all answer JSON', async (t) => {
  const app = await buildApp(t)
  app.get('/sync', { config: { ajax: true } }, () => ({ style: 'sync' }))
  app.get('/callback', { config: { ajax: true } }, (_request, reply) => {
    setImmediate(() => reply.send({ style: 'callback' }))
  })
  app.get('/returns-reply', { config: { ajax: true } }, async (_request, reply) => {
    reply.send({ style: 'reply' })
    return reply
  })
  app.get('/sync-returns-reply', { config: { ajax: true } }, (_request, reply) => reply.send('sent'))

  for (const [url, body] of [['/sync', { style: 'sync' }], ['/callback', { style: 'callback' }], ['/returns-reply', { style: 'reply' }], ['/sync-returns-reply', 'sent']] as const) {
    const res = await app.inject(url)
    t.equal(res.statusCode, 200, url)
    t.equal(res.headers['content-type'], JSON_TYPE, url)
    t.same(res.json(), body, url)
  }
})

t.test('an async handler that returns nothing answers JSON null; 204 stays empty', async (t) => {
  const app = await buildApp(t)
  app.get('/nothing', { config: { ajax: true } }, async () => undefined)
  app.get('/send-nothing', { config: { ajax: true } }, (_request, reply) => { reply.send() })
  app.get('/no-content', { config: { ajax: true } }, async (_request, reply) => reply.code(204).send())

  for (const url of ['/nothing', '/send-nothing']) {
    const res = await app.inject(url)
    t.equal(res.statusCode, 200, url)
    t.equal(res.headers['content-type'], JSON_TYPE, url)
    t.equal(res.body, 'null', url)
  }
  const empty = await app.inject('/no-content')
  t.equal(empty.statusCode, 204)
  t.equal(empty.headers['content-type'], undefined)
  t.equal(empty.body, '')
})

t.test('[data, status] answers data with that status, not wrapped even for an error status', async (t) => {
  for (const status of [201, 202, 418, 422, 500, 503]) {
    const res = await answer(t, async () => [{ id: 7 }, status])
    t.equal(res.statusCode, status)
    t.equal(res.headers['content-type'], JSON_TYPE)
    t.same(res.json(), { id: 7 })
  }
})

t.test('[data, status, headers] also sets the headers', async (t) => {
  const res = await answer(t, async () => [{ id: 7 }, 201, { location: '/items/7', 'x-total': 1 }])
  t.equal(res.statusCode, 201)
  t.equal(res.headers['content-type'], JSON_TYPE)
  t.equal(res.headers.location, '/items/7')
  t.equal(res.headers['x-total'], '1')
  t.same(res.json(), { id: 7 })

  const failed = await answer(t, async () => ['nope', 409, { 'x-reason': 'conflict' }])
  t.equal(failed.statusCode, 409)
  t.equal(failed.headers['x-reason'], 'conflict')
  t.same(failed.json(), 'nope')
})

t.test('a tuple status overrides an earlier reply.code()', async (t) => {
  const res = await answer(t, async (_request: never, reply: { code (n: number): void }) => {
    reply.code(202)
    return [{ ok: true }, 201]
  })
  t.equal(res.statusCode, 201)
  t.same(res.json(), { ok: true })
})

t.test('arrays that do not fit the tuple rule are data', async (t) => {
  const cases: unknown[][] = [
    [1, 2, 3, 4],
    ['a'],
    [],
    [{ id: 1 }, 600],
    [{ id: 1 }, 99],
    [{ id: 1 }, 200.5],
    [{ id: 1 }, '200'],
    [{ id: 1 }, 200, 'x-header'],
    [{ id: 1 }, 200, null],
    [{ id: 1 }, 200, ['x']],
    [{ id: 1 }, 200, new Date(0)]
  ]
  for (const value of cases) {
    const res = await answer(t, async () => value)
    t.equal(res.statusCode, 200, JSON.stringify(value))
    t.equal(res.headers['content-type'], JSON_TYPE)
    t.same(res.json(), JSON.parse(JSON.stringify(value)))
  }
})

t.test('a 2-item array of tuple shape is sent as data by wrapping it', async (t) => {
  const wrapped = await answer(t, async () => [[1, 200], 200])
  t.equal(wrapped.statusCode, 200)
  t.same(wrapped.json(), [1, 200])

  const response = await answer(t, async () => new JsonResponse([1, 200]))
  t.equal(response.statusCode, 200)
  t.same(response.json(), [1, 200])
})

t.test('JsonResponse below 400 answers its data with its status and headers', async (t) => {
  const res = await answer(t, async () => new JsonResponse({ id: 3 }, { status: 201, headers: { 'x-id': '3' } }))
  t.equal(res.statusCode, 201)
  t.equal(res.headers['content-type'], JSON_TYPE)
  t.equal(res.headers['x-id'], '3')
  t.same(res.json(), { id: 3 })

  const text = await answer(t, async () => new JsonResponse('created'))
  t.equal(text.statusCode, 200)
  t.same(text.json(), 'created')
})

t.test('JsonResponse without a status keeps the status set with reply.code()', async (t) => {
  const res = await answer(t, async (_request: never, reply: { code (n: number): void }) => {
    reply.code(202)
    return new JsonResponse({ queued: true })
  })
  t.equal(res.statusCode, 202)
  t.same(res.json(), { queued: true })
})

t.test('JsonResponse of 400 or more wraps its data, whatever its kind, in the envelope', async (t) => {
  const cases: Array<[unknown, unknown]> = [
    ['Quota exceeded', 'Quota exceeded'],
    [{ field: 'email', problem: 'taken' }, { field: 'email', problem: 'taken' }],
    [['a', 'b'], ['a', 'b']],
    [null, null],
    [undefined, 'Conflict']
  ]
  for (const [data, error] of cases) {
    const res = await answer(t, async () => new JsonResponse(data, { status: 409, headers: { 'x-why': 'dup' } }))
    t.equal(res.statusCode, 409)
    t.equal(res.headers['content-type'], JSON_TYPE)
    t.equal(res.headers['x-why'], 'dup')
    t.same(res.json(), { status: 'error', error })
  }
})

t.test('reply.code(n).send(x) is like JsonResponse(x, { status: n })', async (t) => {
  const app = await buildApp(t)
  app.get('/created', { config: { ajax: true } }, async (_request, reply) => reply.code(201).send({ id: 1 }))
  app.get('/text', { config: { ajax: true } }, async (_request, reply) => reply.code(202).send('accepted'))
  app.get('/object', { config: { ajax: true } }, async (_request, reply) => reply.code(422).send({ field: 'name' }))
  app.get('/array', { config: { ajax: true } }, async (_request, reply) => reply.code(400).send(['a', 'b']))
  app.get('/server', { config: { ajax: true } }, async (_request, reply) => reply.code(503).send('down for maintenance'))
  app.get('/empty', { config: { ajax: true } }, async (_request, reply) => reply.code(410).send())
  app.get('/json-text', { config: { ajax: true } }, async (_request, reply) => reply.code(400).type('application/json').send('{"pre":"serialized"}'))

  const expected: Array<[string, number, unknown]> = [
    ['/created', 201, { id: 1 }],
    ['/text', 202, 'accepted'],
    ['/object', 422, { status: 'error', error: { field: 'name' } }],
    ['/array', 400, { status: 'error', error: ['a', 'b'] }],
    ['/server', 503, { status: 'error', error: 'down for maintenance' }],
    ['/empty', 410, { status: 'error', error: 'Gone' }],
    ['/json-text', 400, { status: 'error', error: { pre: 'serialized' } }]
  ]
  for (const [url, status, body] of expected) {
    const res = await app.inject(url)
    t.equal(res.statusCode, status, url)
    t.equal(res.headers['content-type'], JSON_TYPE, url)
    t.same(res.json(), body, url)
  }
})

t.test('text typed as JSON that does not read as JSON is the error as a string: the envelope stays JSON', async (t) => {
  const app = await buildApp(t)
  app.get('/empty', { config: { ajax: true } }, async (_request, reply) => reply.code(400).type('application/json').send(''))
  app.get('/words', { config: { ajax: true } }, async (_request, reply) => reply.code(422).type('application/json').send('name missing'))
  app.get('/cut', { config: { ajax: true } }, async (_request, reply) => reply.code(400).type('application/problem+json').send('{"field":'))
  await expectAnswer(t, app, '/empty', { status: 400, body: '{"status":"error","error":""}' })
  await expectAnswer(t, app, '/words', { status: 422, body: '{"status":"error","error":"name missing"}' })
  await expectAnswer(t, app, '/cut', { status: 400, body: '{"status":"error","error":"{\\"field\\":"}' })
})

t.test('a string sent with a JSON content type of its own is passed through as JSON', async (t) => {
  const app = await buildApp(t)
  app.get('/cached', { config: { ajax: true } }, async (_request, reply) => reply.type('application/json').send('{"cached":true}'))
  app.get('/hal', { config: { ajax: true } }, async (_request, reply) => reply.type('application/hal+json').send({ _links: {} }))

  const cached = await app.inject('/cached')
  t.equal(cached.statusCode, 200)
  t.equal(cached.headers['content-type'], JSON_TYPE)
  t.same(cached.json(), { cached: true })

  const hal = await app.inject('/hal')
  t.equal(hal.statusCode, 200)
  t.equal(hal.headers['content-type'], 'application/hal+json; charset=utf-8')
  t.same(hal.json(), { _links: {} })
})

t.test('a plain string sent with another content type is still answered as a JSON string', async (t) => {
  const res = await answer(t, async (_request: never, reply: { type (v: string): { send (x: string): unknown } }) => reply.type('text/html').send('<p>hi</p>'))
  t.equal(res.statusCode, 200)
  t.equal(res.headers['content-type'], JSON_TYPE)
  t.same(res.json(), '<p>hi</p>')
})

t.test('Buffers are final bytes and leave as they are', async (t) => {
  const res = await answer(t, async (_request: never, reply: { type (v: string): { send (x: Buffer): unknown } }) => reply.type('application/octet-stream').send(Buffer.from([1, 2, 3])))
  t.equal(res.statusCode, 200)
  t.equal(res.headers['content-type'], 'application/octet-stream')
  t.same([...res.rawPayload], [1, 2, 3])
})

t.test('Dates answer as ISO 8601 and BigInts as decimal strings', async (t) => {
  const res = await answer(t, async () => ({ at: new Date(Date.UTC(2012, 7, 21, 10, 30)), big: 12345678901234567890n, list: [1n] }))
  t.equal(res.statusCode, 200)
  t.same(res.json(), { at: '2012-08-21T10:30:00.000Z', big: '12345678901234567890', list: ['1'] })
})

t.test('data JSON cannot hold answers a 500 envelope and logs why, without crashing', async (t) => {
  const logs = logCapture()
  const app = await buildApp(t, {}, { logger: { stream: logs.stream } })
  const circular: Record<string, unknown> = {}
  circular.self = circular
  app.get('/function', { config: { ajax: true } }, async () => ({ callback () {} }))
  app.get('/circular', { config: { ajax: true } }, async () => circular)
  app.get('/map', { config: { ajax: true } }, async () => ({ map: new Map([[1, 2]]) }))
  app.get('/sent-directly', { config: { ajax: true } }, async (_request, reply) => reply.send({ set: new Set([1]) }))

  const expected: Array<[string, RegExp]> = [
    ['/function', /^Cannot write a value of type function as JSON$/],
    ['/circular', /^Cannot write circular data as JSON: a value of type Object contains itself$/],
    ['/map', /^Cannot write a value of type Map as JSON$/],
    ['/sent-directly', /^Cannot write a value of type Set as JSON$/]
  ]
  for (const [url, message] of expected) {
    const res = await app.inject(url)
    t.equal(res.statusCode, 500, url)
    t.equal(res.headers['content-type'], JSON_TYPE, url)
    t.same(res.json(), { status: 'error', error: 'Internal Server Error' }, url)
    const entry = logs.entries.find((line) => line.level === 50 && line.req === undefined && message.test(line.err?.message))
    t.ok(entry, `${url} logged the real error`)
    t.match(entry, { reqId: /^req-/, err: { type: /Error$/, stack: /at / } })
  }
  const after = await app.inject('/function')
  t.equal(after.statusCode, 500, 'the server still answers')
})

t.test('a status HTTP does not have is a 500 envelope and a log line, not a crash', async (t) => {
  const logs = logCapture()
  const app = await buildApp(t, {}, { logger: { stream: logs.stream } })
  app.get('/response', { config: { ajax: true } }, async () => new JsonResponse({}, { status: 600 }))
  app.get('/code', { config: { ajax: true } }, async (_request, reply) => reply.code(999).send({}))

  for (const [url, code] of [['/response', 'FST_AJAX_STATUS'], ['/code', 'FST_ERR_BAD_STATUS_CODE']]) {
    const res = await app.inject(url)
    t.equal(res.statusCode, 500, url)
    t.equal(res.headers['content-type'], JSON_TYPE, url)
    t.same(res.json(), { status: 'error', error: 'Internal Server Error' }, url)
    const entry = logs.entries.find((line) => line.err?.code === code)
    t.match(entry, { level: 50, reqId: /^req-/, msg: 'fastify-ajaxutils: ajax route failed' }, `${url} logged ${code}`)
  }
})

t.test('a route with a response schema keeps Fastify\'s compiled serializer', async (t) => {
  const app = await buildApp(t)
  const schema = {
    response: {
      200: { type: 'object', properties: { id: { type: 'integer' }, name: { type: 'string' } } },
      201: { type: 'object', properties: { id: { type: 'integer' } } }
    }
  }
  app.get('/user', { schema, config: { ajax: true } }, async () => ({ id: 1, name: 'ada', password: 'hidden by the schema' }))
  app.get('/created', { schema, config: { ajax: true } }, async () => [{ id: 2, extra: 'dropped' }, 201])
  app.get('/text', { schema, config: { ajax: true } }, async () => 'plain')
  app.get('/refused', { schema, config: { ajax: true } }, async (_request, reply) => reply.code(400).send('bad input'))

  const user = await app.inject('/user')
  t.equal(user.statusCode, 200)
  t.equal(user.headers['content-type'], JSON_TYPE)
  t.same(user.json(), { id: 1, name: 'ada' })

  const created = await app.inject('/created')
  t.equal(created.statusCode, 201)
  t.same(created.json(), { id: 2 })

  const text = await app.inject('/text')
  t.equal(text.statusCode, 200)
  t.same(text.json(), 'plain')

  const refused = await app.inject('/refused')
  t.equal(refused.statusCode, 400)
  t.same(refused.json(), { status: 'error', error: 'bad input' })
})

t.test('a redirect on an ajax route answers the 401 envelope, without location', async (t) => {
  const app = await buildApp(t)
  app.get('/redirect', { config: { ajax: true } }, async (_request, reply) => reply.redirect('/login'))
  app.get('/moved', { config: { ajax: true } }, async (_request, reply) => reply.code(301).header('location', '/new').send('moved'))
  app.get('/not-modified', { config: { ajax: true } }, async (_request, reply) => reply.code(304).send())

  for (const url of ['/redirect', '/moved']) {
    const res = await app.inject(url)
    t.equal(res.statusCode, 401, url)
    t.equal(res.headers['content-type'], JSON_TYPE, url)
    t.equal(res.headers.location, undefined, url)
    t.same(res.json(), { status: 'error', error: 'Unauthorized' }, url)
  }
  const notModified = await app.inject('/not-modified')
  t.equal(notModified.statusCode, 304)
  t.equal(notModified.body, '')
})

t.test('a redirect with a Buffer or stream body is no redirect either; the stream is closed, not sent', async (t) => {
  const app = await buildApp(t)
  const stream = Readable.from(['<html>moved</html>'])
  let cancelled = false
  const webStream = new ReadableStream({ cancel () { cancelled = true } })
  app.get('/buffer', { config: { ajax: true } }, async (_request, reply) => reply.code(301).header('location', '/new').send(Buffer.from('<html>moved</html>')))
  app.get('/stream', { config: { ajax: true } }, async (_request, reply) => reply.code(302).header('location', '/new').send(stream))
  app.get('/web-stream', { config: { ajax: true } }, async (_request, reply) => reply.code(307).header('location', '/new').send(webStream))
  // A fetch Response carries its status and location itself; Fastify copies them after onSend.
  let responseCancelled = false
  const responseBody = new ReadableStream({ cancel () { responseCancelled = true } })
  app.get('/response', { config: { ajax: true } }, async (_request, reply) => reply.send(new Response(responseBody, { status: 302, headers: { location: '/new' } })))
  app.get('/response-moved', { config: { ajax: true } }, async () => new Response(null, { status: 301, headers: { location: '/new' } }))
  for (const url of ['/buffer', '/stream', '/web-stream', '/response', '/response-moved']) {
    await expectAnswer(t, app, url, { status: 401, body: '{"status":"error","error":"Unauthorized"}', headers: { location: undefined } })
  }
  t.equal(stream.destroyed, true)
  t.equal(cancelled, true)
  t.equal(responseCancelled, true)
})

t.test('a fetch Response that is no redirect is sent as it is', async (t) => {
  const app = await buildApp(t)
  app.get('/page', { config: { ajax: true } }, async () => new Response('<p>hi</p>', { status: 200, headers: { 'content-type': 'text/html' } }))
  app.get('/not-modified', { config: { ajax: true } }, async () => new Response(null, { status: 304 }))
  app.get('/choices', { config: { ajax: true } }, async () => new Response('["a","b"]', { status: 300, headers: { 'content-type': 'application/json' } }))
  await expectAnswer(t, app, '/page', { status: 200, type: 'text/html', body: '<p>hi</p>' })
  await expectAnswer(t, app, '/choices', { status: 300, type: 'application/json', body: '["a","b"]' })
  const notModified = await app.inject('/not-modified')
  t.equal(notModified.statusCode, 304)
  t.equal(notModified.body, '')
})

t.test('a 3xx without a location is an answer like a 2xx: JSON, and 304 stays empty', async (t) => {
  const app = await buildApp(t)
  app.get('/choices', { config: { ajax: true } }, async (_request, reply) => reply.code(300).send('pick one'))
  app.get('/choices-returned', { config: { ajax: true } }, async (_request, reply) => { reply.code(300); return 'pick one' })
  app.get('/choices-tuple', { config: { ajax: true } }, async () => ['pick one', 300])
  app.get('/empty', { config: { ajax: true } }, async (_request, reply) => reply.code(302).send())
  app.get('/not-modified', { config: { ajax: true } }, async (_request, reply) => reply.code(304).send('stale'))
  for (const url of ['/choices', '/choices-returned', '/choices-tuple']) await expectAnswer(t, app, url, { status: 300, body: '"pick one"' })
  await expectAnswer(t, app, '/empty', { status: 302, body: 'null' })
  const notModified = await app.inject('/not-modified')
  t.equal(notModified.statusCode, 304)
  t.equal(notModified.body, '')
})

t.test('reply.callNotFound() on an ajax route answers the 404 envelope', async (t) => {
  const app = await buildApp(t)
  app.get('/lookup', { config: { ajax: true } }, (_request, reply) => { reply.callNotFound() })
  const res = await app.inject('/lookup')
  t.equal(res.statusCode, 404)
  t.equal(res.headers['content-type'], JSON_TYPE)
  t.same(res.json(), { status: 'error', error: 'Not found' })
})

t.test('on a route with a response schema, tuples and synchronous returns work the same', async (t) => {
  const app = await buildApp(t)
  const schema = { response: { '2xx': { type: 'object', properties: { id: { type: 'integer' } } } } }
  app.get('/sync', { schema, config: { ajax: true } }, () => ({ id: 1, extra: 'dropped' }))
  app.get('/teapot', { schema, config: { ajax: true } }, async () => [{ id: 2, extra: 'kept: not wrapped, not reshaped' }, 418])
  app.get('/conflict', { schema, config: { ajax: true } }, async () => new JsonResponse({ field: 'name' }, { status: 409 }))
  app.get('/nothing', { schema, config: { ajax: true } }, async () => undefined)

  const sync = await app.inject('/sync')
  t.equal(sync.statusCode, 200)
  t.equal(sync.headers['content-type'], JSON_TYPE)
  t.same(sync.json(), { id: 1 })

  const teapot = await app.inject('/teapot')
  t.equal(teapot.statusCode, 418)
  t.equal(teapot.headers['content-type'], JSON_TYPE)
  t.same(teapot.json(), { id: 2, extra: 'kept: not wrapped, not reshaped' })

  const conflict = await app.inject('/conflict')
  t.equal(conflict.statusCode, 409)
  t.same(conflict.json(), { status: 'error', error: { field: 'name' } })

  const nothing = await app.inject('/nothing')
  t.equal(nothing.statusCode, 200)
  t.equal(nothing.body, 'null')
})

t.test('reply.callNotFound() in a hook of an ajax route, before its handler runs, answers the 404 envelope too', async (t) => {
  const app = await buildApp(t)
  const lookUp = (_request: unknown, reply: { callNotFound: () => void }, _done: unknown) => { reply.callNotFound() }
  app.get('/hooked', { config: { ajax: true }, preHandler: lookUp }, async () => 'never')
  app.get('/hooked-schema', { config: { ajax: true }, preHandler: lookUp, schema: { response: { 200: { type: 'string' } } } }, async () => 'never')
  await expectAnswer(t, app, '/hooked', { status: 404, body: '{"status":"error","error":"Not found"}' })
  await expectAnswer(t, app, '/hooked-schema', { status: 404, body: '{"status":"error","error":"Not found"}' })
})

t.test('a hook that answers before the handler is read as the handler\'s answer; its error status becomes the envelope', async (t) => {
  const app = await buildApp(t)
  app.get('/cached', {
    config: { ajax: true },
    preHandler: (_request, reply, done) => { reply.send([{ cached: true }, 201]) }
  }, async () => 'never')
  app.get('/limited', {
    config: { ajax: true },
    onRequest: (_request, reply, done) => { reply.code(429).header('retry-after', '60').send({ limit: 10 }) }
  }, async () => 'never')
  app.get('/after', {
    config: { ajax: true },
    preHandler: (_request, _reply, done) => { done() }
  }, async () => [{ fresh: true }, 201])
  // The plugin's serializer is set in the route's first hook: a hook's answer is read as the handler's.
  await expectAnswer(t, app, '/cached', { status: 201, body: '{"cached":true}' })
  await expectAnswer(t, app, '/limited', { status: 429, headers: { 'retry-after': '60' }, body: '{"status":"error","error":{"limit":10}}' })
  await expectAnswer(t, app, '/after', { status: 201, body: '{"fresh":true}' })
})

t.test('a Buffer as the data of a JsonResponse is final bytes too', async (t) => {
  const app = await buildApp(t)
  app.get('/bytes', { config: { ajax: true } }, async () => new JsonResponse(Buffer.from('{"raw":true}'), { headers: { 'content-type': 'application/json' } }))
  const res = await app.inject('/bytes')
  t.equal(res.statusCode, 200)
  t.equal(res.headers['content-type'], 'application/json')
  t.same(res.json(), { raw: true })
})

t.test('JsonResponse without data answers JSON null', async (t) => {
  const res = await answer(t, async () => new JsonResponse(undefined, { status: 202 }))
  t.equal(res.statusCode, 202)
  t.equal(res.headers['content-type'], JSON_TYPE)
  t.equal(res.body, 'null')
})

t.test('on a route with a response schema, callback-style handlers, returning the reply and callNotFound work', async (t) => {
  const app = await buildApp(t)
  const schema = { response: { 200: { type: 'object', properties: { style: { type: 'string' } } } } }
  app.get('/callback', { schema, config: { ajax: true } }, (_request, reply) => {
    setImmediate(() => reply.send({ style: 'callback', extra: 1 }))
  })
  app.get('/reply', { schema, config: { ajax: true } }, (_request, reply) => reply.send({ style: 'reply' }))
  app.get('/lookup', { schema, config: { ajax: true } }, (_request, reply) => { reply.callNotFound() })

  const callback = await app.inject('/callback')
  t.equal(callback.statusCode, 200)
  t.same(callback.json(), { style: 'callback' })

  const replied = await app.inject('/reply')
  t.equal(replied.statusCode, 200)
  t.same(replied.json(), { style: 'reply' })

  const lookup = await app.inject('/lookup')
  t.equal(lookup.statusCode, 404)
  t.equal(lookup.headers['content-type'], JSON_TYPE)
  t.same(lookup.json(), { status: 'error', error: 'Not found' })
})

t.test('a response schema per content type writes the answer the reply is typed as, or */*, as Fastify picks it', async (t) => {
  const app = await buildApp(t)
  const named = { type: 'object', properties: { name: { type: 'string' } } }
  const counted = { type: 'object', properties: { count: { type: 'integer' } } }
  const schema = {
    response: {
      200: { content: { 'application/json': { schema: named }, 'application/hal+json': { schema: counted } } },
      201: { content: { '*/*': { schema: counted } } },
      202: { content: { 'application/xml': { schema: named } } }
    }
  }
  const data = { name: 'ada', count: 3, secret: 'x' }
  app.get('/json', { schema, config: { ajax: true } }, async () => data)
  app.get('/hal', { schema, config: { ajax: true } }, async (_request, reply) => reply.type('Application/HAL+JSON; charset=utf-8').send(data))
  app.get('/any', { schema, config: { ajax: true } }, async () => [data, 201])
  app.get('/unnamed', { schema, config: { ajax: true } }, async () => [data, 202])

  await expectAnswer(t, app, '/json', { status: 200, body: '{"name":"ada"}' })
  await expectAnswer(t, app, '/hal', { status: 200, type: 'Application/HAL+JSON; charset=utf-8', body: '{"count":3}' })
  await expectAnswer(t, app, '/any', { status: 201, body: '{"count":3}' })
  // No schema for the type it answers: written whole, as Fastify's JSON.stringify fallback does.
  await expectAnswer(t, app, '/unnamed', { status: 202, body: '{"name":"ada","count":3,"secret":"x"}' })
})

t.test('a response schema is picked for the status, then its class (2xx), then default', async (t) => {
  const app = await buildApp(t)
  const only = (key: string) => ({ type: 'object', properties: { [key]: { type: 'string' } } })
  const schema = { response: { 201: only('exact'), '2xx': only('range'), default: only('fallback') } }
  const data = { exact: 'e', range: 'r', fallback: 'f', when: new Date(Date.UTC(2020, 0, 2)) }
  app.get('/:status', { schema, config: { ajax: true } }, async (request) => [data, Number((request.params as { status: string }).status)])
  app.get('/none', { schema: { response: { 201: only('exact') } }, config: { ajax: true } }, async () => data)

  await expectAnswer(t, app, '/201', { status: 201, body: '{"exact":"e"}' })
  await expectAnswer(t, app, '/202', { status: 202, body: '{"range":"r"}' })
  await expectAnswer(t, app, '/418', { status: 418, body: '{"fallback":"f"}' })
  await expectAnswer(t, app, '/503', { status: 503, body: '{"fallback":"f"}' })
  // A status the schema does not cover is written by the plugin's writer (Dates as ISO 8601).
  await expectAnswer(t, app, '/none', { status: 200, body: '{"exact":"e","range":"r","fallback":"f","when":"2020-01-02T00:00:00.000Z"}' })
})

t.test('on a route with a response schema, tuples and JsonResponse sent with reply.send() are read too', async (t) => {
  const app = await buildApp(t)
  const schema = { response: { 201: { type: 'object', properties: { id: { type: 'integer' } } } } }
  app.get('/tuple', { schema, config: { ajax: true } }, (_request, reply) => {
    setImmediate(() => reply.send([{ id: 5, extra: 'dropped' }, 201, { location: '/items/5' }]))
  })
  app.get('/json-response', { schema, config: { ajax: true } }, (_request, reply) => {
    reply.send(new JsonResponse({ id: 6, extra: 'dropped' }, { status: 201 }))
  })

  await expectAnswer(t, app, '/tuple', { status: 201, headers: { location: '/items/5' }, body: '{"id":5}' })
  await expectAnswer(t, app, '/json-response', { status: 201, body: '{"id":6}' })
})

t.test('an app-wide setReplySerializer keeps serving non-ajax routes; ajax routes keep the plugin\'s writer', async (t) => {
  const app = await buildApp(t)
  app.setReplySerializer((payload) => `custom:${JSON.stringify(payload)}`)
  const schema = { response: { 200: { type: 'object', properties: { id: { type: 'integer' } } } } }
  app.get('/plain', async () => ({ id: 1 }))
  app.get('/ajax', { config: { ajax: true } }, async () => ({ id: 2, at: new Date(Date.UTC(2021, 1, 3)) }))
  app.get('/ajax-schema', { schema, config: { ajax: true } }, async () => ({ id: 3, extra: 'dropped' }))

  await expectAnswer(t, app, '/plain', { status: 200, body: 'custom:{"id":1}' })
  await expectAnswer(t, app, '/ajax', { status: 200, body: '{"id":2,"at":"2021-02-03T00:00:00.000Z"}' })
  await expectAnswer(t, app, '/ajax-schema', { status: 200, body: '{"id":3}' })
})
