// With @fastify/compress registered before or after the plugin, every ajax answer is the plugin's
// JSON (the envelope for errors), compressed: checked over a real socket, then decompressed.
import { Readable } from 'node:stream'
import fastifyCompress from '@fastify/compress'
import Fastify, { type FastifyInstance } from 'fastify'
import t from 'tap'
import ajaxutils, { JsonResponse } from '../../index'
import { JSON_TYPE } from '../helpers'
import { listen, send } from './socket'

type Test = Parameters<Parameters<typeof t.test>[1]>[0]

const LONG = 'x'.repeat(2000)
const ITEMS = Array.from({ length: 300 }, (_, index) => `item ${index}`)
const PROBLEM = 'application/problem+json'

async function compressedApp (t: Test, order: 'before' | 'after'): Promise<string> {
  const app = Fastify()
  t.teardown(() => app.close())
  if (order === 'before') await app.register(fastifyCompress)
  await app.register(ajaxutils)
  if (order === 'after') await app.register(fastifyCompress)
  routes(app)
  return listen(app)
}

function routes (app: FastifyInstance): void {
  const ajax = { config: { ajax: true } }
  app.get('/text', ajax, async () => LONG)
  app.get('/sent-text', ajax, (_request, reply) => { reply.send(LONG) })
  app.get('/data', ajax, async () => ({ items: ITEMS }))
  app.get('/tuple', ajax, async () => [LONG, 201])
  app.get('/json-response', ajax, async () => new JsonResponse(LONG, { status: 422 }))
  app.get('/code-text', ajax, async (_request, reply) => reply.code(400).send(LONG))
  app.get('/code-data', ajax, async (_request, reply) => reply.code(422).send({ items: ITEMS }))
  app.get('/thrown', ajax, async () => { throw Object.assign(new Error(LONG), { statusCode: 409 }) })
  app.get('/crash', ajax, async () => { throw new Error('secret') })
  app.get('/stream', ajax, async (_request, reply) => reply.type('application/json').send(Readable.from([JSON.stringify({ items: ITEMS })])))
  app.get('/untyped-stream', ajax, async () => Readable.from([JSON.stringify({ items: ITEMS })]))
  app.get('/buffer', ajax, async () => Buffer.from(JSON.stringify({ items: ITEMS })))
  app.get('/json-text', ajax, async (_request, reply) => reply.type('application/json').send(JSON.stringify({ items: ITEMS })))
  app.get('/hook-text', { ...ajax, preHandler: (_request, reply, _done) => { reply.code(403).send(LONG) } }, async () => 'never')
  app.get('/redirect', ajax, async (_request, reply) => reply.code(301).header('location', '/elsewhere').send(LONG))
  app.get('/plain', async () => LONG)
}

interface Case { url: string, status: number, body: unknown, type: string | undefined, compressed: boolean, accept?: string }

const CASES: Case[] = [
  { url: '/text', status: 200, body: LONG, type: JSON_TYPE, compressed: true },
  { url: '/sent-text', status: 200, body: LONG, type: JSON_TYPE, compressed: true },
  { url: '/data', status: 200, body: { items: ITEMS }, type: JSON_TYPE, compressed: true },
  { url: '/tuple', status: 201, body: LONG, type: JSON_TYPE, compressed: true },
  { url: '/json-response', status: 422, body: { status: 'error', error: LONG }, type: JSON_TYPE, compressed: true },
  { url: '/code-text', status: 400, body: { status: 'error', error: LONG }, type: JSON_TYPE, compressed: true },
  {
    url: '/code-text',
    status: 400,
    accept: PROBLEM,
    body: { type: 'about:blank', title: 'Bad Request', status: 400, detail: LONG, instance: '/code-text' },
    type: PROBLEM,
    compressed: true
  },
  { url: '/code-data', status: 422, body: { status: 'error', error: { items: ITEMS } }, type: JSON_TYPE, compressed: true },
  { url: '/thrown', status: 409, body: { status: 'error', error: LONG }, type: JSON_TYPE, compressed: true },
  // Shorter than compress's threshold (1024 bytes): it leaves as it is.
  { url: '/crash', status: 500, body: { status: 'error', error: 'Internal Server Error' }, type: JSON_TYPE, compressed: false },
  { url: '/stream', status: 200, body: { items: ITEMS }, type: 'application/json', compressed: true },
  // Streams and Buffers are final bytes, typed as Fastify types them.
  { url: '/untyped-stream', status: 200, body: { items: ITEMS }, type: undefined, compressed: true },
  { url: '/buffer', status: 200, body: { items: ITEMS }, type: 'application/octet-stream', compressed: true },
  { url: '/json-text', status: 200, body: { items: ITEMS }, type: JSON_TYPE, compressed: true },
  { url: '/hook-text', status: 403, body: { status: 'error', error: LONG }, type: JSON_TYPE, compressed: true },
  { url: '/redirect', status: 401, body: { status: 'error', error: 'Unauthorized' }, type: JSON_TYPE, compressed: false }
]

for (const order of ['before', 'after'] as const) {
  for (const encoding of ['gzip', 'br']) {
    t.test(`@fastify/compress registered ${order} the plugin: every ajax answer is the plugin's JSON, ${encoding}-compressed`, async (t) => {
      const origin = await compressedApp(t, order)
      for (const { url, status, body, type, compressed, accept } of CASES) {
        const name = accept === undefined ? url : `${url} (${accept})`
        const res = await send(origin, url, { headers: { 'accept-encoding': encoding, ...(accept === undefined ? {} : { accept }) } })
        t.equal(res.status, status, `${name}: status`)
        t.equal(res.headers['content-type'], type, `${name}: content type`)
        t.equal(res.headers['content-encoding'], compressed ? encoding : undefined, `${name}: content-encoding`)
        t.equal(res.headers.location, undefined, `${name}: no location`)
        t.equal(res.body, JSON.stringify(body), `${name}: body`)
      }
      // A route the plugin does not own keeps Fastify's text/plain.
      const plain = await send(origin, '/plain', { headers: { 'accept-encoding': encoding } })
      t.equal(plain.status, 200)
      t.equal(plain.headers['content-type'], 'text/plain; charset=utf-8')
      t.equal(plain.headers['content-encoding'], encoding)
      t.equal(plain.body, LONG)
    })
  }

  t.test(`@fastify/compress registered ${order} the plugin: without Accept-Encoding nothing is compressed`, async (t) => {
    const origin = await compressedApp(t, order)
    for (const { url, status, body, type, accept } of CASES) {
      const res = await send(origin, url, { headers: accept === undefined ? {} : { accept } })
      t.equal(res.status, status, `${url}: status`)
      t.equal(res.headers['content-type'], type, `${url}: content type`)
      t.equal(res.headers['content-encoding'], undefined, `${url}: content-encoding`)
      t.equal(res.body, JSON.stringify(body), `${url}: body`)
    }
  })
}
