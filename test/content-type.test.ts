// The plugin reads a reply's content type from where Fastify keeps the reply's headers
// (lib/content-type.ts). If a Fastify update moves them, the first test here fails first.
import Fastify, { type FastifyReply } from 'fastify'
import t from 'tap'
import { createContentTypeReader, REPLY_HEADERS } from '../lib/content-type'
import { fastifySymbol } from '../lib/not-found-contexts'
import { buildApp, JSON_TYPE } from './helpers'

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
  const res = await app.inject('/')
  t.equal(res.statusCode, 200)
  t.same(headers, { 'content-type': 'application/hal+json', 'x-trace': 'a1' })
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
    return 'done'
  })
  app.get('/raw', async (_request, reply) => {
    reply.raw.setHeader('Content-Type', 'text/csv')
    read(reply)
    return 'done'
  })
  t.equal((await app.inject('/')).body, 'done')
  t.equal((await app.inject('/raw')).body, 'done')
  t.same(seen, [
    [undefined, undefined, undefined],
    ['text/html', 'text/html', 'text/html'],
    ['application/problem+json', 'application/problem+json', 'application/problem+json'],
    // Set on Node's response, not the reply: the reader does not see it; getHeader() does.
    [undefined, 'text/csv', 'text/csv']
  ])
})

t.test('a content type set on reply.raw leaves the answer JSON: the reply\'s own type is written over it', async (t) => {
  const app = await buildApp(t)
  app.get('/raw-hal', { config: { ajax: true } }, async (_request, reply) => {
    reply.raw.setHeader('Content-Type', 'application/hal+json')
    return { _links: {} }
  })
  app.get('/raw-text', { config: { ajax: true } }, async (_request, reply) => {
    reply.raw.setHeader('Content-Type', 'text/plain')
    return 'plain words'
  })
  const hal = await app.inject('/raw-hal')
  t.equal(hal.statusCode, 200)
  t.equal(hal.headers['content-type'], JSON_TYPE)
  t.equal(hal.body, '{"_links":{}}')
  const text = await app.inject('/raw-text')
  t.equal(text.statusCode, 200)
  t.equal(text.headers['content-type'], JSON_TYPE)
  t.equal(text.body, '"plain words"')
})
