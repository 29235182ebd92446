// @fastify/websocket routes inside an `all` context of the plugin, over real sockets: the upgrade
// works and the socket echoes; with `all: { loginRequired: true }` an anonymous upgrade gets the
// 401 envelope and no socket, a logged-in one upgrades; a plain GET of the route is answered JSON.
import fastifyWebsocket from '@fastify/websocket'
import Fastify from 'fastify'
import t from 'tap'
import WebSocket from 'ws'
import ajaxutils from '../../index'
import { JSON_TYPE } from '../helpers'
import { listen, send, type SocketAnswer } from './socket'

type Test = Parameters<Parameters<typeof t.test>[1]>[0]

async function socketApp (t: Test, all: true | { loginRequired: true }): Promise<string> {
  const app = Fastify()
  t.teardown(() => app.close())
  await app.register(fastifyWebsocket)
  app.decorateRequest('user', null)
  app.addHook('onRequest', async (request) => {
    const name = request.headers['x-user']
    if (typeof name === 'string') (request as typeof request & { user: unknown }).user = { name }
  })
  await app.register(async (api) => {
    await api.register(ajaxutils, { all })
    api.get('/echo', { websocket: true }, (socket) => {
      socket.on('message', (message: Buffer) => socket.send(`echo ${message.toString()}`))
    })
  }, { prefix: '/api' })
  return (await listen(app)).replace('http:', 'ws:')
}

/** Opens a websocket, sends `text` and gives the first message back, or the refused upgrade's answer. */
function exchange (url: string, text: string, headers: Record<string, string> = {}): Promise<{ message: string } | { refused: SocketAnswer }> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url, { headers })
    socket.on('open', () => socket.send(text))
    socket.on('message', (message: Buffer) => {
      socket.close()
      resolve({ message: message.toString() })
    })
    socket.on('unexpected-response', (_request: unknown, res: import('node:http').IncomingMessage) => {
      const chunks: Buffer[] = []
      res.on('data', (chunk: Buffer) => chunks.push(chunk))
      res.on('end', () => {
        const raw = Buffer.concat(chunks)
        resolve({ refused: { status: res.statusCode as number, headers: res.headers, raw, body: raw.toString() } })
      })
    })
    socket.on('error', reject)
  })
}

t.test('a websocket route in an `all` context upgrades and echoes; its plain GET answers the JSON 404', async (t) => {
  const origin = await socketApp(t, true)
  t.same(await exchange(`${origin}/api/echo`, 'hi'), { message: 'echo hi' })
  const plain = await send(origin.replace('ws:', 'http:'), '/api/echo')
  t.equal(plain.status, 404)
  t.equal(plain.headers['content-type'], JSON_TYPE)
  t.equal(plain.body, '{"status":"error","error":"Not found"}')
})

t.test('with `all: { loginRequired: true }` an anonymous upgrade gets the 401 envelope; a logged-in one upgrades', async (t) => {
  const origin = await socketApp(t, { loginRequired: true })
  const anonymous = await exchange(`${origin}/api/echo`, 'hi')
  t.ok('refused' in anonymous, 'no socket')
  if ('refused' in anonymous) {
    t.equal(anonymous.refused.status, 401)
    t.equal(anonymous.refused.headers['content-type'], JSON_TYPE)
    t.equal(anonymous.refused.headers.upgrade, undefined)
    t.equal(anonymous.refused.body, '{"status":"error","error":"Unauthorized"}')
  }
  t.same(await exchange(`${origin}/api/echo`, 'hi', { 'x-user': 'ann' }), { message: 'echo hi' })
})
