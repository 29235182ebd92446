// @fastify/multipart on ajax upload routes, in both registration orders, over real sockets: an
// upload answers JSON, a file over the limit the 413 envelope, a body that is not multipart the
// 406 envelope, and an anonymous upload 401 before its body is read.
import fastifyMultipart from '@fastify/multipart'
import Fastify from 'fastify'
import t from 'tap'
import ajaxutils from '../../index'
import { JSON_TYPE } from '../helpers'
import { listen, sendHeadOnly } from './socket'

type Test = Parameters<Parameters<typeof t.test>[1]>[0]

async function uploadApp (t: Test, order: 'before' | 'after') {
  const app = Fastify()
  t.teardown(() => app.close())
  if (order === 'before') await app.register(fastifyMultipart, { limits: { fileSize: 1000 } })
  await app.register(ajaxutils)
  if (order === 'after') await app.register(fastifyMultipart, { limits: { fileSize: 1000 } })
  app.decorateRequest('user', null)
  app.addHook('onRequest', async (request) => {
    const name = request.headers['x-user']
    if (typeof name === 'string') (request as typeof request & { user: unknown }).user = { name }
  })
  const handled: string[] = []
  const upload = async (request: Parameters<Parameters<typeof app.post>[1]>[0]) => {
    handled.push(request.url)
    const file = await request.file()
    if (file === undefined) return [{ saved: null }, 200]
    const bytes = await file.toBuffer()
    return [{ saved: file.filename, size: bytes.length, type: file.mimetype }, 201]
  }
  app.post('/upload', { config: { ajax: true } }, upload)
  app.post('/private-upload', { config: { ajax: { loginRequired: true } } }, upload)
  return { origin: await listen(app), handled }
}

function form (size: number): FormData {
  const body = new FormData()
  body.append('file', new Blob(['x'.repeat(size)], { type: 'text/plain' }), 'notes.txt')
  return body
}

for (const order of ['before', 'after'] as const) {
  t.test(`@fastify/multipart registered ${order} the plugin: uploads answer JSON, failures the envelope`, async (t) => {
    const { origin, handled } = await uploadApp(t, order)

    const saved = await fetch(origin + '/upload', { method: 'POST', body: form(500) })
    t.equal(saved.status, 201)
    t.equal(saved.headers.get('content-type'), JSON_TYPE)
    t.same(await saved.json(), { saved: 'notes.txt', size: 500, type: 'text/plain' })

    const tooLarge = await fetch(origin + '/upload', { method: 'POST', body: form(2000) })
    t.equal(tooLarge.status, 413)
    t.equal(tooLarge.headers.get('content-type'), JSON_TYPE)
    t.same(await tooLarge.json(), { status: 'error', error: 'request file too large' })

    const notMultipart = await fetch(origin + '/upload', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"a":1}' })
    t.equal(notMultipart.status, 406)
    t.equal(notMultipart.headers.get('content-type'), JSON_TYPE)
    t.same(await notMultipart.json(), { status: 'error', error: 'the request is not multipart' })

    const signedIn = await fetch(origin + '/private-upload', { method: 'POST', headers: { 'x-user': 'ann' }, body: form(10) })
    t.equal(signedIn.status, 201)
    t.same(await signedIn.json(), { saved: 'notes.txt', size: 10, type: 'text/plain' })

    // The head alone: the answer comes without the 1 MB body ever being sent.
    const anonymous = await sendHeadOnly(origin, '/private-upload', {
      headers: { 'content-type': 'multipart/form-data; boundary=x', 'content-length': String(1024 * 1024) }
    })
    t.equal(anonymous.status, 401)
    t.equal(anonymous.headers['content-type'], JSON_TYPE)
    t.equal(anonymous.body, '{"status":"error","error":"Unauthorized"}')
    t.strictSame(handled, ['/upload', '/upload', '/upload', '/private-upload'], 'the anonymous upload never reached its handler')
  })
}
