// @fastify/etag hashes what leaves: on an ajax route that is the plugin's JSON, so a conditional
// request with the ETag gets 304, registered before or after the plugin.
import { createHash } from 'node:crypto'
import { Readable } from 'node:stream'
import fastifyEtag from '@fastify/etag'
import Fastify from 'fastify'
import t from 'tap'
import ajaxutils from '../../index'
import { JSON_TYPE } from '../helpers'
import { listen, send } from './socket'

type Test = Parameters<Parameters<typeof t.test>[1]>[0]

function etagOf (body: string): string {
  return '"' + createHash('sha1').update(body).digest('base64') + '"'
}

async function etagApp (t: Test, order: 'before' | 'after'): Promise<string> {
  const app = Fastify()
  t.teardown(() => app.close())
  if (order === 'before') await app.register(fastifyEtag)
  await app.register(ajaxutils)
  if (order === 'after') await app.register(fastifyEtag)
  const ajax = { config: { ajax: true } }
  app.get('/data', ajax, async () => ({ items: [1, 2, 3] }))
  app.get('/plain-data', async () => ({ items: [1, 2, 3] }))
  app.get('/text', ajax, async () => 'hello')
  app.get('/code-text', ajax, async (_request, reply) => reply.code(400).send('bad name'))
  app.get('/thrown', ajax, async () => { throw Object.assign(new Error('taken'), { statusCode: 409 }) })
  app.get('/stream', ajax, async (_request, reply) => reply.type('application/json').send(Readable.from(['{"a":1}'])))
  return listen(app)
}

const CASES: Array<[string, number, unknown]> = [
  ['/data', 200, { items: [1, 2, 3] }],
  ['/text', 200, 'hello'],
  ['/code-text', 400, { status: 'error', error: 'bad name' }],
  ['/thrown', 409, { status: 'error', error: 'taken' }]
]

for (const order of ['before', 'after'] as const) {
  t.test(`@fastify/etag registered ${order} the plugin hashes the plugin's JSON; If-None-Match gets 304`, async (t) => {
    const origin = await etagApp(t, order)
    for (const [url, status, body] of CASES) {
      const text = JSON.stringify(body)
      const res = await send(origin, url)
      t.equal(res.status, status, `${url}: status`)
      t.equal(res.headers['content-type'], JSON_TYPE, `${url}: content type`)
      t.equal(res.headers.etag, etagOf(text), `${url}: the ETag of the JSON that left`)
      t.equal(res.body, text, `${url}: body`)
    }
    const cached = await send(origin, '/data', { headers: { 'if-none-match': etagOf('{"items":[1,2,3]}') } })
    t.equal(cached.status, 304)
    t.equal(cached.headers.etag, etagOf('{"items":[1,2,3]}'))
    t.equal(cached.body, '')
    // The same 304 as a route the plugin does not own.
    const plain = await send(origin, '/plain-data', { headers: { 'if-none-match': etagOf('{"items":[1,2,3]}') } })
    t.equal(plain.status, 304)
    t.equal(cached.headers['content-length'], plain.headers['content-length'])
    t.equal(cached.headers['content-type'], plain.headers['content-type'])
    const changed = await send(origin, '/data', { headers: { 'if-none-match': etagOf('{"items":[1,2]}') } })
    t.equal(changed.status, 200)
    t.equal(changed.headers['content-type'], JSON_TYPE)
    t.equal(changed.body, '{"items":[1,2,3]}')
    // etag hashes only text and Buffers: a stream leaves without one.
    const stream = await send(origin, '/stream')
    t.equal(stream.status, 200)
    t.equal(stream.headers['content-type'], 'application/json')
    t.equal(stream.headers.etag, undefined)
    t.equal(stream.body, '{"a":1}')
  })
}
