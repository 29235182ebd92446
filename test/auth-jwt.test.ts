// Login checks with @fastify/jwt, started as its README says: a secret, `request.jwtVerify()` for the
// login check, and the `onRequest: [fastify.authenticate]` route style.
import jwt from '@fastify/jwt'
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify'
import t, { type Test } from 'tap'
import ajaxutils from '../index'
import { JSON_TYPE } from './helpers'

declare module 'fastify' {
  interface FastifyInstance {
    authenticate: (request: FastifyRequest, reply: FastifyReply) => Promise<void>
  }
}

const SECRET = 'supersecret'
const UNAUTHORIZED = { status: 'error', error: 'Unauthorized' }

interface LogLine {
  level: number
  msg: string
  reqId?: string
  err?: { message: string, code?: string }
}

/** An app with a collected log and request ids rid-1, rid-2, ... */
function loggedApp (t: Test) {
  const lines: LogLine[] = []
  let next = 0
  const app = Fastify({
    logger: { level: 'info', stream: { write (line: string) { lines.push(JSON.parse(line) as LogLine) } } },
    genReqId: () => `rid-${++next}`
  })
  t.teardown(() => app.close())
  return { app, lines, lastId: () => `rid-${next}` }
}

/** The plugin's line about a refused login, for one request. */
function refusal (lines: LogLine[], reqId: string): LogLine | undefined {
  return lines.find((line) => line.reqId === reqId && line.msg === 'fastify-ajaxutils: login strategy refused the request')
}

/** Tokens a client could send: signed right, expired, and three forgeries. */
async function tokens (app: FastifyInstance) {
  const valid = app.jwt.sign({ sub: 'ann', role: 'admin' })
  // Signed an hour ago with a 60 s lifetime.
  const expired = app.jwt.sign({ sub: 'ann' }, { expiresIn: 60, clockTimestamp: Date.now() - 3_600_000 })
  const other = Fastify()
  await other.register(jwt, { secret: 'another secret' })
  const otherSecret = other.jwt.sign({ sub: 'ann' })
  await other.close()
  const [header, , signature] = valid.split('.')
  const tampered = [header, Buffer.from(JSON.stringify({ sub: 'root', role: 'admin' })).toString('base64url'), signature].join('.')
  const unsigned = [
    Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url'),
    Buffer.from(JSON.stringify({ sub: 'root' })).toString('base64url'),
    ''
  ].join('.')
  return { valid, expired, forged: { otherSecret, tampered, unsigned } }
}

function assertRefused (t: Test, res: { statusCode: number, headers: Record<string, unknown>, body: string, json: () => unknown }, label: string) {
  t.equal(res.statusCode, 401, `${label}: 401`)
  t.equal(res.headers['content-type'], JSON_TYPE, `${label}: JSON`)
  t.same(res.json(), UNAUTHORIZED, `${label}: the envelope and nothing else`)
  t.notMatch(res.body, /token|authorization|expired|signature|jwt|bearer/i, `${label}: no jwt error text in the body`)
}

t.test('README recipe: @fastify/jwt as the login strategy', async (t) => {
  const app = Fastify()
  t.teardown(() => app.close())

  await app.register(jwt, { secret: 'supersecret' })
  await app.register(ajaxutils, { authenticate: (request) => request.jwtVerify() })

  app.get('/profile', { config: { ajax: { loginRequired: true } } }, async (request) => ({ user: request.user }))

  const token = app.jwt.sign({ sub: 'ann' })
  const ok = await app.inject({ url: '/profile', headers: { authorization: `Bearer ${token}` } })
  t.equal(ok.statusCode, 200)
  t.equal((ok.json() as { user: { sub: string } }).user.sub, 'ann')
  assertRefused(t, await app.inject('/profile'), 'no token')
})

t.test('README recipe: @fastify/jwt\'s route-level onRequest: [fastify.authenticate] with loginRequired', async (t) => {
  const app = Fastify()
  t.teardown(() => app.close())

  await app.register(jwt, { secret: 'supersecret' })
  app.decorate('authenticate', async function (request: FastifyRequest, reply: FastifyReply) {
    try {
      await request.jwtVerify()
    } catch (err) {
      reply.send(err)
    }
  })
  await app.register(ajaxutils)

  app.get('/profile', { onRequest: [app.authenticate], config: { ajax: { loginRequired: true } } }, async (request) => ({ user: request.user }))

  const token = app.jwt.sign({ sub: 'ann' })
  const ok = await app.inject({ url: '/profile', headers: { authorization: `Bearer ${token}` } })
  t.equal(ok.statusCode, 200)
  t.equal((ok.json() as { user: { sub: string } }).user.sub, 'ann')
  assertRefused(t, await app.inject({ url: '/profile', headers: { authorization: `Bearer ${token}x` } }), 'forged token')
})

t.test('@fastify/jwt as the strategy: authenticate: (request) => request.jwtVerify()', async (t) => {
  const { app, lines, lastId } = loggedApp(t)
  await app.register(jwt, { secret: SECRET })
  await app.register(ajaxutils, { authenticate: (request) => request.jwtVerify() })
  let handled = 0
  app.get('/profile', { config: { ajax: { loginRequired: true } } }, async (request) => {
    handled++
    return { user: request.user }
  })
  const { valid, expired, forged } = await tokens(app)

  const ok = await app.inject({ url: '/profile', headers: { authorization: `Bearer ${valid}` } })
  t.equal(ok.statusCode, 200)
  t.equal(ok.headers['content-type'], JSON_TYPE)
  const user = (ok.json() as { user: { sub: string, role: string, iat: number } }).user
  t.same(user, { sub: 'ann', role: 'admin', iat: user.iat })
  t.equal(handled, 1)

  const refused: Array<[string, Record<string, string>, RegExp]> = [
    ['missing token', {}, /No Authorization was found in request\.headers/],
    ['a Bearer header that is not one token', { authorization: `Bearer ${valid} extra` }, /Format is Authorization: Bearer \[token\]/],
    ['expired token', { authorization: `Bearer ${expired}` }, /Authorization token expired/],
    ['token signed with another secret', { authorization: `Bearer ${forged.otherSecret}` }, /Authorization token is invalid/],
    ['token with a changed payload', { authorization: `Bearer ${forged.tampered}` }, /Authorization token is invalid/],
    ['unsigned token (alg none)', { authorization: `Bearer ${forged.unsigned}` }, /Unsigned authorization token|Authorization token is invalid/]
  ]
  for (const [label, headers, logged] of refused) {
    const res = await app.inject({ url: '/profile', headers })
    assertRefused(t, res, label)
    const line = refusal(lines, lastId())
    t.ok(line, `${label}: the refusal is logged with the request id`)
    t.match(line?.err?.message, logged, `${label}: the jwt message is in the log`)
  }
  t.equal(handled, 1, 'the handler ran for the valid token only')
})

t.test('the route-level onRequest: [fastify.authenticate] style works with loginRequired and the default rule', async (t) => {
  const app = Fastify()
  t.teardown(() => app.close())
  await app.register(jwt, { secret: SECRET })
  // The decorator from the @fastify/jwt README: replies with the jwt error on failure.
  app.decorate('authenticate', async function (request: FastifyRequest, reply: FastifyReply) {
    try {
      await request.jwtVerify()
    } catch (err) {
      reply.send(err)
    }
  })
  await app.register(ajaxutils)
  let handled = 0
  app.get('/profile', { onRequest: [app.authenticate], config: { ajax: { loginRequired: true } } }, async (request) => {
    handled++
    return { sub: (request.user as { sub: string }).sub }
  })
  const { valid, expired, forged } = await tokens(app)

  const ok = await app.inject({ url: '/profile', headers: { authorization: `Bearer ${valid}` } })
  t.equal(ok.statusCode, 200)
  t.equal(ok.headers['content-type'], JSON_TYPE)
  t.same(ok.json(), { sub: 'ann' })

  assertRefused(t, await app.inject('/profile'), 'missing token')
  assertRefused(t, await app.inject({ url: '/profile', headers: { authorization: `Bearer ${expired}` } }), 'expired token')
  for (const [label, token] of Object.entries(forged)) {
    assertRefused(t, await app.inject({ url: '/profile', headers: { authorization: `Bearer ${token}` } }), label)
  }
  t.equal(handled, 1)
})

t.test('a route-level hook that lets jwtVerify throw also ends in the 401 envelope', async (t) => {
  const app = Fastify()
  t.teardown(() => app.close())
  await app.register(jwt, { secret: SECRET })
  await app.register(ajaxutils, { wwwAuthenticate: 'Bearer realm="api"' })
  let handled = 0
  app.get('/profile', {
    onRequest: async (request) => { await request.jwtVerify() },
    config: { ajax: { loginRequired: true } }
  }, async () => { handled++; return 'ok' })
  const { expired } = await tokens(app)

  for (const headers of [{}, { authorization: `Bearer ${expired}` }, { authorization: 'Bearer not.a.token' }]) {
    const res = await app.inject({ url: '/profile', headers })
    assertRefused(t, res, JSON.stringify(headers))
    t.equal(res.headers['www-authenticate'], 'Bearer realm="api"', 'every 401 carries wwwAuthenticate, also those from a route hook')
  }
  t.equal(handled, 0)
})

t.test('without a route hook, a valid token alone is not a login: request.user is never set', async (t) => {
  const app = Fastify()
  t.teardown(() => app.close())
  await app.register(jwt, { secret: SECRET })
  await app.register(ajaxutils)
  app.get('/profile', { config: { ajax: { loginRequired: true } } }, async () => 'never')
  const res = await app.inject({ url: '/profile', headers: { authorization: `Bearer ${app.jwt.sign({ sub: 'ann' })}` } })
  t.equal(res.statusCode, 401)
  t.same(res.json(), UNAUTHORIZED)
})

t.test('a logged-in jwt user is checked for the method after the login', async (t) => {
  const app = Fastify()
  t.teardown(() => app.close())
  await app.register(jwt, { secret: SECRET })
  await app.register(ajaxutils, { authenticate: (request) => request.jwtVerify() })
  app.route({ method: ['GET', 'POST'], url: '/submit', config: { ajax: { loginRequired: true, requirePOST: true } }, handler: async () => ({ saved: true }) })
  const authorization = `Bearer ${app.jwt.sign({ sub: 'ann' })}`

  const anonymous = await app.inject('/submit')
  t.equal(anonymous.statusCode, 401)
  t.same(anonymous.json(), UNAUTHORIZED)

  const wrongMethod = await app.inject({ url: '/submit', headers: { authorization } })
  t.equal(wrongMethod.statusCode, 405)
  t.equal(wrongMethod.headers.allow, 'POST')
  t.same(wrongMethod.json(), { status: 'error', error: 'Method not allowed' })

  const saved = await app.inject({ method: 'POST', url: '/submit', headers: { authorization } })
  t.equal(saved.statusCode, 200)
  t.same(saved.json(), { saved: true })
})
