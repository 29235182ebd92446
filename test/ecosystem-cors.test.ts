// README "Using with other plugins": @fastify/cors. A page on another origin can read every answer
// of an ajax route, error envelopes included: without the CORS headers on a 401 or a 500, fetch()
// only sees a network error and never the envelope.
import cors from '@fastify/cors'
import Fastify from 'fastify'
import t from 'tap'
import ajaxutils from '../index'
import { JSON_TYPE } from './helpers'

const ORIGIN = 'https://app.example'

t.test('@fastify/cors: every envelope of an ajax route carries the CORS headers', async (t) => {
  const app = Fastify()
  t.teardown(() => app.close())

  await app.register(cors, { origin: ['https://app.example'], credentials: true, exposedHeaders: ['WWW-Authenticate'] })
  await app.register(ajaxutils, {
    wwwAuthenticate: 'Bearer',
    csrf: { trustedOrigins: ['https://app.example'] },
    authenticate: async (request) => {
      if (request.headers.authorization !== 'Bearer letmein') throw new Error('no valid token')
    }
  })

  app.post('/notes', {
    config: { ajax: { loginRequired: true } },
    schema: { body: { type: 'object', required: ['text'], properties: { text: { type: 'string' } } } }
  }, async (request) => {
    const { text } = request.body as { text: string }
    if (text === '') return new ajaxutils.JsonResponse('Empty note', { status: 422 })
    if (text === 'crash') throw new Error('disk full on /var/notes')
    return [{ id: 1, text }, 201]
  })
  app.get('/notes/:id', { config: { ajax: { methods: ['GET'] } } }, async () => { throw new ajaxutils.Http404() })

  const user = { origin: ORIGIN, authorization: 'Bearer letmein' }
  const cases = [
    ['created', { method: 'POST', url: '/notes', headers: user, payload: { text: 'hi' } }, 201, { id: 1, text: 'hi' }],
    ['anonymous', { method: 'POST', url: '/notes', headers: { origin: ORIGIN }, payload: { text: 'hi' } }, 401, { status: 'error', error: 'Unauthorized' }],
    ['invalid body', { method: 'POST', url: '/notes', headers: user, payload: {} }, 400, {
      status: 'error',
      error: "body must have required property 'text'",
      details: [{ instancePath: '', schemaPath: '#/required', keyword: 'required', params: { missingProperty: 'text' }, message: "must have required property 'text'" }]
    }],
    ['JsonResponse 422', { method: 'POST', url: '/notes', headers: user, payload: { text: '' } }, 422, { status: 'error', error: 'Empty note' }],
    ['thrown error', { method: 'POST', url: '/notes', headers: user, payload: { text: 'crash' } }, 500, { status: 'error', error: 'Internal Server Error' }],
    ['Http404', { method: 'GET', url: '/notes/9', headers: user }, 404, { status: 'error', error: 'Not found' }],
    ['wrong method', { method: 'DELETE', url: '/notes', headers: user }, 405, { status: 'error', error: 'Method not allowed' }]
  ] as const
  for (const [name, request, status, body] of cases) {
    const res = await app.inject(request)
    t.equal(res.statusCode, status, name)
    t.equal(res.headers['content-type'], JSON_TYPE, `${name}: JSON`)
    t.equal(res.headers['access-control-allow-origin'], ORIGIN, `${name}: the page may read it`)
    t.equal(res.headers['access-control-allow-credentials'], 'true')
    t.equal(res.headers['access-control-expose-headers'], 'WWW-Authenticate')
    t.equal(res.headers.vary, 'Origin')
    t.equal(res.headers['www-authenticate'], status === 401 ? 'Bearer' : undefined)
    t.equal(res.headers.allow, status === 405 ? 'POST' : undefined)
    t.same(res.json(), body)
  }
})

t.test('@fastify/cors answers the preflight of a login-required ajax route; the plugin does not refuse it', async (t) => {
  const app = Fastify()
  t.teardown(() => app.close())
  await app.register(cors, { origin: ORIGIN, credentials: true })
  await app.register(ajaxutils)
  let ran = 0
  app.post('/notes', { config: { ajax: { loginRequired: true } } }, async () => { ran++; return 'saved' })

  const res = await app.inject({
    method: 'OPTIONS',
    url: '/notes',
    headers: { origin: ORIGIN, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization,content-type' }
  })
  t.equal(res.statusCode, 204)
  t.equal(res.headers['access-control-allow-origin'], ORIGIN)
  t.equal(res.headers['access-control-allow-credentials'], 'true')
  t.equal(res.headers['access-control-allow-methods'], 'GET,HEAD,POST')
  t.equal(res.headers['access-control-allow-headers'], 'authorization,content-type')
  t.equal(res.headers['content-type'], undefined)
  t.equal(res.body, '')
  t.equal(ran, 0)
})

t.test('@fastify/cors and `all` under a prefix: the 404 envelope for unknown URLs carries the CORS headers', async (t) => {
  const app = Fastify()
  t.teardown(() => app.close())
  await app.register(cors, { origin: [ORIGIN] })
  await app.register(async (api) => {
    await api.register(ajaxutils, { all: true })
    api.get('/notes', async () => [])
  }, { prefix: '/api' })

  const res = await app.inject({ url: '/api/nope', headers: { origin: ORIGIN } })
  t.equal(res.statusCode, 404)
  t.equal(res.headers['content-type'], JSON_TYPE)
  t.equal(res.headers['access-control-allow-origin'], ORIGIN)
  t.equal(res.headers.vary, 'Origin')
  t.same(res.json(), { status: 'error', error: 'Not found' })
  const wrong = await app.inject({ method: 'PUT', url: '/api/notes', headers: { origin: ORIGIN } })
  t.equal(wrong.statusCode, 405)
  t.equal(wrong.headers['content-type'], JSON_TYPE)
  t.equal(wrong.headers.allow, 'GET, HEAD', 'the catch-all OPTIONS route of @fastify/cors stays out of Allow')
  t.equal(wrong.headers['access-control-allow-origin'], ORIGIN)
  t.same(wrong.json(), { status: 'error', error: 'Method not allowed' })
})
