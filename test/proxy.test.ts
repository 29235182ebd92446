import compress from '@fastify/compress'
import proxy from '@fastify/http-proxy'
import { Readable } from 'node:stream'
import Fastify, { type FastifyInstance } from 'fastify'
import t from 'tap'
import ajaxutils from '../index'
import { JSON_TYPE } from './helpers'

// @fastify/http-proxy in and out of an `all` context, over real sockets, against a real upstream.
// The rule for bytes and streams with an error status on an ajax route: sent as they are when
// typed JSON, else the envelope with the status's reason phrase; a redirect is the 401 envelope.

/** An upstream with an HTML error page, a redirect, JSON data and a JSON error. */
async function upstream (t: Tap.Test): Promise<string> {
  const app = Fastify()
  t.teardown(() => app.close())
  app.get('/page-error', async (_request, reply) => reply.code(502).type('text/html').send('<h1>Upstream is down: secret-host</h1>'))
  app.get('/moved', async (_request, reply) => reply.redirect('/login'))
  app.get('/data', async () => ({ ok: true }))
  app.get('/json-error', async (_request, reply) => reply.code(404).send({ message: 'No such thing' }))
  app.get('/empty-error', async (_request, reply) => reply.code(503).send())
  return app.listen({ port: 0, host: '127.0.0.1' })
}

declare namespace Tap { type Test = Parameters<Parameters<typeof t.test>[1] & ((t: never) => unknown)>[0] }

async function listen (t: Tap.Test, app: FastifyInstance): Promise<string> {
  t.teardown(() => app.close())
  return app.listen({ port: 0, host: '127.0.0.1' })
}

interface Answer { status: number, type: string | null, location: string | null, body: string }

async function get (url: string): Promise<Answer> {
  const res = await fetch(url, { redirect: 'manual' })
  return { status: res.status, type: res.headers.get('content-type'), location: res.headers.get('location'), body: await res.text() }
}

t.test('a proxy inside an `all` context: error pages become the envelope, redirects 401, JSON passes', async (t) => {
  const target = await upstream(t)
  const app = Fastify()
  await app.register(async (api) => {
    await api.register(ajaxutils, { all: true })
    await api.register(proxy, { upstream: target, prefix: '/up' })
  }, { prefix: '/api' })
  const base = await listen(t, app)

  t.same(await get(`${base}/api/up/page-error`), { status: 502, type: JSON_TYPE, location: null, body: '{"status":"error","error":"Bad Gateway"}' })
  t.same(await get(`${base}/api/up/moved`), { status: 401, type: JSON_TYPE, location: null, body: '{"status":"error","error":"Unauthorized"}' })
  t.same(await get(`${base}/api/up/data`), { status: 200, type: JSON_TYPE, location: null, body: '{"ok":true}' })
  t.same(await get(`${base}/api/up/json-error`), { status: 404, type: JSON_TYPE, location: null, body: '{"message":"No such thing"}' })
  t.same(await get(`${base}/api/up/empty-error`), { status: 503, type: JSON_TYPE, location: null, body: '{"status":"error","error":"Service Unavailable"}' })
})

t.test('a proxy opted out of `all` (config.ajax: false) passes every upstream answer as it is', async (t) => {
  const target = await upstream(t)
  const app = Fastify()
  await app.register(async (api) => {
    await api.register(ajaxutils, { all: true })
    await api.register(proxy, { upstream: target, prefix: '/up', config: { ajax: false } })
  }, { prefix: '/api' })
  const base = await listen(t, app)

  t.same(await get(`${base}/api/up/page-error`), { status: 502, type: 'text/html', location: null, body: '<h1>Upstream is down: secret-host</h1>' })
  t.same(await get(`${base}/api/up/moved`), { status: 302, type: null, location: '/api/up/login', body: '' })
  t.same(await get(`${base}/api/up/data`), { status: 200, type: JSON_TYPE, location: null, body: '{"ok":true}' })
  t.same(await get(`${base}/api/up/json-error`), { status: 404, type: JSON_TYPE, location: null, body: '{"message":"No such thing"}' })
})

t.test('a proxy outside the `all` context is untouched, beside ajax routes of the same app', async (t) => {
  const target = await upstream(t)
  const app = Fastify()
  await app.register(ajaxutils)
  app.get('/api/me', { config: { ajax: true } }, async () => ({ me: 'ada' }))
  await app.register(proxy, { upstream: target, prefix: '/up' })
  const base = await listen(t, app)

  t.same(await get(`${base}/up/page-error`), { status: 502, type: 'text/html', location: null, body: '<h1>Upstream is down: secret-host</h1>' })
  t.same(await get(`${base}/up/moved`), { status: 302, type: null, location: '/up/login', body: '' }, 'http-proxy rewrites the location')
  t.same(await get(`${base}/api/me`), { status: 200, type: JSON_TYPE, location: null, body: '{"me":"ada"}' })
})

t.test('the stream rule with @fastify/compress before the plugin: an encoded error stream becomes the plain envelope', async (t) => {
  const app = Fastify()
  await app.register(compress, { threshold: 10 })
  await app.register(ajaxutils)
  app.get('/long', { config: { ajax: true } }, async (_request, reply) => reply.code(400).type('text/html').send(Readable.from([`<p>${'x'.repeat(2000)}</p>`])))
  const base = await listen(t, app)
  const res = await fetch(`${base}/long`, { headers: { 'accept-encoding': 'gzip' } })
  t.equal(res.status, 400)
  t.equal(res.headers.get('content-type'), JSON_TYPE)
  t.equal(res.headers.get('content-encoding'), null)
  t.same(await res.json(), { status: 'error', error: 'Bad Request' })
})
