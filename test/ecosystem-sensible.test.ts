// README "Using with other plugins": @fastify/sensible. Its httpErrors and reply helpers
// answer as the error envelope on ajax routes: a 4xx keeps its message, a 5xx sends only its reason
// phrase (the message may hold secrets; it is logged).
import sensible from '@fastify/sensible'
import Fastify from 'fastify'
import t from 'tap'
import ajaxutils from '../index'
import { JSON_TYPE } from './helpers'

const orders = new Map([[1, { id: 1, total: 42 }]])

async function findOrder (id: number) {
  return orders.get(id)
}

t.test('@fastify/sensible: httpErrors become envelopes, 4xx with their message, 5xx masked', async (t) => {
  const app = Fastify()
  t.teardown(() => app.close())

  await app.register(sensible)
  await app.register(ajaxutils)

  app.get('/orders/:id', { config: { ajax: true } }, async (request) => {
    const { id } = request.params as { id: string }
    if (!/^\d+$/.test(id)) throw app.httpErrors.badRequest('id must be a number')
    const order = await findOrder(Number(id))
    if (order === undefined) throw app.httpErrors.notFound('No such order')
    return order
  })
  app.delete('/orders/:id', { config: { ajax: true } }, async (_request, reply) => {
    return reply.conflict('Shipped orders cannot be deleted')
  })
  app.get('/reports', { config: { ajax: true } }, async () => {
    throw app.httpErrors.serviceUnavailable('reporting db down at 10.0.0.7')
  })

  const cases = [
    ['GET', '/orders/1', 200, { id: 1, total: 42 }],
    ['GET', '/orders/abc', 400, { status: 'error', error: 'id must be a number' }],
    ['GET', '/orders/2', 404, { status: 'error', error: 'No such order' }],
    ['DELETE', '/orders/1', 409, { status: 'error', error: 'Shipped orders cannot be deleted' }],
    ['GET', '/reports', 503, { status: 'error', error: 'Service Unavailable' }]
  ] as const
  for (const [method, url, status, body] of cases) {
    const res = await app.inject({ method, url })
    t.equal(res.statusCode, status, `${method} ${url}`)
    t.equal(res.headers['content-type'], JSON_TYPE)
    t.same(res.json(), body)
  }
  const report = await app.inject('/reports')
  t.notMatch(report.body, /10\.0\.0\.7|reporting db/, 'the 5xx message is not sent')
})

t.test('@fastify/sensible registered after the plugin works the same', async (t) => {
  const app = Fastify()
  t.teardown(() => app.close())
  await app.register(ajaxutils)
  await app.register(sensible)
  app.get('/teapot', { config: { ajax: true } }, async (_request, reply) => reply.imateapot('Coffee is elsewhere'))
  app.get('/busy', { config: { ajax: true } }, async (_request, reply) => reply.internalServerError('stack trace here'))
  const teapot = await app.inject('/teapot')
  t.equal(teapot.statusCode, 418)
  t.equal(teapot.headers['content-type'], JSON_TYPE)
  t.same(teapot.json(), { status: 'error', error: 'Coffee is elsewhere' })
  const busy = await app.inject('/busy')
  t.equal(busy.statusCode, 500)
  t.equal(busy.headers['content-type'], JSON_TYPE)
  t.same(busy.json(), { status: 'error', error: 'Internal Server Error' })
})

t.test('@fastify/sensible errors on routes that are not ajax routes keep Fastify\'s own answer', async (t) => {
  const app = Fastify()
  t.teardown(() => app.close())
  await app.register(sensible)
  await app.register(ajaxutils)
  app.get('/page', async () => { throw app.httpErrors.notFound('No such page') })
  const res = await app.inject('/page')
  t.equal(res.statusCode, 404)
  t.equal(res.headers['content-type'], JSON_TYPE)
  t.same(res.json(), { statusCode: 404, error: 'Not Found', message: 'No such page' })
})
