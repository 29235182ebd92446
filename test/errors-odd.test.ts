import { Readable } from 'node:stream'
import Fastify, { type FastifyInstance } from 'fastify'
import t, { type Test } from 'tap'
import ajaxutils from '../index'
import { buildApp, expectAnswer, fastifyAtLeast, JSON_TYPE } from './helpers'

// Issue 6, item 2: odd things a handler can do. None of them may crash the process, hang a
// request, leak an internal message or answer anything but the documented JSON.

const INTERNAL = { status: 'error', error: 'Internal Server Error' }

// Fastify 5.8 brought handlerTimeout (route and server option) and request.signal. Older Fastify 5
// minors (5.0 in the compatibility run) take the option without a word and never time a handler
// out: the tests below pin that too, so that the 503 is known to be Fastify's and not the plugin's.
const HANDLER_TIMEOUT = fastifyAtLeast('5.8.0')

/** Resolves to 'no answer' when `request` is still unanswered after `ms`. */
function answerWithin<T> (request: Promise<T>, ms: number): Promise<T | 'no answer'> {
  let timer: NodeJS.Timeout | undefined
  const wait = new Promise<'no answer'>((resolve) => { timer = setTimeout(() => resolve('no answer'), ms) })
  return Promise.race([request, wait]).finally(() => clearTimeout(timer))
}

interface LogLine {
  level: number
  msg: string
  reqId?: string
  err?: { message?: string, stack?: string }
}

/** An app that logs into an array (warn and above), with the plugin at the root. */
async function buildLoggedApp (t: Test, options: ajaxutils.AjaxutilsOptions = {}) {
  const lines: LogLine[] = []
  const app = Fastify({ logger: { level: 'info', stream: { write: (line: string) => { lines.push(JSON.parse(line) as LogLine) } } } })
  t.teardown(() => app.close())
  await app.register(ajaxutils, options)
  return { app, lines }
}

async function stillAnswers (t: Test, app: FastifyInstance) {
  if (!app.hasRoute({ method: 'GET', url: '/alive' })) return
  const res = await app.inject('/alive')
  t.equal(res.statusCode, 200, 'the server still answers')
  t.same(res.json(), { alive: true })
}

const THROWN: Array<[string, () => unknown, string]> = [
  ["throwing 'a string'", () => { throw 'a string' }, 'a string'], // eslint-disable-line no-throw-literal
  ['throwing null', () => { throw null }, 'null'], // eslint-disable-line no-throw-literal
  ['throwing undefined', () => { throw undefined }, 'undefined'], // eslint-disable-line no-throw-literal
  ['throwing a plain object', () => { throw { code: 'E_SECRET', message: 'secret-plain-object' } }, 'secret-plain-object'], // eslint-disable-line no-throw-literal
  ['throwing a number', () => { throw 42 }, '42'], // eslint-disable-line no-throw-literal
  ['throwing a Symbol', () => { throw Symbol('secret-symbol') }, 'Symbol(secret-symbol)'],
  ['rejecting with nothing', () => Promise.reject(), 'undefined'], // eslint-disable-line prefer-promise-reject-errors
  ['rejecting with a string', () => Promise.reject('secret-rejected-string'), 'secret-rejected-string'], // eslint-disable-line prefer-promise-reject-errors
  ['an Error with statusCode 99', () => { throw Object.assign(new Error('secret-99'), { statusCode: 99 }) }, 'secret-99'],
  ['an Error with statusCode 200', () => { throw Object.assign(new Error('secret-200'), { statusCode: 200 }) }, 'secret-200'],
  ['an Error with statusCode 302', () => { throw Object.assign(new Error('secret-302'), { statusCode: 302 }) }, 'secret-302'],
  ['an Error with statusCode 600', () => { throw Object.assign(new Error('secret-600'), { statusCode: 600 }) }, 'secret-600'],
  ["an Error with statusCode '404'", () => { throw Object.assign(new Error('secret-string-404'), { statusCode: '404' }) }, 'secret-string-404'],
  ['an Error with statusCode NaN', () => { throw Object.assign(new Error('secret-nan'), { statusCode: NaN }) }, 'secret-nan'],
  ['an Error with statusCode 404.5', () => { throw Object.assign(new Error('secret-fraction'), { statusCode: 404.5 }) }, 'secret-fraction'],
  ['an Error with statusCode Infinity', () => { throw Object.assign(new Error('secret-infinity'), { statusCode: Infinity }) }, 'secret-infinity']
]

for (const [name, body, debugMessage] of THROWN) {
  t.test(`${name} gets 500 Internal Server Error, logged, debug shows it`, async (t) => {
    const { app, lines } = await buildLoggedApp(t)
    app.get('/odd', { config: { ajax: true } }, async () => body())
    app.get('/alive', { config: { ajax: true } }, async () => ({ alive: true }))
    const res = await app.inject('/odd')
    t.equal(res.statusCode, 500)
    t.equal(res.headers['content-type'], JSON_TYPE)
    t.same(res.json(), INTERNAL)
    t.equal(lines.filter((line) => line.level === 50 && line.msg === 'fastify-ajaxutils: ajax route failed').length, 1, 'logged once as an error')

    const debugApp = await buildApp(t, { debug: true })
    debugApp.get('/odd', { config: { ajax: true } }, async () => body())
    const debugRes = await debugApp.inject('/odd')
    t.equal(debugRes.statusCode, 500)
    t.equal(debugRes.json().debug.message, debugMessage)
    await stillAnswers(t, app)
  })
}

t.test('a plain object with a 4xx statusCode is a client error with its message', async (t) => {
  const app = await buildApp(t)
  app.get('/conflict', { config: { ajax: true } }, async () => { throw { statusCode: 409, message: 'Plain conflict' } }) // eslint-disable-line no-throw-literal
  app.get('/status', { config: { ajax: true } }, async () => { throw { status: 404 } }) // eslint-disable-line no-throw-literal
  const conflict = await app.inject('/conflict')
  t.equal(conflict.statusCode, 409)
  t.equal(conflict.headers['content-type'], JSON_TYPE)
  t.same(conflict.json(), { status: 'error', error: 'Plain conflict' })
  const status = await app.inject('/status')
  t.equal(status.statusCode, 404)
  t.same(status.json(), { status: 'error', error: 'Not found' })
})

t.test('a 4xx error whose message is not text sends the reason phrase', async (t) => {
  const app = await buildApp(t)
  app.get('/odd', { config: { ajax: true } }, async () => { throw Object.assign(new Error('x'), { statusCode: 400, message: { secret: 'object message' } }) })
  const res = await app.inject('/odd')
  t.equal(res.statusCode, 400)
  t.same(res.json(), { status: 'error', error: 'Bad Request' })
})

t.test('a statusless error thrown after reply.code(4xx) is still an internal error: 500, no message', async (t) => {
  const app = await buildApp(t)
  app.get('/odd', { config: { ajax: true } }, async (_request, reply) => {
    reply.code(400)
    throw new Error('secret-after-code')
  })
  const res = await app.inject('/odd')
  t.equal(res.statusCode, 500)
  t.equal(res.headers['content-type'], JSON_TYPE)
  t.same(res.json(), INTERNAL)
})

t.test('a JsonResponse whose 4xx data cannot be written gets 500, not the writer message', async (t) => {
  const app = await buildApp(t)
  const circular: Record<string, unknown> = { name: 'loop' }
  circular.self = circular
  app.get('/odd', { config: { ajax: true } }, async () => new ajaxutils.JsonResponse(circular, { status: 400 }))
  const res = await app.inject('/odd')
  t.equal(res.statusCode, 500)
  t.equal(res.headers['content-type'], JSON_TYPE)
  t.same(res.json(), INTERNAL)
})

// Errors that fight back: reading them throws, or logging them does.
const HOSTILE: Array<[string, () => unknown]> = [
  ['an Error whose statusCode getter throws', () => {
    const error = new Error('secret-getter')
    Object.defineProperty(error, 'statusCode', { get () { throw new Error('secret-getter-throws') } })
    throw error
  }],
  ['an Error whose message getter throws', () => {
    const error = Object.assign(new Error('x'), { statusCode: 400 })
    Object.defineProperty(error, 'message', { get () { throw new Error('secret-message-getter') } })
    throw error
  }],
  ['a Proxy that throws on every read', () => { throw new Proxy({}, { get () { throw new Error('secret-proxy') } }) }],
  ['a frozen Error', () => { throw Object.freeze(new Error('secret-frozen')) }],
  ['a 400 with circular validation details', () => {
    const loop: Record<string, unknown> = {}
    loop.self = loop
    throw Object.assign(new Error('secret-circular'), { statusCode: 400, validation: [loop] })
  }]
]

for (const [name, body] of HOSTILE) {
  t.test(`${name} falls back to the fixed 500 envelope, no internal message`, async (t) => {
    const { app } = await buildLoggedApp(t)
    app.get('/odd', { config: { ajax: true } }, async () => body())
    app.get('/alive', { config: { ajax: true } }, async () => ({ alive: true }))
    const res = await app.inject('/odd')
    t.equal(res.statusCode, 500)
    t.equal(res.headers['content-type'], JSON_TYPE)
    t.same(res.json(), INTERNAL)
    await stillAnswers(t, app)
  })
}

t.test('an error carrying a header value Node refuses still answers the envelope', async (t) => {
  const app = await buildApp(t)
  app.get('/odd', { config: { ajax: true } }, async () => {
    throw Object.assign(new Error('Bad input'), { statusCode: 400, headers: { 'x-bad': 'line\nbreak', 'x-good': 'kept' } })
  })
  const res = await app.inject('/odd')
  t.equal(res.statusCode, 400)
  t.equal(res.headers['content-type'], JSON_TYPE)
  t.same(res.json(), { status: 'error', error: 'Bad input' })
})

t.test('an error header cannot turn the envelope into HTML', async (t) => {
  const app = await buildApp(t)
  app.get('/odd', { config: { ajax: true } }, async () => {
    throw Object.assign(new Error('Bad input'), { statusCode: 400, headers: { 'content-type': 'text/html' } })
  })
  const res = await app.inject('/odd')
  t.equal(res.statusCode, 400)
  t.equal(res.headers['content-type'], JSON_TYPE)
  t.same(res.json(), { status: 'error', error: 'Bad input' })
})

t.test('an async handler returning undefined answers 200 JSON null', async (t) => {
  const app = await buildApp(t)
  app.get('/nothing', { config: { ajax: true } }, async () => undefined)
  const res = await app.inject('/nothing')
  t.equal(res.statusCode, 200)
  t.equal(res.headers['content-type'], JSON_TYPE)
  t.equal(res.body, 'null')
})

t.test('a sync handler that returns undefined and never sends is ended by handlerTimeout as 503', async (t) => {
  const app = await buildApp(t)
  app.get('/forgotten', { config: { ajax: true }, handlerTimeout: 30 }, () => undefined)
  const res = await answerWithin(app.inject('/forgotten'), 300)
  if (HANDLER_TIMEOUT) {
    t.not(res, 'no answer', 'answered within 300 ms')
    if (res === 'no answer') return
    t.equal(res.statusCode, 503)
    t.equal(res.headers['content-type'], JSON_TYPE)
    t.same(res.json(), { status: 'error', error: 'Service Unavailable' })
  } else {
    // Before 5.8 nothing times the handler out: the request waits for a reply.send() that never
    // comes, as it does without the plugin (the plugin adds no timeout of its own).
    t.equal(res, 'no answer', 'still unanswered after 300 ms')
  }
})

t.test('calling reply.send twice sends the first answer and logs a warning', async (t) => {
  const { app, lines } = await buildLoggedApp(t)
  app.get('/twice', { config: { ajax: true } }, (_request, reply) => {
    reply.send({ first: true })
    reply.send({ second: true })
  })
  app.get('/send-and-return', { config: { ajax: true } }, async (_request, reply) => {
    reply.send({ sent: true })
    return { returned: true }
  })
  app.get('/alive', { config: { ajax: true } }, async () => ({ alive: true }))
  const twice = await app.inject('/twice')
  t.equal(twice.statusCode, 200)
  t.equal(twice.headers['content-type'], JSON_TYPE)
  t.same(twice.json(), { first: true })
  const both = await app.inject('/send-and-return')
  t.equal(both.statusCode, 200)
  t.same(both.json(), { sent: true })
  const warnings = lines.filter((line) => line.level === 40 && /Reply was already sent/.test(line.msg))
  t.equal(warnings.length, 2)
  await stillAnswers(t, app)
})

t.test('an error after reply.send was called is logged, the first answer stands', async (t) => {
  const { app, lines } = await buildLoggedApp(t)
  app.get('/late-throw', { config: { ajax: true } }, async (_request, reply) => {
    reply.send({ sent: true })
    await new Promise((resolve) => setImmediate(resolve))
    throw new Error('secret-after-send')
  })
  app.get('/alive', { config: { ajax: true } }, async () => ({ alive: true }))
  const res = await app.inject('/late-throw')
  t.equal(res.statusCode, 200)
  t.same(res.json(), { sent: true })
  await new Promise((resolve) => setTimeout(resolve, 20))
  t.ok(lines.some((line) => line.level >= 40 && JSON.stringify(line).includes('secret-after-send')), 'the late error is logged')
  await stillAnswers(t, app)
})

t.test('handlerTimeout: a slow handler gets 503 Service Unavailable; its late answer is dropped with a warning', async (t) => {
  const { app, lines } = await buildLoggedApp(t, { debug: true })
  let finished = false
  let aborted = false
  let hasSignal = false
  app.get('/slow', { config: { ajax: true }, handlerTimeout: 30 }, async (request) => {
    const { signal } = request as { signal?: AbortSignal }
    hasSignal = signal !== undefined
    signal?.addEventListener('abort', () => { aborted = true })
    await new Promise((resolve) => setTimeout(resolve, 120))
    finished = true
    return { late: true }
  })
  app.get('/slow-send', { config: { ajax: true }, handlerTimeout: 30 }, (_request, reply) => {
    setTimeout(() => reply.send({ late: true }), 120)
  })
  app.get('/alive', { config: { ajax: true } }, async () => ({ alive: true }))
  const res = await app.inject('/slow')
  if (!HANDLER_TIMEOUT) {
    // Before 5.8: no timeout, no request.signal; both handlers answer late and nothing is dropped.
    t.equal(hasSignal, false, 'no request.signal')
    t.equal(finished, true, 'the handler ran to its end')
    t.equal(res.statusCode, 200)
    t.equal(res.headers['content-type'], JSON_TYPE)
    t.same(res.json(), { late: true })
    const sendLater = await app.inject('/slow-send')
    t.equal(sendLater.statusCode, 200)
    t.equal(sendLater.headers['content-type'], JSON_TYPE)
    t.same(sendLater.json(), { late: true })
    t.equal(lines.filter((line) => line.level === 40 && /Reply was already sent/.test(line.msg)).length, 0, 'no late answer to warn about')
    await stillAnswers(t, app)
    return
  }
  t.equal(hasSignal, true, 'request.signal')
  t.equal(finished, false, 'answered before the handler finished')
  t.equal(aborted, true, 'request.signal aborted')
  t.equal(res.statusCode, 503)
  t.equal(res.headers['content-type'], JSON_TYPE)
  const body = res.json()
  t.same({ ...body, debug: undefined }, { status: 'error', error: 'Service Unavailable', debug: undefined })
  t.equal(body.debug.message, "Request timed out after 30 ms on route '/slow'")
  const sendLater = await app.inject('/slow-send')
  t.equal(sendLater.statusCode, 503)
  t.same(sendLater.json().error, 'Service Unavailable')
  await new Promise((resolve) => setTimeout(resolve, 200))
  t.equal(finished, true)
  t.equal(lines.filter((line) => line.level === 40 && /Reply was already sent/.test(line.msg)).length, 2, 'both late answers only warn')
  await stillAnswers(t, app)
})

t.test('the server-wide handlerTimeout applies to ajax routes too', async (t) => {
  const app = await buildApp(t, {}, { handlerTimeout: 30 })
  app.get('/slow', { config: { ajax: true } }, async () => { await new Promise((resolve) => setTimeout(resolve, 100)); return 'late' })
  const res = await app.inject('/slow')
  t.equal(res.headers['content-type'], JSON_TYPE)
  if (HANDLER_TIMEOUT) {
    t.equal(res.statusCode, 503)
    t.same(res.json(), { status: 'error', error: 'Service Unavailable' })
  } else {
    // Before 5.8 the server option does nothing: the slow handler answers, late.
    t.equal(res.statusCode, 200)
    t.same(res.json(), 'late')
  }
})

t.test('a Buffer payload is sent as is, unless an error status comes without a JSON type: then the envelope', async (t) => {
  const app = await buildApp(t)
  app.get('/buffer', { config: { ajax: true } }, async () => Buffer.from('{"raw":1}'))
  app.get('/typed', { config: { ajax: true } }, async (_request, reply) => reply.type(JSON_TYPE).send(Buffer.from('{"raw":2}')))
  app.get('/error', { config: { ajax: true } }, async (_request, reply) => reply.code(409).send(Buffer.from('raw conflict')))
  app.get('/json-error', { config: { ajax: true } }, async (_request, reply) => reply.code(409).type(JSON_TYPE).send(Buffer.from('{"raw":3}')))
  const buffer = await app.inject('/buffer')
  t.equal(buffer.statusCode, 200)
  t.equal(buffer.headers['content-type'], 'application/octet-stream')
  t.equal(buffer.body, '{"raw":1}')
  const typed = await app.inject('/typed')
  t.equal(typed.statusCode, 200)
  t.equal(typed.headers['content-type'], JSON_TYPE)
  t.same(typed.json(), { raw: 2 })
  const error = await app.inject('/error')
  t.equal(error.statusCode, 409)
  t.equal(error.headers['content-type'], JSON_TYPE)
  t.same(error.json(), { status: 'error', error: 'Conflict' })
  const jsonError = await app.inject('/json-error')
  t.equal(jsonError.statusCode, 409)
  t.equal(jsonError.headers['content-type'], JSON_TYPE)
  t.same(jsonError.json(), { raw: 3 })
})

t.test('a stream payload is sent as is; a stream that fails before its first byte gets the 500 envelope', async (t) => {
  const app = await buildApp(t)
  app.get('/stream', { config: { ajax: true } }, async (_request, reply) => reply.type(JSON_TYPE).send(Readable.from(['{"a":', '1}'])))
  app.get('/untyped', { config: { ajax: true } }, async () => Readable.from(['{"b":2}']))
  app.get('/broken', { config: { ajax: true } }, async () => new Readable({ read () { this.destroy(new Error('secret-stream-broke')) } }))
  app.get('/alive', { config: { ajax: true } }, async () => ({ alive: true }))
  const stream = await app.inject('/stream')
  t.equal(stream.statusCode, 200)
  t.equal(stream.headers['content-type'], JSON_TYPE)
  t.same(stream.json(), { a: 1 })
  const untyped = await app.inject('/untyped')
  t.equal(untyped.statusCode, 200)
  t.equal(untyped.headers['content-type'], undefined, 'no content type: Fastify sets none for streams')
  t.equal(untyped.body, '{"b":2}')
  const broken = await app.inject('/broken')
  t.equal(broken.statusCode, 500)
  t.equal(broken.headers['content-type'], JSON_TYPE)
  t.same(broken.json(), INTERNAL)
  await stillAnswers(t, app)
})

t.test('reply.hijack() is left alone', async (t) => {
  const app = await buildApp(t)
  app.get('/hijack', { config: { ajax: true } }, async (_request, reply) => {
    reply.hijack()
    reply.raw.writeHead(299, { 'content-type': 'text/plain', 'x-own': 'yes' })
    reply.raw.end('raw bytes')
  })
  app.get('/hijack-error', { config: { ajax: true } }, async (_request, reply) => {
    reply.hijack()
    reply.raw.writeHead(502, { 'content-type': 'text/plain' })
    reply.raw.end('upstream said no')
  })
  const res = await app.inject('/hijack')
  t.equal(res.statusCode, 299)
  t.equal(res.headers['content-type'], 'text/plain')
  t.equal(res.headers['x-own'], 'yes')
  t.equal(res.body, 'raw bytes')
  const error = await app.inject('/hijack-error')
  t.equal(error.statusCode, 502)
  t.equal(error.body, 'upstream said no')
})

t.test('a status outside 100-599 from reply.code or JsonResponse is a 500 envelope, not a crash', async (t) => {
  const app = await buildApp(t)
  app.get('/code', { config: { ajax: true } }, async (_request, reply) => reply.code(999).send('x'))
  app.get('/json', { config: { ajax: true } }, async () => new ajaxutils.JsonResponse('x', { status: 700 }))
  app.get('/tuple', { config: { ajax: true } }, async () => ['x', 700])
  for (const url of ['/code', '/json']) {
    const res = await app.inject(url)
    t.equal(res.statusCode, 500, url)
    t.equal(res.headers['content-type'], JSON_TYPE)
    t.same(res.json(), INTERNAL)
  }
  const tuple = await app.inject('/tuple')
  t.equal(tuple.statusCode, 200, 'an array whose second item is not a status is data')
  t.same(tuple.json(), ['x', 700])
})

t.test('text an app-level hook sends with an error status, before the route\'s hooks ran, leaves as the envelope around it', async (t) => {
  const app = await buildApp(t)
  app.addHook('onRequest', async (request, reply) => {
    if (request.url === '/slow') return reply.code(429).send('slow down')
    if (request.url === '/gone') return reply.code(404).send('gone for good')
  })
  app.get('/slow', { config: { ajax: true } }, async () => ({ never: true }))
  app.get('/gone', { config: { ajax: true } }, async () => ({ never: true }))
  await expectAnswer(t, app, '/slow', { status: 429, body: '{"status":"error","error":"slow down"}' })
  await expectAnswer(t, app, '/gone', { status: 404, body: '{"status":"error","error":"gone for good"}' })
})
