// Corners of the core that the feature files do not reach on their way.
import Fastify from 'fastify'
import t from 'tap'
import ajaxutils from '../index'
import { buildApp, JSON_TYPE } from './helpers'

t.test('a status without a reason phrase answers the problem title Error', async (t) => {
  const app = await buildApp(t)
  app.get('/odd', { config: { ajax: true } }, async () => new ajaxutils.JsonResponse('odd', { status: 599 }))
  const res = await app.inject({ url: '/odd', headers: { accept: 'application/problem+json' } })
  t.equal(res.statusCode, 599)
  t.equal(res.headers['content-type'], 'application/problem+json')
  t.same(res.json(), { type: 'about:blank', title: 'Error', status: 599, detail: 'odd', instance: '/odd' })
})

t.test('an error without a status of its own after an auth layer set 403 answers 403 Forbidden', async (t) => {
  const app = await buildApp(t)
  app.get('/admin', {
    config: { ajax: true },
    preHandler: (_request, reply, done) => {
      reply.code(403)
      done(new Error('role "guest" may not see /admin'))
    }
  }, async () => 'never')
  const res = await app.inject('/admin')
  t.equal(res.statusCode, 403)
  t.equal(res.headers['content-type'], JSON_TYPE)
  t.same(res.json(), { status: 'error', error: 'Forbidden' })
})

t.test('an ajax route with a path Fastify refuses fails with Fastify\'s own error', async (t) => {
  const app = await buildApp(t)
  t.throws(() => app.get('/items/:id(^[)', { config: { ajax: true } }, async () => 'x'), { message: /Invalid regular expression/ })
})

t.test('all in a prefixed context whose not-found handler the app set first still answers the 404 envelope there', async (t) => {
  const app = Fastify()
  t.teardown(() => app.close())
  await app.register(async (api) => {
    api.setNotFoundHandler((_request, reply) => { reply.code(404).type('text/html').send('<h1>Not here</h1>') })
    await api.register(ajaxutils, { all: true })
    api.get('/users', async () => [])
  }, { prefix: '/api' })
  const res = await app.inject('/api/nope')
  t.equal(res.statusCode, 404)
  t.equal(res.headers['content-type'], JSON_TYPE)
  t.same(res.json(), { status: 'error', error: 'Not found' })
})

t.test('the Allow of router-level 405s is remembered for a bounded number of paths', async (t) => {
  const app = await buildApp(t)
  app.get('/items/:id', { config: { ajax: true } }, async () => ({}))
  app.put('/items/7', async () => 'seven')
  for (let id = 0; id < 1001; id++) {
    const res = await app.inject({ method: 'DELETE', url: `/items/${id}` })
    if (res.statusCode !== 405) t.fail(`DELETE /items/${id} answered ${res.statusCode}`)
  }
  const seven = await app.inject({ method: 'DELETE', url: '/items/7' })
  t.equal(seven.statusCode, 405)
  t.equal(seven.headers.allow, 'GET, HEAD, PUT')
  const other = await app.inject({ method: 'DELETE', url: '/items/8' })
  t.equal(other.headers.allow, 'GET, HEAD')
})
