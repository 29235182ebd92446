// Hop-by-hop and framing headers named by a tuple, a JsonResponse or a thrown error are Node's to
// set: each is dropped with a warning, and the answer parses over a real socket with one framing.
import Fastify from 'fastify'
import t from 'tap'
import ajaxutils, { JsonResponse } from '../../index'
import { JSON_TYPE, logCapture } from '../helpers'
import { listen, send } from './socket'

type Test = Parameters<Parameters<typeof t.test>[1]>[0]

const FRAMING = {
  'Transfer-Encoding': 'chunked',
  connection: 'close',
  'keep-alive': 'timeout=1',
  upgrade: 'websocket',
  'content-length': '1',
  te: 'trailers',
  trailer: 'x-sum',
  'proxy-authenticate': 'Basic',
  'Proxy-Connection': 'keep-alive'
}
// A JsonResponse checks its headers when made; Node refuses none of these values.
const NAMES = Object.keys(FRAMING)

async function framingApp (t: Test) {
  const { stream, entries } = logCapture()
  const app = Fastify({ logger: { level: 'warn', stream } })
  t.teardown(() => app.close())
  await app.register(ajaxutils)
  const ajax = { config: { ajax: true } }
  // The plugin writes the JSON unencoded: a content-encoding named by hand would be a lie.
  app.get('/tuple', ajax, async () => [{ ok: 1 }, 200, { ...FRAMING, 'content-encoding': 'gzip', 'x-kept': 'yes' }])
  app.get('/tuple-error', ajax, async () => [{ ok: 0 }, 418, { ...FRAMING, 'x-kept': 'yes' }])
  app.get('/response', ajax, async () => new JsonResponse({ ok: 1 }, { status: 201, headers: { ...FRAMING, 'content-encoding': 'gzip', 'x-kept': 'yes' } }))
  app.get('/response-error', ajax, async () => new JsonResponse('no', {
    status: 409,
    headers: { ...FRAMING, 'content-type': 'text/plain', 'content-encoding': 'gzip', 'x-kept': 'yes' }
  }))
  app.get('/thrown', ajax, async () => {
    throw Object.assign(new Error('no'), { statusCode: 409, headers: { ...FRAMING, 'content-type': 'text/plain', 'content-encoding': 'gzip', 'x-kept': 'yes' } })
  })
  const origin = await listen(app)
  // Node's own Keep-Alive header, from the server's timeout.
  return { origin, entries, keepAlive: `timeout=${app.server.keepAliveTimeout / 1000}` }
}

const CASES: Array<[string, number, unknown, string[]]> = [
  ['/tuple', 200, { ok: 1 }, [...NAMES, 'content-encoding']],
  ['/tuple-error', 418, { ok: 0 }, NAMES],
  ['/response', 201, { ok: 1 }, [...NAMES, 'content-encoding']],
  ['/response-error', 409, { status: 'error', error: 'no' }, [...NAMES, 'content-type', 'content-encoding']],
  ['/thrown', 409, { status: 'error', error: 'no' }, [...NAMES, 'content-type', 'content-encoding']]
]

t.test('framing headers of a tuple, a JsonResponse or an error are dropped with a warning; the answer parses with one framing', async (t) => {
  const { origin, entries, keepAlive } = await framingApp(t)
  for (const [url, status, body, dropped] of CASES) {
    entries.length = 0
    const res = await send(origin, url)
    const text = JSON.stringify(body)
    t.equal(res.status, status, `${url}: status`)
    t.equal(res.headers['content-type'], JSON_TYPE, `${url}: content type`)
    t.equal(res.headers['content-length'], String(Buffer.byteLength(text)), `${url}: Node's content-length`)
    t.equal(res.headers['transfer-encoding'], undefined, `${url}: no second framing`)
    t.equal(res.headers['content-encoding'], undefined, `${url}: not said to be encoded`)
    t.equal(res.headers.connection, 'keep-alive', `${url}: Node's connection`)
    t.equal(res.headers['keep-alive'], keepAlive, `${url}: Node's keep-alive`)
    for (const name of ['upgrade', 'te', 'trailer', 'proxy-authenticate', 'proxy-connection']) {
      t.equal(res.headers[name], undefined, `${url}: no ${name}`)
    }
    t.equal(res.headers['x-kept'], 'yes', `${url}: other headers stay`)
    t.equal(res.body, text, `${url}: body`)
    t.strictSame(entries.map((entry) => [entry.level, entry.header, entry.msg]),
      dropped.map((name) => [40, name, 'fastify-ajaxutils: dropped a header that Node or the plugin sets itself']), `${url}: one warning per header`)
  }
})

t.test('fetch reads each of these answers', async (t) => {
  const { origin } = await framingApp(t)
  for (const [url, status, body] of CASES) {
    const res = await fetch(origin + url)
    t.equal(res.status, status, `${url}: status`)
    t.equal(res.headers.get('content-type'), JSON_TYPE, `${url}: content type`)
    t.same(await res.json(), body, `${url}: body`)
  }
})
