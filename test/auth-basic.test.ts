// Login checks with @fastify/basic-auth used as the login strategy, started as its README says
// (a `validate` function), and the plugin's `wwwAuthenticate` option for the challenge.
import fastifyBasicAuth from '@fastify/basic-auth'
import Fastify, { type FastifyInstance } from 'fastify'
import t, { type Test } from 'tap'
import ajaxutils from '../index'
import { JSON_TYPE } from './helpers'

const UNAUTHORIZED = { status: 'error', error: 'Unauthorized' }

function basic (user: string, password: string): string {
  return 'Basic ' + Buffer.from(`${user}:${password}`).toString('base64')
}

// As in the @fastify/basic-auth README: an async validate that fails with an Error.
async function validate (username: string, password: string): Promise<Error | undefined> {
  return username === 'Tyrion' && password === 'wine' ? undefined : new Error('Winter is coming')
}

async function basicApp (t: Test, basicAuthOptions: { authenticate?: { realm: string } } = {}, pluginOptions: ajaxutils.AjaxutilsOptions = {}) {
  const app = Fastify()
  t.teardown(() => app.close())
  await app.register(fastifyBasicAuth, { validate, ...basicAuthOptions })
  await app.register(ajaxutils, { authenticate: app.basicAuth, ...pluginOptions })
  let handled = 0
  app.get('/vault', { config: { ajax: { loginRequired: true } } }, async () => {
    handled++
    return { gold: 42 }
  })
  return { app, handled: () => handled }
}

const refusals: Array<[string, Record<string, string>]> = [
  ['no Authorization header', {}],
  ['a wrong password', { authorization: basic('Tyrion', 'water') }],
  ['an unknown user', { authorization: basic('Cersei', 'wine') }],
  ['a header that is not Basic', { authorization: 'Bearer abc' }],
  ['Basic without a colon', { authorization: 'Basic ' + Buffer.from('Tyrion').toString('base64') }],
  ['Basic with a control character', { authorization: basic('Tyr\u0001ion', 'wine') }]
]

async function assertRefusals (t: Test, app: FastifyInstance, challenge: string) {
  for (const [label, headers] of refusals) {
    const res = await app.inject({ url: '/vault', headers })
    t.equal(res.statusCode, 401, `${label}: 401`)
    t.equal(res.headers['content-type'], JSON_TYPE, `${label}: JSON`)
    t.equal(res.headers['www-authenticate'], challenge, `${label}: exactly one challenge`)
    t.same(res.json(), UNAUTHORIZED, `${label}: the envelope, without 'Winter is coming'`)
  }
}

t.test('README recipe: @fastify/basic-auth as the login strategy, with its challenge', async (t) => {
  const app = Fastify()
  t.teardown(() => app.close())

  await app.register(fastifyBasicAuth, { validate })
  await app.register(ajaxutils, { authenticate: app.basicAuth, wwwAuthenticate: 'Basic realm="app"' })

  app.get('/vault', { config: { ajax: { loginRequired: true } } }, async () => ({ gold: 42 }))

  await assertRefusals(t, app, 'Basic realm="app"')
  const ok = await app.inject({ url: '/vault', headers: { authorization: basic('Tyrion', 'wine') } })
  t.equal(ok.statusCode, 200)
  t.same(ok.json(), { gold: 42 })
})

t.test('@fastify/basic-auth as the strategy with wwwAuthenticate: wrong or missing credentials get the 401 envelope with the challenge', async (t) => {
  const { app, handled } = await basicApp(t, {}, { wwwAuthenticate: 'Basic realm="app"' })
  await assertRefusals(t, app, 'Basic realm="app"')

  const ok = await app.inject({ url: '/vault', headers: { authorization: basic('Tyrion', 'wine') } })
  t.equal(ok.statusCode, 200)
  t.equal(ok.headers['content-type'], JSON_TYPE)
  t.equal(ok.headers['www-authenticate'], undefined, 'no challenge on success')
  t.same(ok.json(), { gold: 42 })
  t.equal(handled(), 1)
})

t.test('wwwAuthenticate replaces the challenge @fastify/basic-auth would send itself', async (t) => {
  const { app, handled } = await basicApp(t, { authenticate: { realm: 'Westeros' } }, { wwwAuthenticate: 'Basic realm="app"' })
  await assertRefusals(t, app, 'Basic realm="app"')
  t.equal(handled(), 0)
})

t.test('without wwwAuthenticate, the challenge of @fastify/basic-auth\'s own authenticate option is kept', async (t) => {
  const { app, handled } = await basicApp(t, { authenticate: { realm: 'Westeros' } })
  await assertRefusals(t, app, 'Basic realm="Westeros", charset="UTF-8"')
  t.equal(handled(), 0)
})

t.test('the challenge is only on 401: a logged-in request with the wrong method gets 405 without it', async (t) => {
  const app = Fastify()
  t.teardown(() => app.close())
  await app.register(fastifyBasicAuth, { validate })
  await app.register(ajaxutils, { authenticate: app.basicAuth, wwwAuthenticate: 'Basic realm="app"' })
  app.route({ method: ['GET', 'POST'], url: '/vault', config: { ajax: { loginRequired: true, requirePOST: true } }, handler: async () => 'stored' })

  const anonymous = await app.inject('/vault')
  t.equal(anonymous.statusCode, 401)
  t.equal(anonymous.headers['www-authenticate'], 'Basic realm="app"')
  t.same(anonymous.json(), UNAUTHORIZED)

  const wrongMethod = await app.inject({ url: '/vault', headers: { authorization: basic('Tyrion', 'wine') } })
  t.equal(wrongMethod.statusCode, 405)
  t.equal(wrongMethod.headers.allow, 'POST')
  t.equal(wrongMethod.headers['www-authenticate'], undefined)
  t.same(wrongMethod.json(), { status: 'error', error: 'Method not allowed' })

  const stored = await app.inject({ method: 'POST', url: '/vault', headers: { authorization: basic('Tyrion', 'wine') } })
  t.equal(stored.statusCode, 200)
  t.same(stored.json(), 'stored')
})
