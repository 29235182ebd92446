// An app onSend hook that turns every payload into a stream sees the plugin's JSON already: each
// ajax answer leaves streamed (chunked over a real socket), still JSON, errors as the envelope.
import { Readable } from 'node:stream'
import Fastify, { type FastifyInstance } from 'fastify'
import t from 'tap'
import ajaxutils from '../../index'
import { JSON_TYPE } from '../helpers'
import { listen, send } from './socket'

type Test = Parameters<Parameters<typeof t.test>[1]>[0]

function streamEverything (app: FastifyInstance): void {
  app.addHook('onSend', async (_request, _reply, payload) => {
    return typeof payload === 'string' || Buffer.isBuffer(payload) ? Readable.from([payload]) : payload
  })
}

async function streamingApp (t: Test, order: 'before' | 'after'): Promise<string> {
  const app = Fastify()
  t.teardown(() => app.close())
  if (order === 'before') streamEverything(app)
  await app.register(ajaxutils)
  if (order === 'after') streamEverything(app)
  const ajax = { config: { ajax: true } }
  app.get('/text', ajax, async () => 'hello')
  app.get('/data', ajax, async () => ({ a: 1 }))
  app.get('/tuple', ajax, async () => [{ a: 2 }, 201])
  app.get('/code-text', ajax, async (_request, reply) => reply.code(400).send('bad name'))
  app.get('/thrown', ajax, async () => { throw Object.assign(new Error('taken'), { statusCode: 409 }) })
  app.get('/crash', ajax, async () => { throw new Error('secret') })
  app.get('/redirect', ajax, async (_request, reply) => reply.redirect('/login'))
  app.get('/plain', async () => 'plain words')
  return listen(app)
}

// The plugin writes the body before the hook streams it; only answers without one are written after.
const CASES: Array<[string, number, unknown, boolean]> = [
  ['/text', 200, 'hello', true],
  ['/data', 200, { a: 1 }, true],
  ['/tuple', 201, { a: 2 }, true],
  ['/code-text', 400, { status: 'error', error: 'bad name' }, true],
  ['/thrown', 409, { status: 'error', error: 'taken' }, true],
  ['/crash', 500, { status: 'error', error: 'Internal Server Error' }, true],
  ['/redirect', 401, { status: 'error', error: 'Unauthorized' }, false]
]

for (const order of ['before', 'after'] as const) {
  t.test(`an app onSend hook added ${order} the plugin that streams every payload gets the plugin's JSON`, async (t) => {
    const origin = await streamingApp(t, order)
    for (const [url, status, body, streamed] of CASES) {
      const res = await send(origin, url)
      t.equal(res.status, status, `${url}: status`)
      t.equal(res.headers['content-type'], JSON_TYPE, `${url}: content type`)
      t.equal(res.headers['transfer-encoding'], streamed ? 'chunked' : undefined, `${url}: streamed`)
      t.equal(res.headers.location, undefined, `${url}: no location`)
      t.equal(res.body, JSON.stringify(body), `${url}: body`)
    }
    const plain = await send(origin, '/plain')
    t.equal(plain.status, 200)
    t.equal(plain.headers['content-type'], 'text/plain; charset=utf-8')
    t.equal(plain.headers['transfer-encoding'], 'chunked')
    t.equal(plain.body, 'plain words')
  })
}
