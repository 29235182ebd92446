// Plugin option `hook`: the login check, then the method check, run in one stage, after the
// app's and the route's own hooks of that stage; in onRequest and preParsing no body is read.
import { request as httpRequest } from 'node:http'
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify'
import t, { type Test } from 'tap'
import ajaxutils from '../index'
import { JSON_TYPE } from './helpers'

type Stage = ajaxutils.AjaxCheckHook

const STAGES: readonly Stage[] = ['onRequest', 'preParsing', 'preValidation', 'preHandler']
const UNAUTHORIZED = { status: 'error', error: 'Unauthorized' }

type Hook = (request: FastifyRequest, reply: FastifyReply, ...rest: unknown[]) => void

/** A hook for `stage` that records its name (and may log the request in), in callback form. */
function recorder (stage: Stage, seen: string[], name: string, logIn = false): Hook {
  const record = (request: FastifyRequest) => {
    seen.push(name)
    if (logIn && request.headers['x-user'] !== undefined) (request as FastifyRequest & { user: unknown }).user = { name: request.headers['x-user'] }
  }
  if (stage === 'preParsing') {
    return (request, _reply, payload, done) => { record(request); (done as (error: null, payload: unknown) => void)(null, payload) }
  }
  return (request, _reply, done) => { record(request); (done as () => void)() }
}

function addStageHook (app: FastifyInstance, stage: Stage, hook: Hook): void {
  app.addHook(stage as 'onRequest', hook as never)
}

for (const stage of STAGES) {
  t.test(`hook: '${stage}': the checks run after the app's, the context's and the route's own ${stage} hooks`, async (t) => {
    const seen: string[] = []
    const app = Fastify()
    t.teardown(() => app.close())
    addStageHook(app, stage, recorder(stage, seen, 'app, before the plugin'))
    await app.register(ajaxutils, {
      hook: stage,
      authenticate: (request, _reply, done) => {
        seen.push('strategy')
        done(request.headers['x-user'] === 'ann' ? undefined : new Error('anonymous'))
      }
    })
    addStageHook(app, stage, recorder(stage, seen, 'app, after the plugin'))
    await app.register(async (child) => {
      addStageHook(child, stage, recorder(stage, seen, 'context'))
      child.get('/private', {
        [stage]: [recorder(stage, seen, 'route 1'), recorder(stage, seen, 'route 2')],
        config: { ajax: { loginRequired: true } }
      }, async () => { seen.push('handler'); return { ok: true } })
    })
    const hooks = ['app, before the plugin', 'app, after the plugin', 'context', 'route 1', 'route 2', 'strategy']

    const anonymous = await app.inject('/private')
    t.equal(anonymous.statusCode, 401)
    t.equal(anonymous.headers['content-type'], JSON_TYPE)
    t.same(anonymous.json(), UNAUTHORIZED)
    t.same(seen, hooks)

    seen.length = 0
    const ann = await app.inject({ url: '/private', headers: { 'x-user': 'ann' } })
    t.equal(ann.statusCode, 200)
    t.same(ann.json(), { ok: true })
    t.same(seen, [...hooks, 'handler'])
  })

  t.test(`hook: '${stage}': without strategies, request.user set by the route's own ${stage} hook counts`, async (t) => {
    const seen: string[] = []
    const app = Fastify()
    t.teardown(() => app.close())
    app.decorateRequest('user', null)
    await app.register(ajaxutils, { hook: stage })
    app.get('/private', { [stage]: recorder(stage, seen, 'route', true), config: { ajax: { loginRequired: true } } },
      async (request) => (request as FastifyRequest & { user: unknown }).user)

    const anonymous = await app.inject('/private')
    t.equal(anonymous.statusCode, 401)
    t.same(anonymous.json(), UNAUTHORIZED)

    const ann = await app.inject({ url: '/private', headers: { 'x-user': 'ann' } })
    t.equal(ann.statusCode, 200)
    t.equal(ann.headers['content-type'], JSON_TYPE)
    t.same(ann.json(), { name: 'ann' })
  })

  t.test(`hook: '${stage}': login before method — an anonymous POST to a login-required GET-only route gets 401, not 405`, async (t) => {
    const app = Fastify()
    t.teardown(() => app.close())
    await app.register(ajaxutils, {
      hook: stage,
      wwwAuthenticate: 'Bearer',
      authenticate: async (request) => { if (request.headers['x-user'] !== 'ann') throw new Error('anonymous') }
    })
    let handled = 0
    app.route({ method: ['GET', 'POST'], url: '/report', config: { ajax: { loginRequired: true, requireGET: true } }, handler: async () => { handled++; return 'report' } })

    const anonymous = await app.inject({ method: 'POST', url: '/report', payload: { a: 1 } })
    t.equal(anonymous.statusCode, 401)
    t.equal(anonymous.headers['content-type'], JSON_TYPE)
    t.equal(anonymous.headers.allow, undefined, 'an anonymous client learns nothing about the methods')
    t.equal(anonymous.headers['www-authenticate'], 'Bearer')
    t.same(anonymous.json(), UNAUTHORIZED)

    const wrongMethod = await app.inject({ method: 'POST', url: '/report', headers: { 'x-user': 'ann' }, payload: { a: 1 } })
    t.equal(wrongMethod.statusCode, 405)
    t.equal(wrongMethod.headers.allow, 'GET, HEAD')
    t.equal(wrongMethod.headers['www-authenticate'], undefined)
    t.same(wrongMethod.json(), { status: 'error', error: 'Method not allowed' })

    const ok = await app.inject({ url: '/report', headers: { 'x-user': 'ann' } })
    t.equal(ok.statusCode, 200)
    t.same(ok.json(), 'report')
    t.equal(handled, 1)
  })
}

/** An app that logs in `x-user: ann`, with a small body limit and a counted login-required POST route. */
async function bodyApp (t: Test, stage: Stage) {
  const app = Fastify({ bodyLimit: 64 })
  t.teardown(() => app.close())
  await app.register(ajaxutils, {
    hook: stage,
    authenticate: async (request) => { if (request.headers['x-user'] !== 'ann') throw new Error('anonymous') }
  })
  let handled = 0
  app.post('/notes', { config: { ajax: { loginRequired: true } } }, async (request) => { handled++; return { got: request.body } })
  return { app, handled: () => handled }
}

const BAD_BODIES = [
  { label: 'malformed JSON', headers: { 'content-type': 'application/json' }, payload: '{"note": ', status: 400 },
  { label: 'a body over bodyLimit', headers: { 'content-type': 'application/json' }, payload: JSON.stringify({ note: 'x'.repeat(200) }), status: 413 },
  { label: 'an unsupported media type', headers: { 'content-type': 'application/x-unknown' }, payload: 'abc', status: 415 }
]

for (const stage of ['onRequest', 'preParsing'] as const) {
  t.test(`hook: '${stage}': an anonymous request with a bad body gets 401 — the body is never parsed`, async (t) => {
    const { app, handled } = await bodyApp(t, stage)
    for (const { label, headers, payload } of BAD_BODIES) {
      const res = await app.inject({ method: 'POST', url: '/notes', headers, payload })
      t.equal(res.statusCode, 401, label)
      t.equal(res.headers['content-type'], JSON_TYPE)
      t.same(res.json(), UNAUTHORIZED, label)
    }
    const ann = await app.inject({ method: 'POST', url: '/notes', headers: { 'x-user': 'ann' }, payload: { note: 'hi' } })
    t.equal(ann.statusCode, 200, 'a logged-in request keeps its body')
    t.same(ann.json(), { got: { note: 'hi' } })
    t.equal(handled(), 1)
  })

  t.test(`hook: '${stage}': a listening server refuses an anonymous upload before its body has arrived`, async (t) => {
    const { app, handled } = await bodyApp(t, stage)
    await app.listen({ port: 0, host: '127.0.0.1' })
    const { port } = app.server.address() as { port: number }
    const answer = await new Promise<{ status: number | undefined, type: string | undefined, body: string }>((resolve, reject) => {
      const request = httpRequest({ port, host: '127.0.0.1', method: 'POST', path: '/notes', headers: { 'content-type': 'application/json', 'content-length': 1_000_000 } })
      request.on('error', reject)
      request.on('response', (response) => {
        let body = ''
        response.setEncoding('utf8')
        response.on('data', (chunk: string) => { body += chunk })
        response.on('end', () => {
          request.destroy()
          resolve({ status: response.statusCode, type: response.headers['content-type'], body })
        })
      })
      // One byte of a megabyte: the answer must come without waiting for the rest.
      request.write('{')
    })
    t.equal(answer.status, 401)
    t.equal(answer.type, JSON_TYPE)
    t.same(JSON.parse(answer.body), UNAUTHORIZED)
    t.equal(handled(), 0)
  })
}

for (const stage of ['preValidation', 'preHandler'] as const) {
  t.test(`hook: '${stage}': the body is parsed before the checks, so body errors come first`, async (t) => {
    const { app, handled } = await bodyApp(t, stage)
    for (const { label, headers, payload, status } of BAD_BODIES) {
      const res = await app.inject({ method: 'POST', url: '/notes', headers, payload })
      t.equal(res.statusCode, status, label)
      t.equal(res.headers['content-type'], JSON_TYPE)
    }
    const anonymous = await app.inject({ method: 'POST', url: '/notes', payload: { note: 'hi' } })
    t.equal(anonymous.statusCode, 401)
    t.same(anonymous.json(), UNAUTHORIZED)
    t.equal(handled(), 0)
  })
}

t.test('body schema: with preValidation an anonymous request gets 401 before validation; with preHandler validation answers first', async (t) => {
  const schema = { body: { type: 'object', required: ['note'], properties: { note: { type: 'string' } } } }
  const cases: Array<[Stage, number]> = [['onRequest', 401], ['preParsing', 401], ['preValidation', 401], ['preHandler', 400]]
  for (const [stage, status] of cases) {
    const { app, handled } = await bodyApp(t, stage)
    app.post('/typed', { schema, config: { ajax: { loginRequired: true } } }, async () => 'never')
    const res = await app.inject({ method: 'POST', url: '/typed', payload: { other: 1 } })
    t.equal(res.statusCode, status, stage)
    t.equal(res.headers['content-type'], JSON_TYPE)
    t.same(res.json(), status === 401
      ? UNAUTHORIZED
      : { status: 'error', error: 'body must have required property \'note\'', details: [{ instancePath: '', schemaPath: '#/required', keyword: 'required', params: { missingProperty: 'note' }, message: 'must have required property \'note\'' }] }, stage)
    t.equal(handled(), 0)
  }
})
