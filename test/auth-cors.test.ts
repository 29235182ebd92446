// Login checks with @fastify/cors, started as its README says: a browser's preflight for a login-required
// ajax route must succeed, and the 401 of the real call must carry the CORS headers, or the page's
// fetch() sees a network error instead of the 401 envelope.
import cors from '@fastify/cors'
import jwt from '@fastify/jwt'
import Fastify from 'fastify'
import t, { type Test } from 'tap'
import ajaxutils from '../index'
import { JSON_TYPE } from './helpers'

const ORIGIN = 'https://app.example'
const UNAUTHORIZED = { status: 'error', error: 'Unauthorized' }

async function corsApp (t: Test, pluginOptions: ajaxutils.AjaxutilsOptions = {}, corsOptions: Record<string, unknown> = {}) {
  const app = Fastify()
  t.teardown(() => app.close())
  await app.register(cors, { origin: ORIGIN, credentials: true, methods: ['GET', 'POST', 'DELETE'], ...corsOptions })
  // The page on ORIGIN is the app's own front end: its non-safe calls pass the cross-origin check.
  await app.register(ajaxutils, {
    authenticate: async (request) => { if (request.headers.authorization !== 'Bearer good') throw new Error('bad token') },
    csrf: { trustedOrigins: [ORIGIN] },
    ...pluginOptions
  })
  let handled = 0
  app.get('/me', { config: { ajax: { loginRequired: true } } }, async () => { handled++; return { name: 'ann' } })
  app.post('/notes', { config: { ajax: { loginRequired: true, requirePOST: true } } }, async () => { handled++; return 'saved' })
  return { app, handled: () => handled }
}

function preflight (url: string, method: string) {
  return {
    method: 'OPTIONS' as const,
    url,
    headers: { origin: ORIGIN, 'access-control-request-method': method, 'access-control-request-headers': 'authorization,content-type' }
  }
}

t.test('README recipe: @fastify/cors with @fastify/jwt bearer tokens from another origin', async (t) => {
  const app = Fastify()
  t.teardown(() => app.close())

  await app.register(cors, { origin: 'https://app.example', allowedHeaders: ['authorization', 'content-type'] })
  await app.register(jwt, { secret: 'supersecret' })
  await app.register(ajaxutils, { authenticate: (request) => request.jwtVerify(), wwwAuthenticate: 'Bearer' })

  app.get('/me', { config: { ajax: { loginRequired: true } } }, async (request) => ({ user: request.user }))

  const pre = await app.inject(preflight('/me', 'GET'))
  t.equal(pre.statusCode, 204)
  t.equal(pre.headers['access-control-allow-origin'], ORIGIN)
  t.equal(pre.headers['access-control-allow-headers'], 'authorization, content-type')
  const refused = await app.inject({ url: '/me', headers: { origin: ORIGIN } })
  t.equal(refused.statusCode, 401)
  t.equal(refused.headers['access-control-allow-origin'], ORIGIN)
  t.equal(refused.headers['www-authenticate'], 'Bearer')
  t.same(refused.json(), UNAUTHORIZED)
  const ok = await app.inject({ url: '/me', headers: { origin: ORIGIN, authorization: `Bearer ${app.jwt.sign({ sub: 'ann' })}` } })
  t.equal(ok.statusCode, 200)
  t.equal(ok.headers['access-control-allow-origin'], ORIGIN)
  t.equal((ok.json() as { user: { sub: string } }).user.sub, 'ann')
})

t.test('a browser preflight for a login-required route succeeds with the CORS headers', async (t) => {
  const { app, handled } = await corsApp(t)
  for (const [url, method] of [['/me', 'GET'], ['/notes', 'POST']]) {
    const res = await app.inject(preflight(url, method))
    t.equal(res.statusCode, 204, `${method} ${url}: 204`)
    t.equal(res.headers['access-control-allow-origin'], ORIGIN)
    t.equal(res.headers['access-control-allow-credentials'], 'true')
    t.equal(res.headers['access-control-allow-methods'], 'GET, POST, DELETE')
    t.equal(res.headers['access-control-allow-headers'], 'authorization,content-type')
    t.equal(res.headers.vary, 'Access-Control-Request-Headers')
    t.equal(res.headers['www-authenticate'], undefined)
    t.equal(res.body, '')
  }
  t.equal(handled(), 0)
})

t.test('the real call without credentials gets the 401 envelope with the CORS headers', async (t) => {
  const { app, handled } = await corsApp(t, { wwwAuthenticate: 'Bearer' })
  for (const request of [
    { method: 'GET' as const, url: '/me', headers: { origin: ORIGIN } },
    { method: 'POST' as const, url: '/notes', headers: { origin: ORIGIN, authorization: 'Bearer stolen' }, payload: { note: 'x' } }
  ]) {
    const res = await app.inject(request)
    t.equal(res.statusCode, 401, `${request.method} ${request.url}: 401`)
    t.equal(res.headers['content-type'], JSON_TYPE)
    t.equal(res.headers['access-control-allow-origin'], ORIGIN)
    t.equal(res.headers['access-control-allow-credentials'], 'true')
    t.equal(res.headers['www-authenticate'], 'Bearer')
    t.same(res.json(), UNAUTHORIZED)
  }
  const ok = await app.inject({ url: '/me', headers: { origin: ORIGIN, authorization: 'Bearer good' } })
  t.equal(ok.statusCode, 200)
  t.equal(ok.headers['access-control-allow-origin'], ORIGIN)
  t.same(ok.json(), { name: 'ann' })
  t.equal(handled(), 1)
})

t.test('a POST from an origin the plugin does not trust gets the 403 envelope with the CORS headers, before the login check', async (t) => {
  const { app, handled } = await corsApp(t, { csrf: {} })
  for (const headers of [{ origin: ORIGIN }, { origin: ORIGIN, 'sec-fetch-site': 'same-site', authorization: 'Bearer good' }]) {
    const res = await app.inject({ method: 'POST', url: '/notes', headers, payload: { note: 'x' } })
    t.equal(res.statusCode, 403)
    t.equal(res.headers['content-type'], JSON_TYPE)
    t.equal(res.headers['access-control-allow-origin'], ORIGIN, 'the page can read the refusal')
    t.equal(res.headers['access-control-allow-credentials'], 'true')
    t.same(res.json(), { status: 'error', error: 'Cross-origin request refused' })
  }
  t.equal(handled(), 0)
})

t.test('the 405 of a logged-in call with the wrong method also carries the CORS headers', async (t) => {
  const { app } = await corsApp(t)
  app.route({ method: ['GET', 'DELETE'], url: '/items', config: { ajax: { loginRequired: true, requireGET: true } }, handler: async () => [] })
  const res = await app.inject({ method: 'DELETE', url: '/items', headers: { origin: ORIGIN, authorization: 'Bearer good' } })
  t.equal(res.statusCode, 405)
  t.equal(res.headers.allow, 'GET, HEAD')
  t.equal(res.headers['access-control-allow-origin'], ORIGIN)
  t.same(res.json(), { status: 'error', error: 'Method not allowed' })
})

t.test('with all: { loginRequired: true } the preflight still succeeds: @fastify/cors answers it in its own onRequest hook', async (t) => {
  const app = Fastify()
  t.teardown(() => app.close())
  await app.register(ajaxutils, { all: { loginRequired: true } })
  await app.register(cors, { origin: ORIGIN })
  let handled = 0
  app.get('/me', async () => { handled++; return 'me' })
  const res = await app.inject(preflight('/me', 'GET'))
  t.equal(res.statusCode, 204)
  t.equal(res.headers['access-control-allow-origin'], ORIGIN)
  t.equal(res.body, '')
  const real = await app.inject({ url: '/me', headers: { origin: ORIGIN } })
  t.equal(real.statusCode, 401)
  t.equal(real.headers['access-control-allow-origin'], ORIGIN)
  t.same(real.json(), UNAUTHORIZED)
  t.equal(handled, 0)
})

t.test('@fastify/cors in a later stage than the checks leaves the CORS headers off the 401: keep its hook at or before the plugin\'s', async (t) => {
  const late = await corsApp(t, {}, { hook: 'preHandler' })
  const refused = await late.app.inject({ url: '/me', headers: { origin: ORIGIN } })
  t.equal(refused.statusCode, 401)
  t.equal(refused.headers['access-control-allow-origin'], undefined, 'the browser would report a CORS error, not the 401')
  t.same(refused.json(), UNAUTHORIZED)

  const same = await corsApp(t, { hook: 'preHandler' }, { hook: 'preHandler' })
  const fixed = await same.app.inject({ url: '/me', headers: { origin: ORIGIN } })
  t.equal(fixed.statusCode, 401)
  t.equal(fixed.headers['access-control-allow-origin'], ORIGIN, 'app-level hooks of a stage run before the plugin\'s check')
  t.same(fixed.json(), UNAUTHORIZED)
})
