// README "Using with other plugins": @fastify/helmet. Its security headers stay on every answer of
// an ajax route: the JSON answers and every error envelope, whichever plugin is registered first.
import helmet from '@fastify/helmet'
import Fastify from 'fastify'
import t from 'tap'
import ajaxutils from '../index'
import { JSON_TYPE } from './helpers'

// What @fastify/helmet sends by default (helmet 8), checked header by header on each answer.
const HELMET_HEADERS = {
  'content-security-policy': "default-src 'self';base-uri 'self';font-src 'self' https: data:;form-action 'self';frame-ancestors 'self';img-src 'self' data:;object-src 'none';script-src 'self';script-src-attr 'none';style-src 'self' https: 'unsafe-inline';upgrade-insecure-requests",
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
  'origin-agent-cluster': '?1',
  'referrer-policy': 'no-referrer',
  'strict-transport-security': 'max-age=31536000; includeSubDomains',
  'x-content-type-options': 'nosniff',
  'x-dns-prefetch-control': 'off',
  'x-download-options': 'noopen',
  'x-frame-options': 'SAMEORIGIN',
  'x-permitted-cross-domain-policies': 'none',
  'x-xss-protection': '0'
}

function helmetHeadersOf (headers: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.keys(HELMET_HEADERS).map((name) => [name, headers[name]]))
}

for (const order of ['before', 'after'] as const) {
  t.test(`@fastify/helmet registered ${order} the plugin: its headers are on JSON answers and on every envelope`, async (t) => {
    const app = Fastify()
    t.teardown(() => app.close())

    if (order === 'before') await app.register(helmet)
    await app.register(ajaxutils)
    if (order === 'after') await app.register(helmet)

    app.get('/status', { config: { ajax: true } }, async () => ({ status: 'pending' }))
    app.get('/me', { config: { ajax: { loginRequired: true } } }, async () => ({ name: 'ann' }))
    app.get('/orders/:id', { config: { ajax: true } }, async () => { throw new ajaxutils.Http404() })
    app.get('/crash', { config: { ajax: true } }, async () => { throw new Error('secret') })
    app.route({ method: ['GET', 'DELETE'], url: '/items', config: { ajax: { requireGET: true } }, handler: async () => [] })

    const cases = [
      ['GET', '/status', 200, { status: 'pending' }, undefined],
      ['GET', '/me', 401, { status: 'error', error: 'Unauthorized' }, undefined],
      ['GET', '/orders/7', 404, { status: 'error', error: 'Not found' }, undefined],
      ['GET', '/crash', 500, { status: 'error', error: 'Internal Server Error' }, undefined],
      ['DELETE', '/items', 405, { status: 'error', error: 'Method not allowed' }, 'GET, HEAD'],
      ['POST', '/status', 405, { status: 'error', error: 'Method not allowed' }, 'GET, HEAD']
    ] as const
    for (const [method, url, status, body, allow] of cases) {
      const res = await app.inject({ method, url })
      t.equal(res.statusCode, status, `${method} ${url}`)
      t.equal(res.headers['content-type'], JSON_TYPE)
      t.equal(res.headers.allow, allow)
      t.same(helmetHeadersOf(res.headers), HELMET_HEADERS, `${method} ${url} keeps the helmet headers`)
      t.same(res.json(), body)
    }
  })
}

t.test('an ajax route with helmet: false answers JSON without the helmet headers', async (t) => {
  const app = Fastify()
  t.teardown(() => app.close())
  await app.register(helmet)
  await app.register(ajaxutils)
  app.get('/embed', { helmet: false, config: { ajax: { loginRequired: true } } }, async () => 'never')
  const res = await app.inject('/embed')
  t.equal(res.statusCode, 401)
  t.equal(res.headers['content-type'], JSON_TYPE)
  t.same(helmetHeadersOf(res.headers), Object.fromEntries(Object.keys(HELMET_HEADERS).map((name) => [name, undefined])))
  t.same(res.json(), { status: 'error', error: 'Unauthorized' })
})
