import cors from '@fastify/cors'
import Fastify, { type FastifyError, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify'
import t from 'tap'
import ajaxutils from '../index'
import { bareAnswer, buildApp, fastifyAtLeast, JSON_TYPE, routerSettings } from './helpers'

// The router-level 405 (a URL that is an ajax route only for other methods), Fastify's 404 for
// unknown URLs, the 404 envelope under the prefix of a context registered with `all`, and what
// changes when the plugin is not registered at the root.

const METHOD_NOT_ALLOWED = { status: 'error', error: 'Method not allowed' }
const NOT_FOUND = { status: 'error', error: 'Not found' }

function fastify404 (method: string, url: string) {
  return { message: `Route ${method}:${url} not found`, error: 'Not Found', statusCode: 404 }
}

/** An app with ajax routes on static, parametric and wildcard URLs, next to non-ajax routes. */
async function buildRoutes (app: FastifyInstance, ran: string[]) {
  const handler = (name: string) => async () => { ran.push(name); return { name } }
  app.get('/items', { config: { ajax: true } }, handler('list'))
  app.delete('/items', handler('clear (not ajax)'))
  app.get('/items/:id', { config: { ajax: true } }, handler('read'))
  app.put('/items/:id', { config: { ajax: true } }, handler('write'))
  app.get('/files/*', { config: { ajax: true } }, handler('file'))
  app.post('/only-post', { config: { ajax: true } }, handler('post'))
  app.get('/page', handler('page (not ajax)'))
}

t.test('a wrong method on a static ajax URL gets 405 with every method of the URL, non-ajax ones too', async (t) => {
  const app = await buildApp(t)
  const ran: string[] = []
  await buildRoutes(app, ran)
  for (const url of ['/items', '/items?page=2']) {
    for (const method of ['POST', 'PATCH', 'OPTIONS', 'PROPFIND'] as const) {
      const res = await app.inject({ method, url, payload: method === 'POST' ? { a: 1 } : undefined })
      t.equal(res.statusCode, 405, `${method} ${url}`)
      t.equal(res.headers['content-type'], JSON_TYPE)
      t.equal(res.headers.allow, 'DELETE, GET, HEAD')
      t.same(res.json(), METHOD_NOT_ALLOWED)
    }
  }
  t.same(ran, [], 'no handler ran')
  const del = await app.inject({ method: 'DELETE', url: '/items' })
  t.equal(del.statusCode, 200)
  t.same(del.json(), { name: 'clear (not ajax)' })
})

t.test('a wrong method on a parametric ajax URL gets 405 listing that URL methods only', async (t) => {
  const app = await buildApp(t)
  const ran: string[] = []
  await buildRoutes(app, ran)
  for (const url of ['/items/7', '/items/%F0%9F%98%80', '/items/a%2Fb']) {
    const res = await app.inject({ method: 'PATCH', url })
    t.equal(res.statusCode, 405, url)
    t.equal(res.headers['content-type'], JSON_TYPE)
    t.equal(res.headers.allow, 'GET, HEAD, PUT')
    t.same(res.json(), METHOD_NOT_ALLOWED)
  }
  const wild = await app.inject({ method: 'POST', url: '/files/a/b/c.txt' })
  t.equal(wild.statusCode, 405)
  t.equal(wild.headers.allow, 'GET, HEAD')
  t.same(wild.json(), METHOD_NOT_ALLOWED)
  t.same(ran, [])
})

t.test('HEAD and GET on a POST-only ajax URL get 405 with Allow: POST (HEAD without a body)', async (t) => {
  const app = await buildApp(t)
  const ran: string[] = []
  await buildRoutes(app, ran)
  const get = await app.inject('/only-post')
  t.equal(get.statusCode, 405)
  t.equal(get.headers['content-type'], JSON_TYPE)
  t.equal(get.headers.allow, 'POST')
  t.same(get.json(), METHOD_NOT_ALLOWED)
  const head = await app.inject({ method: 'HEAD', url: '/only-post' })
  t.equal(head.statusCode, 405)
  t.equal(head.headers['content-type'], JSON_TYPE)
  t.equal(head.headers.allow, 'POST')
  t.equal(head.body, '')
  t.same(ran, [])
})

t.test('a URL with only non-ajax routes and an unknown URL keep Fastify 404', async (t) => {
  const app = await buildApp(t)
  await buildRoutes(app, [])
  for (const [method, url] of [['POST', '/page'], ['GET', '/nope'], ['POST', '/items/7/extra'], ['GET', '/ITEMS'], ['POST', '//items']] as const) {
    const res = await app.inject({ method, url })
    t.equal(res.statusCode, 404, `${method} ${url}`)
    t.equal(res.headers['content-type'], JSON_TYPE)
    t.notOk(res.headers.allow)
    t.same(res.json(), fastify404(method, url))
  }
})

t.test('Fastify answers a bad percent-encoding and an over-long parameter itself, before any hook (documented)', async (t) => {
  const app = await buildApp(t)
  await buildRoutes(app, [])
  const long = '/items/' + 'x'.repeat(101)
  const tooLong = await app.inject(long)
  if (fastifyAtLeast('5.9.0')) {
    t.equal(tooLong.statusCode, 414)
    t.equal(tooLong.headers['content-type'], 'application/json')
    t.same(tooLong.json(), { error: 'Bad Request', code: 'FST_ERR_MAX_PARAM_LENGTH', message: `'${long}' is exceeding the max param length`, statusCode: 414 })
  } else {
    // Fastify has no over-long-parameter error before 5.9 (onMaxParamLength): the router finds no
    // route, so it is an unknown URL like any other, with Fastify's 404 (no 405 either: no ajax
    // route matches it for another method).
    t.equal(tooLong.statusCode, 404)
    t.equal(tooLong.headers['content-type'], JSON_TYPE)
    t.notOk(tooLong.headers.allow)
    t.same(tooLong.json(), fastify404('GET', long))
  }
  const otherMethod = await app.inject({ method: 'POST', url: long })
  t.equal(otherMethod.statusCode, 404, 'no route matches: Fastify 404, no 405')
  t.same(otherMethod.json(), fastify404('POST', long))
  for (const method of ['GET', 'POST'] as const) {
    const bad = await app.inject({ method, url: '/items/%E0%A4%A' })
    t.equal(bad.statusCode, 400)
    t.equal(bad.headers['content-type'], 'application/json')
    t.same(bad.json(), { error: 'Bad Request', code: 'FST_ERR_BAD_URL', message: "'/items/%E0%A4%A' is not a valid url component", statusCode: 400 })
  }
})

t.test('the frameworkErrors server option turns those two answers into the envelope (README recipe)', async (t) => {
  const app = Fastify({
    frameworkErrors (error: FastifyError, _request: FastifyRequest, reply: FastifyReply) {
      reply.code(error.statusCode ?? 400).type('application/json; charset=utf-8').send(JSON.stringify({ status: 'error', error: error.message }))
    }
  })
  t.teardown(() => app.close())
  await app.register(ajaxutils)
  app.get('/items/:id', { config: { ajax: true } }, async () => 'one')
  const long = '/items/' + 'x'.repeat(101)
  const tooLong = await app.inject(long)
  if (fastifyAtLeast('5.9.0')) {
    t.equal(tooLong.statusCode, 414)
    t.equal(tooLong.headers['content-type'], JSON_TYPE)
    t.same(tooLong.json(), { status: 'error', error: `'${long}' is exceeding the max param length` })
  } else {
    // Before 5.9 Fastify has no over-long-parameter error to hand to frameworkErrors: the URL is
    // unknown, and outside an `all` prefix that is Fastify's 404.
    t.equal(tooLong.statusCode, 404)
    t.equal(tooLong.headers['content-type'], JSON_TYPE)
    t.same(tooLong.json(), fastify404('GET', long))
  }
  const bad = await app.inject('/items/%E0%A4%A')
  t.equal(bad.statusCode, 400)
  t.equal(bad.headers['content-type'], JSON_TYPE)
  t.same(bad.json(), { status: 'error', error: "'/items/%E0%A4%A' is not a valid url component" })
})

t.test('router-level 405 works under a prefix', async (t) => {
  const app = await buildApp(t)
  await app.register(async (api) => {
    api.get('/items/:id', { config: { ajax: true } }, async () => 'one')
    api.delete('/items/:id', async () => 'gone')
  }, { prefix: '/api/v1' })
  const res = await app.inject({ method: 'POST', url: '/api/v1/items/3' })
  t.equal(res.statusCode, 405)
  t.equal(res.headers['content-type'], JSON_TYPE)
  t.equal(res.headers.allow, 'DELETE, GET, HEAD')
  t.same(res.json(), METHOD_NOT_ALLOWED)
  const outside = await app.inject({ method: 'POST', url: '/items/3' })
  t.equal(outside.statusCode, 404)
  t.same(outside.json(), fastify404('POST', '/items/3'))
})

t.test('router-level 405 follows the router options (trailing slash, duplicate slashes, case)', async (t) => {
  const app = await buildApp(t, {}, routerSettings({ ignoreTrailingSlash: true, ignoreDuplicateSlashes: true, caseSensitive: false }))
  app.get('/items', { config: { ajax: true } }, async () => 'list')
  for (const url of ['/items/', '//items', '/ITEMS', '/Items?x=1']) {
    const ok = await app.inject({ method: 'GET', url })
    t.equal(ok.statusCode, 200, `GET ${url} matches the route`)
    const res = await app.inject({ method: 'POST', url })
    t.equal(res.statusCode, 405, `POST ${url}`)
    t.equal(res.headers.allow, 'GET, HEAD')
    t.same(res.json(), METHOD_NOT_ALLOWED)
  }
})

t.test('router-level 405 carries requestId when the plugin option asks for it', async (t) => {
  const app = await buildApp(t, { requestId: true }, { genReqId: () => 'rid-405' })
  app.get('/items', { config: { ajax: true } }, async () => 'list')
  const res = await app.inject({ method: 'POST', url: '/items' })
  t.equal(res.statusCode, 405)
  t.same(res.json(), { ...METHOD_NOT_ALLOWED, requestId: 'rid-405' })
})

t.test('the Allow of a router-level 405 lists what the route allows, not every method it is registered for', async (t) => {
  const app = await buildApp(t)
  app.route({ method: ['GET', 'POST'], url: '/both', config: { ajax: { methods: ['GET'] } }, handler: async () => 'x' })
  const post = await app.inject({ method: 'POST', url: '/both' })
  t.equal(post.statusCode, 405)
  t.equal(post.headers.allow, 'GET, HEAD', 'the route-level 405')
  const patch = await app.inject({ method: 'PATCH', url: '/both' })
  t.equal(patch.statusCode, 405)
  t.equal(patch.headers.allow, 'GET, HEAD', 'the router-level 405 names the same methods')
  t.same(patch.json(), METHOD_NOT_ALLOWED)
})

t.test('a constrained ajax route that does not match its constraint stays a 404 for its own method', async (t) => {
  const app = await buildApp(t)
  app.get('/v', { constraints: { version: '1.0.0' }, config: { ajax: true } }, async () => 'v1')
  const matched = await app.inject({ url: '/v', headers: { 'accept-version': '1.x' } })
  t.equal(matched.statusCode, 200)
  t.same(matched.json(), 'v1')
  const unmatched = await app.inject('/v')
  t.equal(unmatched.statusCode, 404)
  t.notOk(unmatched.headers.allow)
  t.same(unmatched.json(), fastify404('GET', '/v'))
})

t.test('a wrong method on a constrained ajax URL gets 405 only when the constraint matches; else Fastify 404', async (t) => {
  const app = await buildApp(t)
  app.get('/v', { constraints: { version: '1.0.0' }, config: { ajax: true } }, async () => 'v1')
  const res = await app.inject({ method: 'POST', url: '/v', headers: { 'accept-version': '1.0.0' } })
  t.equal(res.statusCode, 405)
  t.equal(res.headers['content-type'], JSON_TYPE)
  t.equal(res.headers.allow, 'GET, HEAD')
  t.same(res.json(), METHOD_NOT_ALLOWED)
  const unversioned = await app.inject({ method: 'POST', url: '/v' })
  t.equal(unversioned.statusCode, 404)
  t.notOk(unversioned.headers.allow)
  t.same(unversioned.json(), fastify404('POST', '/v'))
})

t.test('with exposeHeadRoutes: false, a 405 does not claim HEAD is allowed', async (t) => {
  const app = await buildApp(t, {}, { exposeHeadRoutes: false })
  app.get('/items', { config: { ajax: true } }, async () => 'list')
  for (const method of ['HEAD', 'POST'] as const) {
    const res = await app.inject({ method, url: '/items' })
    t.equal(res.statusCode, 405, method)
    t.equal(res.headers.allow, 'GET', method)
  }
})

for (const order of ['before', 'after'] as const) {
  t.test(`@fastify/cors registered ${order} the plugin: preflight answered by cors, router-level 405 carries CORS headers, its catch-all OPTIONS route stays out of Allow`, async (t) => {
    const app = Fastify()
    t.teardown(() => app.close())
    if (order === 'before') await app.register(cors, { origin: true })
    await app.register(ajaxutils)
    if (order === 'after') await app.register(cors, { origin: true })
    app.get('/items', { config: { ajax: true } }, async () => 'list')
    const preflight = await app.inject({ method: 'OPTIONS', url: '/items', headers: { origin: 'http://a.test', 'access-control-request-method': 'GET' } })
    t.equal(preflight.statusCode, 204)
    t.equal(preflight.headers['access-control-allow-origin'], 'http://a.test')
    const post = await app.inject({ method: 'POST', url: '/items', headers: { origin: 'http://a.test' } })
    t.equal(post.statusCode, 405)
    t.equal(post.headers['content-type'], JSON_TYPE)
    t.equal(post.headers.allow, 'GET, HEAD')
    t.same(post.json(), METHOD_NOT_ALLOWED)
    t.equal(post.headers['access-control-allow-origin'], 'http://a.test', 'fetch() from another origin can read the 405')
    const unknown = await app.inject({ url: '/nope', headers: { origin: 'http://a.test' } })
    t.equal(unknown.headers['access-control-allow-origin'], 'http://a.test', 'as it can read a 404')
  })
}

for (const hook of ['preParsing', 'preValidation', 'preHandler'] as const) {
  t.test(`with hook: '${hook}', a wrong method with a broken body on an ajax URL still gets the 405 envelope`, async (t) => {
    const app = await buildApp(t, { hook })
    app.get('/items', { config: { ajax: true } }, async () => 'list')
    for (const [type, payload] of [['application/json', '{bad'], ['text/xml', '<a/>'], ['application/json', '']]) {
      const res = await app.inject({ method: 'POST', url: '/items', headers: { 'content-type': type }, payload })
      t.equal(res.statusCode, 405, `${type} ${JSON.stringify(payload)}`)
      t.equal(res.headers['content-type'], JSON_TYPE)
      t.equal(res.headers.allow, 'GET, HEAD')
      t.same(res.json(), METHOD_NOT_ALLOWED)
    }
  })

  t.test(`with hook: '${hook}', a broken body on a login-required ajax URL answers the envelope in the stage's order, never Fastify's shape`, async (t) => {
    const app = await buildApp(t, { hook })
    app.route({ method: ['GET', 'POST'], url: '/me', config: { ajax: { loginRequired: true, methods: ['GET'] } }, handler: async () => 'me' })
    const bad = { headers: { 'content-type': 'application/json' }, payload: '{bad' }
    // Route level: preParsing checks the login before the body is read; later stages read the body
    // first, and answer Fastify's 400 with Fastify's message (worded by JSON.parse before 5.5).
    const fastify = await bareAnswer(t, (bare) => { bare.post('/me', async () => 'me') }, { method: 'POST', url: '/me', ...bad })
    t.equal(fastify.statusCode, 400)
    if (fastifyAtLeast('5.5.0')) t.equal(fastify.json().message, "Body is not valid JSON but content-type is set to 'application/json'")
    const route = await app.inject({ method: 'POST', url: '/me', ...bad })
    const [status, error] = hook === 'preParsing' ? [401, 'Unauthorized'] : [400, fastify.json().message]
    t.equal(route.statusCode, status)
    t.equal(route.headers['content-type'], JSON_TYPE)
    t.same(route.json(), { status: 'error', error })
    // Router level: always answered before the body; the login check comes first only when it can
    // run that early (a later stage knows the user only after the body was read).
    const router = await app.inject({ method: 'PUT', url: '/me', ...bad })
    t.equal(router.headers['content-type'], JSON_TYPE)
    if (hook === 'preParsing') {
      t.equal(router.statusCode, 401)
      t.same(router.json(), { status: 'error', error: 'Unauthorized' })
    } else {
      t.equal(router.statusCode, 405)
      t.equal(router.headers.allow, 'GET, HEAD')
      t.same(router.json(), METHOD_NOT_ALLOWED)
    }
  })
}

t.test('the app own not-found handler keeps answering unknown URLs, set before or after the plugin', async (t) => {
  for (const order of ['before', 'after'] as const) {
    const app = Fastify()
    t.teardown(() => app.close())
    const notFound = (_request: unknown, reply: { code: (n: number) => { send: (x: unknown) => void } }) => reply.code(404).send({ mine: true })
    if (order === 'before') app.setNotFoundHandler(notFound)
    await app.register(ajaxutils)
    if (order === 'after') app.setNotFoundHandler(notFound)
    app.get('/items', { config: { ajax: true } }, async () => 'list')
    const unknown = await app.inject('/nope')
    t.equal(unknown.statusCode, 404, order)
    t.same(unknown.json(), { mine: true })
    const wrong = await app.inject({ method: 'POST', url: '/items' })
    t.equal(wrong.statusCode, 405, `${order}: 405 still wins over the not-found handler`)
    t.same(wrong.json(), METHOD_NOT_ALLOWED)
  }
})

t.test('under the prefix of an `all` context unknown URLs get the 404 envelope; elsewhere Fastify 404', async (t) => {
  const app = await buildApp(t)
  await app.register(async (api) => {
    await api.register(ajaxutils, { all: true })
    api.get('/users', async () => [])
  }, { prefix: '/api' })
  app.get('/apix', async () => 'not under /api')
  for (const url of ['/api/nope', '/api', '/api/', '/api/users/7', '/api/nope?x=1']) {
    const res = await app.inject(url)
    t.equal(res.statusCode, 404, url)
    t.equal(res.headers['content-type'], JSON_TYPE)
    t.same(res.json(), NOT_FOUND)
  }
  for (const url of ['/apiz', '/API/nope', '/nope']) {
    const res = await app.inject(url)
    t.equal(res.statusCode, 404, url)
    t.same(res.json(), fastify404('GET', url))
  }
  const wrong = await app.inject({ method: 'DELETE', url: '/api/users' })
  t.equal(wrong.statusCode, 405, 'a known URL under the prefix still gets 405')
  t.equal(wrong.headers.allow, 'GET, HEAD')
  t.same(wrong.json(), METHOD_NOT_ALLOWED)
})

t.test('the 404 envelope under an `all` prefix follows that context options (requestId)', async (t) => {
  const app = await buildApp(t, {}, { genReqId: () => 'rid-404' })
  await app.register(async (api) => {
    await api.register(ajaxutils, { all: true, requestId: true })
    api.get('/users', async () => [])
  }, { prefix: '/api' })
  const res = await app.inject('/api/nope')
  t.equal(res.statusCode, 404)
  t.same(res.json(), { ...NOT_FOUND, requestId: 'rid-404' })
})

t.test('a router-level 405 follows the options of the registration nearest the route (requestId)', async (t) => {
  const app = await buildApp(t, {}, { genReqId: () => 'rid-near' })
  await app.register(async (api) => {
    await api.register(ajaxutils, { requestId: true })
    api.get('/users', { config: { ajax: true } }, async () => [])
    api.get('/crash', { config: { ajax: true } }, async () => { throw new Error('secret') })
  }, { prefix: '/api' })
  const crash = await app.inject('/api/crash')
  t.same(crash.json(), { status: 'error', error: 'Internal Server Error', requestId: 'rid-near' }, 'the route answers with the nearest options')
  const wrong = await app.inject({ method: 'POST', url: '/api/users' })
  t.equal(wrong.statusCode, 405)
  t.equal(wrong.headers.allow, 'GET, HEAD')
  t.same(wrong.json(), { ...METHOD_NOT_ALLOWED, requestId: 'rid-near' }, 'so does its router-level 405')
})

t.test('under an `all` prefix the 404 envelope wins over that context own not-found handler', async (t) => {
  const app = await buildApp(t)
  await app.register(async (api) => {
    await api.register(ajaxutils, { all: true })
    api.setNotFoundHandler((_request, reply) => { reply.code(404).type('text/html').send('<h1>Not here</h1>') })
    api.get('/users', async () => [])
  }, { prefix: '/api' })
  const res = await app.inject('/api/nope')
  t.equal(res.statusCode, 404)
  t.equal(res.headers['content-type'], JSON_TYPE)
  t.same(res.json(), NOT_FOUND)
})

t.test('`all` at the root makes every unknown URL the 404 envelope', async (t) => {
  const app = await buildApp(t, { all: true })
  app.get('/items', async () => [])
  app.get('/page', { config: { ajax: false } }, async () => 'page')
  const res = await app.inject('/nope/deeper')
  t.equal(res.statusCode, 404)
  t.equal(res.headers['content-type'], JSON_TYPE)
  t.same(res.json(), NOT_FOUND)
  const wrong = await app.inject({ method: 'POST', url: '/items' })
  t.equal(wrong.statusCode, 405)
  t.equal(wrong.headers.allow, 'GET, HEAD')
  const optedOut = await app.inject({ method: 'POST', url: '/page' })
  t.equal(optedOut.statusCode, 404, 'an opted-out URL is not an ajax URL: no 405')
  t.same(optedOut.json(), fastify404('POST', '/page'), 'and Fastify answers it, as without the plugin')
})

t.test('registered only in an encapsulated context, the plugin still answers a wrong method on its routes\' URLs with 405; other URLs keep Fastify 404', async (t) => {
  const app = Fastify()
  t.teardown(() => app.close())
  await app.register(async (child) => {
    await child.register(ajaxutils)
    child.get('/x', { config: { ajax: true } }, async () => 'x')
    child.get('/crash', { config: { ajax: true } }, async () => { throw new Error('secret') })
  })
  app.get('/outside', async () => 'not seen by the plugin')
  const wrong = await app.inject({ method: 'POST', url: '/x' })
  t.equal(wrong.statusCode, 405)
  t.equal(wrong.headers.allow, 'GET, HEAD')
  t.same(wrong.json(), METHOD_NOT_ALLOWED)
  const outside = await app.inject({ method: 'POST', url: '/outside' })
  t.equal(outside.statusCode, 404)
  t.same(outside.json(), fastify404('POST', '/outside'))
  const crash = await app.inject('/crash')
  t.equal(crash.statusCode, 500, 'the routes themselves are ajax routes')
  t.same(crash.json(), { status: 'error', error: 'Internal Server Error' })
})

t.test('`all` in a prefixed context without the plugin at the root still answers the 404 envelope under its prefix', async (t) => {
  const app = Fastify()
  t.teardown(() => app.close())
  await app.register(async (api) => {
    await api.register(ajaxutils, { all: true })
    api.get('/users', async () => [])
  }, { prefix: '/api' })
  const res = await app.inject('/api/nope')
  t.equal(res.statusCode, 404)
  t.equal(res.headers['content-type'], JSON_TYPE)
  t.same(res.json(), NOT_FOUND)
})

t.test('`all` in a prefixed context without the plugin at the root lets the app set that prefix not-found handler afterwards', async (t) => {
  const app = Fastify()
  t.teardown(() => app.close())
  await app.register(async (api) => {
    await api.register(ajaxutils, { all: true })
    api.setNotFoundHandler((_request, reply) => { reply.code(404).type('text/html').send('<h1>Not here</h1>') })
    api.get('/users', async () => [])
  }, { prefix: '/api' })
  await t.resolves(app.ready(), 'the app starts')
  const res = await app.inject('/api/nope')
  t.equal(res.statusCode, 404)
  t.equal(res.headers['content-type'], JSON_TYPE)
  t.same(res.json(), NOT_FOUND, 'under an `all` prefix the envelope wins, as when the plugin is at the root')
})

t.test('README: the plugin at the root gives router-level 405; `all` under a prefix gives the 404 envelope there', async (t) => {
  const app = Fastify()
  t.teardown(() => app.close())
  await app.register(ajaxutils)
  await app.register(async (api) => {
    await api.register(ajaxutils, { all: true })
    api.get('/users', async () => [{ name: 'ada' }])
  }, { prefix: '/api' })
  app.get('/page', async () => 'not an ajax route')

  const wrong = await app.inject({ method: 'POST', url: '/api/users' })
  t.equal(wrong.statusCode, 405)
  t.equal(wrong.headers['content-type'], JSON_TYPE)
  t.equal(wrong.headers.allow, 'GET, HEAD')
  t.same(wrong.json(), METHOD_NOT_ALLOWED)
  const unknown = await app.inject('/api/nope')
  t.equal(unknown.statusCode, 404)
  t.equal(unknown.headers['content-type'], JSON_TYPE)
  t.same(unknown.json(), NOT_FOUND)
  const outside = await app.inject('/nope')
  t.same(outside.json(), fastify404('GET', '/nope'))
  const page = await app.inject({ method: 'POST', url: '/page' })
  t.same(page.json(), fastify404('POST', '/page'))
})
