// The plugin reads a reply's content type from where Fastify keeps the reply's headers
// (lib/fastify-internals.ts). If a Fastify update moves them, the first test here fails first.
import Fastify, { type FastifyReply } from 'fastify'
import t from 'tap'
import { createContentTypeReader, fastifySymbol, REPLY_HEADERS } from '../lib/fastify-internals'
import { buildApp, expectAnswer } from './helpers'

t.test('Fastify keeps a reply\'s headers by lower-case name in an object under its symbol', async (t) => {
  const app = Fastify()
  t.teardown(() => app.close())
  let headers: unknown
  app.get('/', async (_request, reply) => {
    const key = fastifySymbol(reply, REPLY_HEADERS)
    t.type(key, 'symbol', `a reply has a symbol described '${REPLY_HEADERS}'`)
    reply.header('Content-Type', 'application/hal+json').header('X-Trace', 'a1')
    headers = { ...(reply as unknown as Record<symbol, object>)[key as symbol] }
    return { ok: true }
  })
  await expectAnswer(t, app, '/', { status: 200, type: 'application/hal+json; charset=utf-8', headers: { 'x-trace': 'a1' }, body: '{"ok":true}' })
  t.strictSame(headers, { 'content-type': 'application/hal+json', 'x-trace': 'a1' })
})

t.test('the reader gives what reply.getHeader() gives for a type set on the reply, or none', async (t) => {
  const app = Fastify()
  t.teardown(() => app.close())
  const reader = createContentTypeReader()
  // A description Fastify has no symbol for: the reader falls back to reply.getHeader().
  const fallback = createContentTypeReader('no such symbol')
  const seen: unknown[][] = []
  const read = (reply: FastifyReply): void => {
    seen.push([reader(reply), fallback(reply), reply.getHeader('content-type')])
  }
  app.get('/', async (_request, reply) => {
    read(reply)
    reply.type('text/html')
    read(reply)
    reply.header('CONTENT-TYPE', 'application/problem+json')
    read(reply)
    reply.headers({ 'Content-Type': 'text/csv', 'X-Other': '1' })
    read(reply)
    reply.removeHeader('Content-Type')
    read(reply)
    return 'done'
  })
  app.get('/raw', async (_request, reply) => {
    reply.raw.setHeader('Content-Type', 'text/csv')
    read(reply)
    return 'done'
  })
  app.get('/failed', async (_request, reply) => {
    reply.type('text/html')
    throw new Error('fails after typing')
  })
  app.setErrorHandler((_error, _request, reply) => {
    // Fastify drops the failed answer's content type before the error handler runs.
    read(reply)
    reply.code(500).send('failed')
  })
  await expectAnswer(t, app, '/', { status: 200, type: 'text/plain; charset=utf-8', body: 'done' })
  await expectAnswer(t, app, '/raw', { status: 200, type: 'text/csv', body: 'done' })
  await expectAnswer(t, app, '/failed', { status: 500, type: 'text/plain; charset=utf-8', body: 'failed' })
  t.strictSame(seen, [
    [undefined, undefined, undefined],
    ['text/html', 'text/html', 'text/html'],
    ['application/problem+json', 'application/problem+json', 'application/problem+json'],
    ['text/csv', 'text/csv', 'text/csv'],
    [undefined, undefined, undefined],
    // Set on Node's response, not the reply: the reader does not see it; getHeader() does.
    [undefined, 'text/csv', 'text/csv'],
    [undefined, undefined, undefined]
  ])
})

t.test('data returned after a content type was set on reply.raw is answered as JSON, typed by the plugin', async (t) => {
  const app = await buildApp(t)
  app.get('/raw-hal', { config: { ajax: true } }, async (_request, reply) => {
    reply.raw.setHeader('Content-Type', 'application/hal+json')
    return { _links: {} }
  })
  await expectAnswer(t, app, '/raw-hal', { status: 200, body: '{"_links":{}}' })
})

t.test('text, Buffers and errors sent after a content type was set on reply.raw answer as before', async (t) => {
  const app = await buildApp(t)
  const ajax = { config: { ajax: true } }
  app.get('/raw-text', ajax, async (_request, reply) => {
    reply.raw.setHeader('Content-Type', 'text/plain')
    return 'plain words'
  })
  app.get('/raw-json-text', ajax, async (_request, reply) => {
    reply.raw.setHeader('Content-Type', 'application/json')
    return '{"a":1}'
  })
  app.get('/raw-json-error', ajax, async (_request, reply) => {
    reply.raw.setHeader('Content-Type', 'application/json')
    return reply.code(400).send('{"field":"name"}')
  })
  app.get('/raw-png', ajax, async (_request, reply) => {
    reply.raw.setHeader('Content-Type', 'image/png')
    return Buffer.from('png')
  })
  await expectAnswer(t, app, '/raw-text', { status: 200, body: '"plain words"' })
  await expectAnswer(t, app, '/raw-json-text', { status: 200, body: '{"a":1}' })
  await expectAnswer(t, app, '/raw-json-error', { status: 400, body: '{"status":"error","error":{"field":"name"}}' })
  await expectAnswer(t, app, '/raw-png', { status: 200, type: 'image/png', body: 'png' })
})
