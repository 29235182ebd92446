// The plugin's one use of Fastify internals (lib/not-found-contexts.ts). If a Fastify update
// moves the not-found contexts, these tests fail first, and say where to look.
import Fastify, { type FastifyInstance } from 'fastify'
import t from 'tap'
import ajaxutils from '../index'
import { CHILDREN, fastifySymbol, NOT_FOUND_CONTEXT, notFoundContexts } from '../lib/not-found-contexts'
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
  t.equal(context.preHandler.length, 1)
  const res = await app.inject({ method: 'POST', url: '/items' })
  t.equal(res.statusCode, 405)
  t.same(seen, ['app preParsing /items'])
  t.equal((await app.inject('/items')).statusCode, 200)
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
