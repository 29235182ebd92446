// Which routes are ajax routes, and that the others are untouched.
import Fastify, { type FastifyInstance } from 'fastify'
import t from 'tap'
import ajaxutils from '../index'
import { buildApp, JSON_TYPE, routerSettings } from './helpers'

t.test('config.ajax true makes a route an ajax route; no config.ajax leaves it alone', async (t) => {
  const app = await buildApp(t)
  app.get('/ajax', { config: { ajax: true } }, async () => 'text')
  app.get('/plain', async () => 'text')
  app.get('/off', { config: { ajax: false } }, async () => 'text')

  const ajax = await app.inject('/ajax')
  t.equal(ajax.headers['content-type'], JSON_TYPE)
  t.equal(ajax.body, '"text"')

  for (const url of ['/plain', '/off']) {
    const plain = await app.inject(url)
    t.equal(plain.headers['content-type'], 'text/plain; charset=utf-8', url)
    t.equal(plain.body, 'text', url)
  }
})

t.test('config.ajax object options apply to that route only', async (t) => {
  const app = await buildApp(t)
  app.post('/submit', { config: { ajax: { loginRequired: true } } }, async () => ({ saved: true }))
  app.post('/open', { config: { ajax: {} } }, async () => ({ open: true }))

  const refused = await app.inject({ method: 'POST', url: '/submit' })
  t.equal(refused.statusCode, 401)
  t.same(refused.json(), { status: 'error', error: 'Unauthorized' })

  const open = await app.inject({ method: 'POST', url: '/open' })
  t.equal(open.statusCode, 200)
  t.same(open.json(), { open: true })
})

t.test('option all makes every later route of the context an ajax route; ajax: false opts out', async (t) => {
  const app = await buildApp(t, { all: true })
  app.get('/one', async () => 'one')
  app.get('/out', { config: { ajax: false } }, async () => 'out')
  app.get('/thrown', async () => { throw new Error('secret') })

  const one = await app.inject('/one')
  t.equal(one.headers['content-type'], JSON_TYPE)
  t.same(one.json(), 'one')

  const out = await app.inject('/out')
  t.equal(out.headers['content-type'], 'text/plain; charset=utf-8')
  t.equal(out.body, 'out')

  const thrown = await app.inject('/thrown')
  t.equal(thrown.statusCode, 500)
  t.same(thrown.json(), { status: 'error', error: 'Internal Server Error' })
})

t.test('option all with options gives every route those defaults; a route merges its own over them', async (t) => {
  const app = await buildApp(t, { all: { loginRequired: true, requireGET: true } })
  app.route({ method: ['GET', 'POST'], url: '/default', handler: async () => 'default' })
  app.route({ method: ['GET', 'POST'], url: '/post', config: { ajax: { requirePOST: true } }, handler: async () => 'post' })
  app.route({ method: ['GET', 'POST'], url: '/public', config: { ajax: { loginRequired: false } }, handler: async () => 'public' })
  app.get('/true', { config: { ajax: true } }, async () => 'true')

  const anonymous = await app.inject('/default')
  t.equal(anonymous.statusCode, 401, 'loginRequired comes from all')

  const post = await app.inject({ method: 'GET', url: '/post' })
  t.equal(post.statusCode, 401, 'a route that names methods still inherits loginRequired')

  const publicGet = await app.inject('/public')
  t.equal(publicGet.statusCode, 200)
  t.same(publicGet.json(), 'public')

  const publicPost = await app.inject({ method: 'POST', url: '/public' })
  t.equal(publicPost.statusCode, 405, 'requireGET comes from all')
  t.equal(publicPost.headers.allow, 'GET, HEAD')

  const asTrue = await app.inject('/true')
  t.equal(asTrue.statusCode, 401, 'ajax: true takes the defaults')
})

t.test('option all covers only its own encapsulation context', async (t) => {
  const app = Fastify()
  t.teardown(() => app.close())
  await app.register(async function api (api) {
    await api.register(ajaxutils, { all: true })
    api.get('/inside', async () => 'inside')
  }, { prefix: '/api' })
  app.get('/outside', async () => 'outside')

  const inside = await app.inject('/api/inside')
  t.equal(inside.headers['content-type'], JSON_TYPE)
  t.same(inside.json(), 'inside')

  const outside = await app.inject('/outside')
  t.equal(outside.headers['content-type'], 'text/plain; charset=utf-8')
  t.equal(outside.body, 'outside')
})

t.test('a route with config.ajax registered before the plugin stops the app at ready', async (t) => {
  const app = Fastify()
  t.teardown(() => app.close())
  app.get('/early', { config: { ajax: true } }, async () => 'early')
  await app.register(ajaxutils)
  await t.rejects(app.inject('/early'), { code: 'FST_AJAX_UNSEEN_ROUTE', message: /route GET \/early has config\.ajax/ })
})

t.test('registered at the root and again with all in a context, the nearer registration wins', async (t) => {
  const app = Fastify()
  t.teardown(() => app.close())
  await app.register(ajaxutils)
  await app.register(async function api (api) {
    await api.register(ajaxutils, { all: { loginRequired: true }, requestId: true })
    api.get('/private', async () => 'private')
    api.get('/open', { config: { ajax: { loginRequired: false } } }, async () => 'open')
  }, { prefix: '/api' })
  app.get('/root', { config: { ajax: true } }, async () => { throw new Error('x') })

  const privateRes = await app.inject('/api/private')
  t.equal(privateRes.statusCode, 401)
  t.same(privateRes.json(), { status: 'error', error: 'Unauthorized', requestId: 'req-1' })

  const open = await app.inject('/api/open')
  t.equal(open.statusCode, 200)
  t.same(open.json(), 'open')

  const root = await app.inject('/root')
  t.equal(root.statusCode, 500)
  t.same(root.json(), { status: 'error', error: 'Internal Server Error' }, 'the root registration has no requestId')
})

t.test('a nearer registration without all keeps the outer all, with its own settings', async (t) => {
  const app = Fastify()
  t.teardown(() => app.close())
  await app.register(ajaxutils, { all: { loginRequired: true } })
  await app.register(async function api (api) {
    await api.register(ajaxutils, { requestId: true })
    api.get('/inner', async () => 'inner')
  })
  const res = await app.inject('/inner')
  t.equal(res.statusCode, 401)
  t.same(res.json(), { status: 'error', error: 'Unauthorized', requestId: 'req-1' })
})

t.test('a route\'s own hooks, onSend hooks and errorHandler keep working on an ajax route', async (t) => {
  const app = await buildApp(t)
  const calls: string[] = []
  app.get('/hooks', {
    config: { ajax: true },
    onRequest: [async () => { calls.push('onRequest') }],
    preHandler: async () => { calls.push('preHandler') },
    onSend: async (_request, reply, payload) => {
      calls.push('onSend')
      reply.header('x-seen', 'yes')
      return payload
    }
  }, async () => ({ ok: true }))
  app.get('/own-error', {
    config: { ajax: true },
    errorHandler: async (error, _request, reply) => reply.code(409).send({ conflict: error.message })
  }, async () => { throw new Error('taken') })
  app.get('/own-error-rethrows', {
    config: { ajax: true },
    errorHandler: (error) => { throw error }
  }, async () => { throw Object.assign(new Error('Quota exceeded'), { statusCode: 429 }) })
  app.get('/own-error-rejects', {
    config: { ajax: true },
    errorHandler: async (error) => { throw error }
  }, async () => { throw new Error('db password in here') })

  const hooks = await app.inject('/hooks')
  t.equal(hooks.statusCode, 200)
  t.equal(hooks.headers['x-seen'], 'yes')
  t.same(hooks.json(), { ok: true })
  t.same(calls, ['onRequest', 'preHandler', 'onSend'])

  const own = await app.inject('/own-error')
  t.equal(own.statusCode, 409)
  t.same(own.json(), { status: 'error', error: { conflict: 'taken' } })

  const rethrown = await app.inject('/own-error-rethrows')
  t.equal(rethrown.statusCode, 429)
  t.same(rethrown.json(), { status: 'error', error: 'Quota exceeded' })

  const rejected = await app.inject('/own-error-rejects')
  t.equal(rejected.statusCode, 500)
  t.same(rejected.json(), { status: 'error', error: 'Internal Server Error' })
})

t.test('a route whose hooks are shared with another route does not change the other', async (t) => {
  const app = await buildApp(t)
  const shared = [async () => {}]
  app.get('/ajax', { config: { ajax: { loginRequired: true } }, onRequest: shared, onSend: shared }, async () => 'a')
  app.get('/plain', { onRequest: shared, onSend: shared }, async () => 'p')
  t.equal(shared.length, 1)
  const plain = await app.inject('/plain')
  t.equal(plain.statusCode, 200)
  t.equal(plain.body, 'p')
})

async function nonAjaxApp (withPlugin: boolean): Promise<FastifyInstance> {
  const app = Fastify()
  if (withPlugin) await app.register(ajaxutils)
  app.get('/object', async () => ({ hello: 'world', when: new Date(0) }))
  app.get('/text', async () => 'plain text')
  app.post('/echo', async (request) => request.body)
  app.get('/not-found', async () => { throw Object.assign(new Error('nothing here'), { statusCode: 404 }) })
  app.get('/crash', async () => { throw new Error('secret detail') })
  app.get('/redirect', async (_request, reply) => reply.redirect('/object'))
  app.get('/empty', async (_request, reply) => { reply.code(204).send() })
  app.get('/typed', { schema: { response: { 200: { type: 'object', properties: { id: { type: 'integer' } } } } } }, async () => ({ id: 1, extra: true }))
  app.get('/validated', { schema: { querystring: { type: 'object', required: ['q'], properties: { q: { type: 'string' } } } } }, async () => 'ok')
  return app
}

const nonAjaxRequests = [
  { method: 'GET', url: '/object' },
  { method: 'GET', url: '/text' },
  { method: 'POST', url: '/echo', payload: { a: 1 } },
  { method: 'POST', url: '/echo', headers: { 'content-type': 'application/json' }, payload: '{"broken' },
  { method: 'POST', url: '/echo', headers: { 'content-type': 'application/x-unknown' }, payload: 'x' },
  { method: 'GET', url: '/not-found' },
  { method: 'GET', url: '/crash' },
  { method: 'GET', url: '/redirect' },
  { method: 'GET', url: '/empty' },
  { method: 'GET', url: '/typed' },
  { method: 'GET', url: '/validated' },
  { method: 'HEAD', url: '/object' },
  { method: 'PUT', url: '/object' },
  { method: 'GET', url: '/nowhere' }
] as const

t.test('non-ajax routes answer byte for byte the same with and without the plugin', async (t) => {
  const bare = await nonAjaxApp(false)
  const withPlugin = await nonAjaxApp(true)
  t.teardown(() => Promise.all([bare.close(), withPlugin.close()]))
  for (const request of nonAjaxRequests) {
    const expected = await bare.inject(request)
    const actual = await withPlugin.inject(request)
    const name = `${request.method} ${request.url}`
    t.equal(actual.statusCode, expected.statusCode, name)
    const { date: _a, ...actualHeaders } = actual.headers
    const { date: _b, ...expectedHeaders } = expected.headers
    t.same(actualHeaders, expectedHeaders, name)
    t.same(actual.rawPayload, expected.rawPayload, name)
  }
})

t.test('an app\'s own error and not-found handlers keep serving non-ajax routes', async (t) => {
  const app = Fastify()
  t.teardown(() => app.close())
  app.setErrorHandler(async (error, _request, reply) => reply.code(418).send({ mine: error.message }))
  app.setNotFoundHandler(async (_request, reply) => reply.code(404).send({ mine: 'not found' }))
  await app.register(ajaxutils)
  app.get('/plain', async () => { throw new Error('plain failure') })
  app.get('/ajax', { config: { ajax: true } }, async () => { throw new Error('ajax failure') })

  const plain = await app.inject('/plain')
  t.equal(plain.statusCode, 418)
  t.same(plain.json(), { mine: 'plain failure' })

  const missing = await app.inject('/missing')
  t.equal(missing.statusCode, 404)
  t.same(missing.json(), { mine: 'not found' })

  // On an ajax route the app's handler runs first too; what it sends is enveloped.
  const ajax = await app.inject('/ajax')
  t.equal(ajax.statusCode, 418)
  t.same(ajax.json(), { status: 'error', error: { mine: 'ajax failure' } })
})

t.test('unknown URLs under the prefix of a context with all get the 404 envelope; others keep Fastify\'s 404', async (t) => {
  const app = Fastify()
  t.teardown(() => app.close())
  await app.register(ajaxutils)
  await app.register(async function api (api) {
    await api.register(ajaxutils, { all: true })
    api.get('/known', async () => 'known')
  }, { prefix: '/api' })

  for (const url of ['/api/unknown', '/api', '/api/deep/er?x=1']) {
    const res = await app.inject(url)
    t.equal(res.statusCode, 404, url)
    t.equal(res.headers['content-type'], JSON_TYPE, url)
    t.same(res.json(), { status: 'error', error: 'Not found' }, url)
  }
  for (const url of ['/apix', '/elsewhere']) {
    const res = await app.inject(url)
    t.equal(res.statusCode, 404, url)
    t.same(res.json(), { message: `Route GET:${url} not found`, error: 'Not Found', statusCode: 404 }, url)
  }
})

t.test('all at the root gives every unknown URL the 404 envelope', async (t) => {
  const app = await buildApp(t, { all: true })
  const res = await app.inject({ method: 'POST', url: '/anything' })
  t.equal(res.statusCode, 404)
  t.same(res.json(), { status: 'error', error: 'Not found' })
})

t.test('with caseSensitive: false, unknown URLs under an all prefix in another case get the 404 envelope too', async (t) => {
  const app = Fastify(routerSettings({ caseSensitive: false }))
  t.teardown(() => app.close())
  await app.register(ajaxutils)
  await app.register(async function api (api) {
    await api.register(ajaxutils, { all: true })
    api.get('/known', async () => 'known')
  }, { prefix: '/App' })
  for (const url of ['/APP/nothing', '/app/nothing', '/App/nothing']) {
    const res = await app.inject(url)
    t.equal(res.statusCode, 404, url)
    t.same(res.json(), { status: 'error', error: 'Not found' }, url)
  }
  t.same((await app.inject('/APP/KNOWN')).json(), 'known')
})
