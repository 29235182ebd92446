// Every example of the django-ajaxutils 0.2 README, translated, with the seed's status and body.
import t from 'tap'
import ajaxutils from '../index'
import { buildApp, JSON_TYPE } from './helpers'

const { JsonResponse, Http404 } = ajaxutils

t.test('check_for_some_task: the returned object is the JSON answer', async (t) => {
  const app = await buildApp(t)
  let exitStatus: number | null = null
  app.get('/task', { config: { ajax: true } }, async () => {
    if (exitStatus === null) return { status: 'pending' }
    return { status: 'completed', exit_status: exitStatus }
  })

  const pending = await app.inject('/task')
  t.equal(pending.statusCode, 200)
  t.equal(pending.headers['content-type'], JSON_TYPE)
  t.same(pending.json(), { status: 'pending' })

  exitStatus = 0
  const completed = await app.inject('/task')
  t.equal(completed.statusCode, 200)
  t.equal(completed.headers['content-type'], JSON_TYPE)
  t.same(completed.json(), { status: 'completed', exit_status: 0 })
})

t.test('some_very_private_view: an anonymous request gets 401 Unauthorized, not a redirect', async (t) => {
  const app = await buildApp(t)
  let calls = 0
  app.get('/private', { config: { ajax: { loginRequired: true } } }, async () => {
    calls++
    return { data: 'secret' }
  })

  const res = await app.inject('/private')
  t.equal(res.statusCode, 401)
  t.equal(res.headers['content-type'], JSON_TYPE)
  t.equal(res.headers.location, undefined)
  t.same(res.json(), { status: 'error', error: 'Unauthorized' })
  t.equal(calls, 0)
})

t.test('some_very_private_view: a logged-in request gets the data', async (t) => {
  const app = await buildApp(t)
  app.decorateRequest('user', null)
  app.addHook('onRequest', async (request) => {
    if (request.headers['x-user'] !== undefined) request.user = { name: request.headers['x-user'] }
  })
  app.get('/private', { config: { ajax: { loginRequired: true } } }, async () => ({ data: 'secret' }))

  const res = await app.inject({ url: '/private', headers: { 'x-user': 'ada' } })
  t.equal(res.statusCode, 200)
  t.equal(res.headers['content-type'], JSON_TYPE)
  t.same(res.json(), { data: 'secret' })
})

t.test('submit_my_data (login_required, require_POST): a GET gets 405 Method not allowed', async (t) => {
  const app = await buildApp(t)
  app.decorateRequest('user', null)
  app.addHook('onRequest', async (request) => { request.user = { name: 'ada' } })
  app.route({
    method: ['GET', 'POST'],
    url: '/submit',
    config: { ajax: { loginRequired: true, requirePOST: true } },
    handler: async () => ({ saved: true })
  })

  const refused = await app.inject('/submit')
  t.equal(refused.statusCode, 405)
  t.equal(refused.headers['content-type'], JSON_TYPE)
  t.equal(refused.headers.allow, 'POST')
  t.same(refused.json(), { status: 'error', error: 'Method not allowed' })

  const saved = await app.inject({ method: 'POST', url: '/submit' })
  t.equal(saved.statusCode, 200)
  t.same(saved.json(), { saved: true })
})

t.test('require_GET: a POST gets 405, GET and HEAD pass', async (t) => {
  const app = await buildApp(t)
  app.route({
    method: ['GET', 'POST'],
    url: '/read',
    config: { ajax: { requireGET: true } },
    handler: async () => ({ read: true })
  })

  const refused = await app.inject({ method: 'POST', url: '/read' })
  t.equal(refused.statusCode, 405)
  t.equal(refused.headers.allow, 'GET, HEAD')
  t.same(refused.json(), { status: 'error', error: 'Method not allowed' })

  const read = await app.inject('/read')
  t.equal(read.statusCode, 200)
  t.same(read.json(), { read: true })

  const head = await app.inject({ method: 'HEAD', url: '/read' })
  t.equal(head.statusCode, 200)
  t.equal(head.headers['content-type'], JSON_TYPE)
  t.equal(head.headers['content-length'], String(Buffer.byteLength('{"read":true}')))
  t.equal(head.body, '')
})

t.test('my_cool_view with the alternative syntax: a plain ajax route says hello', async (t) => {
  const app = await buildApp(t)
  app.get('/cool', { config: { ajax: true } }, async () => ({ hello: 'world!' }))

  const res = await app.inject('/cool')
  t.equal(res.statusCode, 200)
  t.equal(res.headers['content-type'], JSON_TYPE)
  t.same(res.json(), { hello: 'world!' })
})

t.test('raise Http404: 404 Not found', async (t) => {
  const app = await buildApp(t)
  app.get('/cool', { config: { ajax: true } }, async () => {
    throw new Http404()
  })

  const res = await app.inject('/cool')
  t.equal(res.statusCode, 404)
  t.equal(res.headers['content-type'], JSON_TYPE)
  t.same(res.json(), { status: 'error', error: 'Not found' })
})

t.test('HttpResponseBadRequest("My error message"): 400 with that message', async (t) => {
  const app = await buildApp(t)
  app.get('/cool', { config: { ajax: true } }, async (_request, reply) => reply.code(400).send('My error message'))

  const res = await app.inject('/cool')
  t.equal(res.statusCode, 400)
  t.equal(res.headers['content-type'], JSON_TYPE)
  t.same(res.json(), { status: 'error', error: 'My error message' })
})

t.test('JsonResponse("My error message", status 400): the same answer as HttpResponseBadRequest', async (t) => {
  const app = await buildApp(t)
  app.get('/cool', { config: { ajax: true } }, async () => new JsonResponse('My error message', { status: 400 }))

  const res = await app.inject('/cool')
  t.equal(res.statusCode, 400)
  t.equal(res.headers['content-type'], JSON_TYPE)
  t.same(res.json(), { status: 'error', error: 'My error message' })
})

t.test('return {...}, 418: the Flask-ish tuple answers its data with its status', async (t) => {
  const app = await buildApp(t)
  app.get('/cool', { config: { ajax: true } }, async () => [{ "i'm a": 'teapot' }, 418])

  const res = await app.inject('/cool')
  t.equal(res.statusCode, 418)
  t.equal(res.headers['content-type'], JSON_TYPE)
  t.same(res.json(), { "i'm a": 'teapot' })
})

t.test('from ajaxutils import json: the writer the plugin uses', async (t) => {
  t.equal(ajaxutils.json.stringify({ when: new Date(Date.UTC(2012, 7, 21)) }), '{"when":"2012-08-21T00:00:00.000Z"}')
  t.same(ajaxutils.json.parse('{"hello":"world!"}'), { hello: 'world!' })
})
