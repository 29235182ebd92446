// One of the plugin's two uses of Fastify internals (lib/fastify-internals.ts lists them all;
// this one is its not-found contexts). If a Fastify update moves the not-found contexts, these tests fail first,
// and say where to look.
import Fastify, { type FastifyInstance } from 'fastify'
import t from 'tap'
import ajaxutils from '../index'
import { CHILDREN, copiesNotFoundContexts, fastifySymbol, NOT_FOUND_CONTEXT, notFoundContexts } from '../lib/fastify-internals'
import { appState, checkCalledNotFound } from '../lib/router'
import { buildApp, JSON_TYPE } from './helpers'

t.test('Fastify keeps each instance\'s not-found context, with its hooks, and its children where the plugin reads them', async (t) => {
  const app = Fastify()
  t.teardown(() => app.close())
  app.register(async (api) => { api.setNotFoundHandler(async () => 'api') }, { prefix: '/api' })
  await app.ready()
  const contextKey = fastifySymbol(app, NOT_FOUND_CONTEXT)
  const childrenKey = fastifySymbol(app, CHILDREN)
  t.type(contextKey, 'symbol', `Fastify has a symbol described '${NOT_FOUND_CONTEXT}'`)
  t.type(childrenKey, 'symbol', `Fastify has a symbol described '${CHILDREN}'`)
  const root = app as unknown as Record<symbol, unknown>
  t.ok(Object.hasOwn(root, contextKey as symbol), 'the root keeps its not-found context as its own')
  t.match(root[contextKey as symbol], { preParsing: null, preHandler: null, handler: Function })
  t.ok(Array.isArray(root[childrenKey as symbol]), 'and its children in an array')
  t.equal(notFoundContexts(app).length, 2, 'the root\'s and the /api prefix\'s own')
})

t.test('the plugin adds its check to the not-found contexts, after their own hooks, and to no route', async (t) => {
  const app = Fastify()
  t.teardown(() => app.close())
  const seen: string[] = []
  app.addHook('preParsing', async (request) => { seen.push(`app preParsing ${request.url}`) })
  await app.register(ajaxutils)
  app.get('/items', { config: { ajax: true } }, async () => [])
  await app.ready()
  const root = app as unknown as Record<symbol, { preParsing: unknown[], preHandler: unknown[] }>
  const context = root[fastifySymbol(app, NOT_FOUND_CONTEXT) as symbol]
  t.equal(context.preParsing.length, 2, 'the app\'s preParsing hook, then the plugin\'s check')
  // Before 5.12.2 an app-wide preHandler hook also checks what catch-all routes hand on.
  t.equal(context.preHandler.length, copiesNotFoundContexts(app.version) ? 2 : 1)
  const res = await app.inject({ method: 'POST', url: '/items' })
  t.equal(res.statusCode, 405)
  t.same(seen, ['app preParsing /items'])
  t.equal((await app.inject('/items')).statusCode, 200)
})

t.test('an app without ajax routes keeps its not-found contexts as they are', async (t) => {
  const app = Fastify()
  t.teardown(() => app.close())
  await app.register(ajaxutils)
  app.get('/items', async () => [])
  await app.ready()
  const root = app as unknown as Record<symbol, { preParsing: unknown, preHandler: unknown }>
  const context = root[fastifySymbol(app, NOT_FOUND_CONTEXT) as symbol]
  t.equal(context.preParsing, null)
  // Before 5.12.2 the app-wide preHandler that checks what catch-all routes hand on is there too.
  t.equal((context.preHandler as unknown[] | null)?.length ?? 0, copiesNotFoundContexts(app.version) ? 1 : 0)
  const res = await app.inject({ method: 'POST', url: '/items' })
  t.equal(res.statusCode, 404)
  t.equal(res.headers['content-type'], JSON_TYPE)
  t.same(res.json(), { message: 'Route POST:/items not found', error: 'Not Found', statusCode: 404 })
})

t.test('without the symbols, the plugin says so in the log and the app still starts', async (t) => {
  const warnings: string[] = []
  const instance = { log: { warn: (message: string) => { warnings.push(message) } } } as unknown as FastifyInstance
  t.same(notFoundContexts(instance), [])
  t.same(warnings, ['fastify-ajaxutils: this Fastify keeps its not-found contexts elsewhere: no router-level 405, and unknown URLs keep Fastify\'s 404'])
  t.equal(fastifySymbol({}, NOT_FOUND_CONTEXT), undefined)
})

t.test('a registration in a nested context checks the contexts of its own routes once', async (t) => {
  const app = await buildApp(t)
  await app.register(async (api) => {
    await api.register(ajaxutils, { requestId: true })
    api.get('/things', { config: { ajax: true } }, async () => [])
  }, { prefix: '/api' })
  const res = await app.inject({ method: 'DELETE', url: '/api/things' })
  t.equal(res.statusCode, 405)
  t.equal(res.headers['content-type'], JSON_TYPE)
  t.same(res.json(), { status: 'error', error: 'Method not allowed', requestId: 'req-1' })
})

t.test('Fastify copied each route\'s not-found context before 5.12.2', async (t) => {
  t.ok(copiesNotFoundContexts('5.0.0'))
  t.ok(copiesNotFoundContexts('5.12.1'))
  t.notOk(copiesNotFoundContexts('5.12.2'))
  t.notOk(copiesNotFoundContexts('5.13.0'))
  t.notOk(copiesNotFoundContexts('6.0.0'))
})

t.test('on a Fastify that copies not-found contexts, an app-wide preHandler checks what catch-all routes hand on', async (t) => {
  const app = await buildApp(t)
  // The plugin reads the version from the instance it is registered on: show it an older one.
  checkCalledNotFound(Object.create(app, { version: { value: '5.11.0' } }), appState(app))
  app.get('/*', (_request, reply) => { reply.callNotFound() })
  app.post('/api/notes', { config: { ajax: true } }, async () => ({ saved: true }))
  const wrong = await app.inject('/api/notes')
  t.equal(wrong.statusCode, 405)
  t.equal(wrong.headers.allow, 'POST')
  t.same(wrong.json(), { status: 'error', error: 'Method not allowed' })
  const saved = await app.inject({ method: 'POST', url: '/api/notes' })
  t.same(saved.json(), { saved: true })
  const unknown = await app.inject('/elsewhere')
  t.equal(unknown.statusCode, 404)
  t.same(unknown.json(), { message: 'Route GET:/elsewhere not found', error: 'Not Found', statusCode: 404 })
})
