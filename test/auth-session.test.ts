// Login checks with @fastify/cookie + @fastify/session (its in-memory store), started as its README says:
// a real login route puts the user in the session, the browser carries the cookie back.
import fastifyCookie from '@fastify/cookie'
import fastifySession from '@fastify/session'
import Fastify, { type FastifyInstance, type LightMyRequestResponse } from 'fastify'
import t, { type Test } from 'tap'
import ajaxutils from '../index'
import { JSON_TYPE } from './helpers'

declare module 'fastify' {
  interface Session {
    user?: { name: string }
  }
}

const UNAUTHORIZED = { status: 'error', error: 'Unauthorized' }
const SESSION_SECRET = 'a secret with minimum length of 32 characters'
const PASSWORDS: Record<string, string> = { ann: 'correct horse' }

async function checkPassword (name: string, password: string): Promise<boolean> {
  return Object.hasOwn(PASSWORDS, name) && PASSWORDS[name] === password
}

/** Cookie, session and the login/logout routes every recipe below shares. */
async function sessionApp (t: Test): Promise<FastifyInstance> {
  const app = Fastify()
  t.teardown(() => app.close())
  await app.register(fastifyCookie)
  // inject() speaks plain HTTP: the README says to turn `secure` off there.
  await app.register(fastifySession, { secret: SESSION_SECRET, cookie: { secure: false } })
  return app
}

function addLoginRoutes (app: FastifyInstance): void {
  app.post('/login', { config: { ajax: true } }, async (request) => {
    const { name, password } = request.body as { name: string, password: string }
    if (PASSWORDS[name] !== password) return ['Wrong name or password', 401]
    await request.session.regenerate()
    request.session.set('user', { name })
    return { name }
  })
  app.post('/logout', { config: { ajax: true } }, async (request) => {
    await request.session.destroy()
    return { loggedOut: true }
  })
}

function sessionCookie (res: LightMyRequestResponse): Record<string, string> {
  const cookie = res.cookies.find((candidate) => candidate.name === 'sessionId')
  if (cookie === undefined) throw new Error('no session cookie set')
  return { sessionId: cookie.value }
}

async function assertLoginFlow (t: Test, app: FastifyInstance, handled: () => number): Promise<void> {
  const anonymous = await app.inject('/me')
  t.equal(anonymous.statusCode, 401, 'no cookie: 401')
  t.equal(anonymous.headers['content-type'], JSON_TYPE)
  t.same(anonymous.json(), UNAUTHORIZED)

  const wrong = await app.inject({ method: 'POST', url: '/login', payload: { name: 'ann', password: 'guess' } })
  t.equal(wrong.statusCode, 401)
  t.same(wrong.json(), 'Wrong name or password', 'a tuple answers its data as is')

  const login = await app.inject({ method: 'POST', url: '/login', payload: { name: 'ann', password: 'correct horse' } })
  t.equal(login.statusCode, 200)
  t.same(login.json(), { name: 'ann' })
  const cookies = sessionCookie(login)

  const me = await app.inject({ url: '/me', cookies })
  t.equal(me.statusCode, 200, 'the session cookie logs the request in')
  t.equal(me.headers['content-type'], JSON_TYPE)
  t.same(me.json(), { name: 'ann' })

  const forged = await app.inject({ url: '/me', cookies: { sessionId: cookies.sessionId.replace(/.$/, (c) => c === 'A' ? 'B' : 'A') } })
  t.equal(forged.statusCode, 401, 'a cookie with a broken signature is anonymous')
  t.same(forged.json(), UNAUTHORIZED)

  const logout = await app.inject({ method: 'POST', url: '/logout', cookies })
  t.equal(logout.statusCode, 200)
  t.same(logout.json(), { loggedOut: true })

  const after = await app.inject({ url: '/me', cookies })
  t.equal(after.statusCode, 401, 'the old cookie no longer logs in after session.destroy()')
  t.equal(after.headers['content-type'], JSON_TYPE)
  t.same(after.json(), UNAUTHORIZED)
  t.equal(handled(), 1, 'the handler ran only for the logged-in request')
}

t.test('README recipe: @fastify/session, a login route and a strategy that reads the session', async (t) => {
  const app = Fastify()
  t.teardown(() => app.close())
  let handled = 0
  app.addHook('preHandler', async (request) => { if (request.url === '/me') handled++ })

  await app.register(fastifyCookie)
  await app.register(fastifySession, { secret: 'a secret with minimum length of 32 characters', cookie: { secure: false, sameSite: 'lax' } })
  await app.register(ajaxutils, {
    authenticate: async (request) => {
      if (request.session.get('user') === undefined) throw new Error('no user in the session')
    }
  })

  app.post('/login', { config: { ajax: true } }, async (request) => {
    const { name, password } = request.body as { name: string, password: string }
    if (!await checkPassword(name, password)) return ['Wrong name or password', 401]
    await request.session.regenerate()
    request.session.set('user', { name })
    return { name }
  })
  app.post('/logout', { config: { ajax: true } }, async (request) => {
    await request.session.destroy()
    return { loggedOut: true }
  })
  app.get('/me', { config: { ajax: { loginRequired: true } } }, async (request) => request.session.get('user'))

  await assertLoginFlow(t, app, () => handled)
})

t.test('@fastify/session: a strategy that reads the session user', async (t) => {
  const app = await sessionApp(t)
  await app.register(ajaxutils, {
    authenticate: async (request) => {
      if (request.session.get('user') === undefined) throw new Error('no user in the session')
    }
  })
  addLoginRoutes(app)
  let handled = 0
  app.get('/me', { config: { ajax: { loginRequired: true } } }, async (request) => {
    handled++
    return request.session.get('user')
  })
  await assertLoginFlow(t, app, () => handled)
})

t.test('@fastify/session: an onRequest hook that copies the session user to request.user (the default rule)', async (t) => {
  const app = await sessionApp(t)
  app.decorateRequest('user', null)
  // @fastify/session loads the session in its own onRequest hook, which was added first.
  app.addHook('onRequest', async (request) => {
    (request as typeof request & { user: unknown }).user = request.session.get('user') ?? null
  })
  await app.register(ajaxutils)
  addLoginRoutes(app)
  let handled = 0
  app.get('/me', { config: { ajax: { loginRequired: true } } }, async (request) => {
    handled++
    return request.session.get('user')
  })
  await assertLoginFlow(t, app, () => handled)
})

t.test('@fastify/session: a logged-in POST to a login-required route keeps its body and its session', async (t) => {
  const app = await sessionApp(t)
  await app.register(ajaxutils, {
    authenticate: async (request) => {
      if (request.session.get('user') === undefined) throw new Error('no user in the session')
    }
  })
  addLoginRoutes(app)
  app.post('/notes', { config: { ajax: { loginRequired: true, requirePOST: true } } }, async (request) => {
    return [{ by: request.session.get('user')?.name, note: (request.body as { note: string }).note }, 201]
  })
  const login = await app.inject({ method: 'POST', url: '/login', payload: { name: 'ann', password: 'correct horse' } })
  const res = await app.inject({ method: 'POST', url: '/notes', cookies: sessionCookie(login), payload: { note: 'hello' } })
  t.equal(res.statusCode, 201)
  t.equal(res.headers['content-type'], JSON_TYPE)
  t.same(res.json(), { by: 'ann', note: 'hello' })
})
