import sensible from '@fastify/sensible'
import Fastify, { type FastifyError, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify'
import t from 'tap'
import ajaxutils from '../index'
import { createEnvelopeWriter } from '../lib/envelope'
import { createErrorHandler, createRouteErrorHandler } from '../lib/error-handler'
import { createErrorChain, fastifySymbol, NEXT_ERROR_HANDLER } from '../lib/fastify-internals'
import { normalizePluginOptions } from '../lib/options'
import { bareAnswer, buildApp, fastifyAtLeast, JSON_TYPE } from './helpers'

// The app's error handlers run first on ajax routes, in Fastify's order; what they send is answered
// as a handler's reply.code(n).send(x); what they pass on gets the plugin's mapping.

const INTERNAL = { status: 'error', error: 'Internal Server Error' }

/** A Prisma-style "record not found" error: a code, no status. */
function recordNotFound (): Error {
  return Object.assign(new Error('No Item found: secret-query-text'), { code: 'P2025' })
}

type AppHandler = (error: FastifyError, request: FastifyRequest, reply: FastifyReply) => unknown

/** The usual app handler: reports every error once, maps P2025 to 404, passes the rest on. */
function prismaHandler (reported: string[]): AppHandler {
  return function handler (error, request, reply) {
    reported.push(`${request.url} ${error.message}`)
    if ((error as { code?: string }).code === 'P2025') return reply.code(404).send({ message: 'Record not found' })
    throw error
  }
}

for (const order of ['before', 'after'] as const) {
  t.test(`a root setErrorHandler set ${order} the plugin maps a domain error to 404 and reports it once`, async (t) => {
    const app = Fastify()
    t.teardown(() => app.close())
    const reported: string[] = []
    if (order === 'before') app.setErrorHandler(prismaHandler(reported))
    await app.register(ajaxutils)
    if (order === 'after') app.setErrorHandler(prismaHandler(reported))
    app.get('/api/item', { config: { ajax: true } }, async () => { throw recordNotFound() })
    app.get('/api/broken', { config: { ajax: true } }, async () => { throw new Error('secret-db-password') })
    app.get('/item', async () => { throw recordNotFound() })

    const api = await app.inject('/api/item')
    t.equal(api.statusCode, 404)
    t.equal(api.headers['content-type'], JSON_TYPE)
    t.same(api.json(), { status: 'error', error: { message: 'Record not found' } })
    const broken = await app.inject('/api/broken')
    t.equal(broken.statusCode, 500)
    t.equal(broken.headers['content-type'], JSON_TYPE)
    t.same(broken.json(), INTERNAL)
    const plain = await app.inject('/item')
    t.equal(plain.statusCode, 404)
    t.equal(plain.headers['content-type'], JSON_TYPE)
    t.same(plain.json(), { message: 'Record not found' })
    t.same(reported, ['/api/item No Item found: secret-query-text', '/api/broken secret-db-password', '/item No Item found: secret-query-text'])
  })
}

t.test('the route errorHandler, then its context handler, then the root handler run, each once, then the plugin', async (t) => {
  const app = Fastify()
  t.teardown(() => app.close())
  const ran: string[] = []
  app.setErrorHandler((error) => { ran.push('root'); throw error })
  await app.register(ajaxutils)
  await app.register(async (child) => {
    child.setErrorHandler(async (error) => { ran.push('child'); throw error })
    child.get('/api', {
      config: { ajax: true },
      errorHandler: (error, _request, reply) => { ran.push('route'); reply.send(error) }
    }, async () => { throw Object.assign(new Error('Item is locked'), { statusCode: 423 }) })
    child.get('/api/secret', { config: { ajax: true } }, async () => { throw new Error('secret-stack-text') })
  })
  const res = await app.inject('/api')
  t.equal(res.statusCode, 423)
  t.equal(res.headers['content-type'], JSON_TYPE)
  t.same(res.json(), { status: 'error', error: 'Item is locked' })
  t.same(ran, ['route', 'child', 'root'])
  ran.length = 0
  const secret = await app.inject('/api/secret')
  t.equal(secret.statusCode, 500)
  t.same(secret.json(), INTERNAL)
  t.same(ran, ['child', 'root'])
})

t.test('a context handler set after its routes still runs first on them', async (t) => {
  const app = await buildApp(t)
  await app.register(async (child) => {
    child.get('/api', { config: { ajax: true } }, async () => { throw new Error('x') })
    child.setErrorHandler((_error, _request, reply) => { reply.code(409).send('Try again') })
  })
  const res = await app.inject('/api')
  t.equal(res.statusCode, 409)
  t.equal(res.headers['content-type'], JSON_TYPE)
  t.same(res.json(), { status: 'error', error: 'Try again' })
})

t.test('with @fastify/sensible, errors a reporter rethrows keep the plugin mapping', async (t) => {
  const app = Fastify()
  t.teardown(() => app.close())
  await app.register(sensible)
  await app.register(ajaxutils)
  const reported: unknown[] = []
  app.setErrorHandler((error) => { reported.push(error.statusCode ?? 'none'); throw error })
  app.get('/missing', { config: { ajax: true } }, async () => { throw app.httpErrors.notFound('No such invoice') })
  app.get('/down', { config: { ajax: true } }, async () => { throw app.httpErrors.serviceUnavailable('secret-db-host down') })
  app.get('/teapot', { config: { ajax: true } }, async (_request, reply) => reply.imateapot())
  app.get('/plain', async () => { throw app.httpErrors.notFound('No such page') })

  const cases: Array<[string, number, unknown]> = [
    ['/missing', 404, { status: 'error', error: 'No such invoice' }],
    ['/down', 503, { status: 'error', error: 'Service Unavailable' }],
    ['/teapot', 418, { status: 'error', error: "I'm a Teapot" }]
  ]
  for (const [url, status, body] of cases) {
    const res = await app.inject(url)
    t.equal(res.statusCode, status, url)
    t.equal(res.headers['content-type'], JSON_TYPE)
    t.same(res.json(), body)
  }
  const plain = await app.inject('/plain')
  t.equal(plain.statusCode, 404)
  t.same(plain.json(), { statusCode: 404, error: 'Not Found', message: 'No such page' })
  t.same(reported, [404, 503, 418, 404])
})

t.test('a page an app handler answers with on an ajax route becomes the envelope with its reason phrase', async (t) => {
  const app = await buildApp(t)
  app.setErrorHandler((error, request, reply) => {
    const status = request.url === '/api/missing' ? 404 : 500
    reply.code(status).type('text/html').send(`<h1>Oops: ${error.message}</h1>`)
  })
  app.get('/api/missing', { config: { ajax: true } }, async () => { throw new Error('secret-missing') })
  app.get('/api/broken', { config: { ajax: true } }, async () => { throw new Error('secret-broken') })
  app.get('/page', async () => { throw new Error('page broke') })

  const missing = await app.inject('/api/missing')
  t.equal(missing.statusCode, 404)
  t.equal(missing.headers['content-type'], JSON_TYPE)
  t.same(missing.json(), { status: 'error', error: 'Not found' })
  const broken = await app.inject('/api/broken')
  t.equal(broken.statusCode, 500)
  t.equal(broken.headers['content-type'], JSON_TYPE)
  t.same(broken.json(), INTERNAL)
  const page = await app.inject('/page')
  t.equal(page.statusCode, 500)
  t.equal(page.headers['content-type'], 'text/html')
  t.equal(page.body, '<h1>Oops: page broke</h1>')
})

t.test('a 2xx page from an app handler is no answer: the masked 500', async (t) => {
  const app = await buildApp(t)
  app.setErrorHandler((_error, _request, reply) => { reply.type('text/html').send('<p>all good</p>') })
  app.get('/api', { config: { ajax: true } }, async () => { throw new Error('x') })
  const res = await app.inject('/api')
  t.equal(res.statusCode, 500)
  t.equal(res.headers['content-type'], JSON_TYPE)
  t.same(res.json(), INTERNAL)
})

t.test('an app handler may recover with data, a string, a tuple or an async return value', async (t) => {
  const app = await buildApp(t)
  app.setErrorHandler(async (_error, request, reply) => {
    if (request.url === '/data') return { fallback: true }
    if (request.url === '/text') return reply.code(400).type('text/plain').send('Check the form')
    if (request.url === '/json') return reply.code(422).type('application/json').send('{"field":"name"}')
    return [{ queued: true }, 202]
  })
  for (const url of ['/data', '/text', '/json', '/tuple']) app.get(url, { config: { ajax: true } }, async () => { throw new Error('x') })
  const cases: Array<[string, number, unknown]> = [
    ['/data', 200, { fallback: true }],
    ['/text', 400, { status: 'error', error: 'Check the form' }],
    ['/json', 422, { status: 'error', error: { field: 'name' } }],
    ['/tuple', 202, { queued: true }]
  ]
  for (const [url, status, body] of cases) {
    const res = await app.inject(url)
    t.equal(res.statusCode, status, url)
    t.equal(res.headers['content-type'], JSON_TYPE)
    t.same(res.json(), body)
  }
})

t.test('bad app handlers on an ajax route: the masked 500 or the envelope, never a hang or a stack', async (t) => {
  const app = await buildApp(t)
  const handlers: Record<string, AppHandler> = {
    throws: () => { throw new Error('secret-inner') },
    rejects: async () => { throw new Error('secret-inner') },
    twice: (_error, _request, reply) => { reply.code(409).send({ first: true }); reply.send({ second: true }) },
    informational: (_error, _request, reply) => { reply.code(103).send({ early: true }) },
    'not modified': (_error, _request, reply) => { reply.code(304).send('') },
    redirect: (_error, _request, reply) => { reply.redirect('/login') },
    'settles silently': async () => {},
    'sends the error': (error, _request, reply) => { reply.send(error) }
  }
  app.setErrorHandler((error, request, reply) => handlers[decodeURIComponent(request.url.slice(1))](error, request, reply))
  app.get('/*', { config: { ajax: true } }, async () => { throw new Error('secret-outer') })
  const expected: Record<string, [number, unknown]> = {
    throws: [500, INTERNAL],
    rejects: [500, INTERNAL],
    twice: [409, { status: 'error', error: { first: true } }],
    informational: [500, INTERNAL],
    'not modified': [500, INTERNAL],
    redirect: [401, { status: 'error', error: 'Unauthorized' }],
    'settles silently': [500, INTERNAL],
    'sends the error': [500, INTERNAL]
  }
  for (const [name, [status, body]] of Object.entries(expected)) {
    const res = await app.inject(`/${encodeURIComponent(name)}`)
    t.equal(res.statusCode, status, name)
    t.equal(res.headers['content-type'], JSON_TYPE, name)
    t.equal(res.headers.location, undefined, name)
    t.same(res.json(), body, name)
  }
})

t.test('a sync app handler that never answers is ended by Fastify\'s handlerTimeout, as the envelope', { skip: !fastifyAtLeast('5.8.0') && 'handlerTimeout needs Fastify 5.8' }, async (t) => {
  const app = await buildApp(t, {}, { handlerTimeout: 100 } as never)
  app.setErrorHandler(() => {})
  app.get('/api', { config: { ajax: true } }, async () => { throw new Error('x') })
  const res = await app.inject('/api')
  t.equal(res.statusCode, 503)
  t.equal(res.headers['content-type'], JSON_TYPE)
  t.same(res.json(), { status: 'error', error: 'Service Unavailable' })
})

t.test('non-ajax routes answer exactly as without the plugin, whatever the app handler does', async (t) => {
  const setup = (app: FastifyInstance): void => {
    app.setErrorHandler((error, request, reply) => {
      if (request.url === '/html') return reply.code(502).type('text/html').send('<b>bad gateway</b>')
      if (request.url === '/rethrow') throw error
      if (request.url === '/redirect') return reply.redirect('/login')
      return reply.code(404).send({ message: error.message })
    })
    for (const url of ['/html', '/rethrow', '/redirect', '/data']) app.get(url, async () => { throw new Error('plain') })
  }
  for (const url of ['/html', '/rethrow', '/redirect', '/data']) {
    const app = Fastify()
    t.teardown(() => app.close())
    await app.register(ajaxutils)
    setup(app)
    const res = await app.inject(url)
    const bare = await bareAnswer(t, setup, url)
    t.equal(res.statusCode, bare.statusCode, url)
    t.same(res.headers, { ...bare.headers, date: res.headers.date }, url)
    t.equal(res.body, bare.body, url)
  }
})

t.test('the chain of error handlers is where Fastify keeps it (an internal the plugin relies on)', async (t) => {
  const app = Fastify()
  t.teardown(() => app.close())
  app.get('/', {
    errorHandler: (_error, _request, reply) => {
      const key = fastifySymbol(reply, NEXT_ERROR_HANDLER)
      const link = key === undefined ? undefined : (reply as unknown as Record<symbol, unknown>)[key]
      reply.send({ found: typeof link === 'object' && link !== null })
    }
  }, async () => { throw new Error('x') })
  t.same((await app.inject('/')).json(), { found: true })
})

t.test('on a Fastify that keeps the chain elsewhere, the plugin answers at once and the app handlers are skipped', async (t) => {
  const app = Fastify()
  t.teardown(() => app.close())
  const writer = createEnvelopeWriter(normalizePluginOptions({}, new Set(app.supportedMethods)))
  const ran: string[] = []
  app.setErrorHandler((error) => { ran.push('root'); throw error })
  const ajax = createErrorHandler(writer, false)
  const errorHandler = createRouteErrorHandler(undefined, ajax, createErrorChain('no such symbol'), writer)
  app.get('/', { errorHandler }, async () => { throw Object.assign(new Error('Gone for good'), { statusCode: 410 }) })
  const res = await app.inject('/')
  t.equal(res.statusCode, 410)
  t.equal(res.headers['content-type'], JSON_TYPE)
  t.same(res.json(), { status: 'error', error: 'Gone for good' })
  t.same(ran, [])
})

t.test('a chain of another shape (no plain-object root) yields the handlers found, and stops', async (t) => {
  const chain = createErrorChain()
  const handler = (): void => {}
  const link = chain.build([handler])
  t.same(chain.handlers(link), [handler])
  t.equal(chain.handlerOf(link), handler)
  // A link without a handler of its own is passed over.
  t.same(chain.handlers(Object.create(link)), [handler])
})
