// Login checks with @fastify/passport + passport-local and @fastify/secure-session, started as the
// @fastify/passport README says. Passport puts the session's user on request.user in an app-level
// preValidation hook, so the checks have to run in preValidation (or preHandler) to see it.
import { randomBytes } from 'node:crypto'
import { Authenticator } from '@fastify/passport'
import fastifySecureSession from '@fastify/secure-session'
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest, type LightMyRequestResponse } from 'fastify'
import { Strategy as LocalStrategy } from 'passport-local'
import t, { type Test } from 'tap'
import ajaxutils from '../index'
import { JSON_TYPE } from './helpers'

declare module 'fastify' {
  interface PassportUser {
    name: string
  }
}

const UNAUTHORIZED = { status: 'error', error: 'Unauthorized' }
const USERS: Record<string, { name: string, password: string }> = { ann: { name: 'ann', password: 'correct horse' } }

async function passportApp (t: Test, pluginOptions: ajaxutils.AjaxutilsOptions) {
  const app = Fastify()
  t.teardown(() => app.close())
  const passport = new Authenticator()
  await app.register(fastifySecureSession, { key: randomBytes(32), cookie: { path: '/' } })
  await app.register(passport.initialize())
  await app.register(passport.secureSession())
  passport.use('local', new LocalStrategy((username, password, done) => {
    const user = USERS[username]
    done(null, user !== undefined && user.password === password ? { name: user.name } : false)
  }))
  passport.registerUserSerializer(async (user: { name: string }) => user.name)
  passport.registerUserDeserializer(async (name: string) => USERS[name] === undefined ? null : { name })

  await app.register(ajaxutils, pluginOptions)
  app.post('/login', { preValidation: passport.authenticate('local', { authInfo: false }), config: { ajax: true } },
    async (request) => ({ name: request.user?.name }))
  app.post('/logout', { config: { ajax: true } }, async (request) => {
    await request.logout()
    return { loggedOut: true }
  })
  let handled = 0
  app.get('/me', { config: { ajax: { loginRequired: true } } }, async (request) => {
    handled++
    return { name: request.user?.name }
  })
  return { app, handled: () => handled }
}

function sessionCookie (res: LightMyRequestResponse): Record<string, string> {
  const cookie = res.cookies.find((candidate) => candidate.name === 'session')
  if (cookie === undefined) throw new Error('no session cookie set')
  return { session: cookie.value }
}

async function logIn (t: Test, app: FastifyInstance): Promise<Record<string, string>> {
  const login = await app.inject({ method: 'POST', url: '/login', payload: { username: 'ann', password: 'correct horse' } })
  t.equal(login.statusCode, 200, 'the local strategy logs ann in')
  t.same(login.json(), { name: 'ann' })
  return sessionCookie(login)
}

t.test('README recipe: @fastify/passport with passport-local and @fastify/secure-session, hook: \'preValidation\'', async (t) => {
  const app = Fastify()
  t.teardown(() => app.close())
  const key = randomBytes(32)
  const findUser = async (name: string) => USERS[name] === undefined ? null : { name }
  const checkPassword = async (name: string, password: string) => USERS[name]?.password === password

  const passport = new Authenticator()
  await app.register(fastifySecureSession, { key, cookie: { path: '/' } })
  await app.register(passport.initialize())
  await app.register(passport.secureSession())
  passport.use('local', new LocalStrategy((username, password, done) => {
    checkPassword(username, password).then((ok) => done(null, ok ? { name: username } : false), done)
  }))
  passport.registerUserSerializer(async (user: { name: string }) => user.name)
  passport.registerUserDeserializer(async (name: string) => findUser(name))
  // Passport reads the user from the session in a preValidation hook: check logins there.
  await app.register(ajaxutils, { hook: 'preValidation' })

  app.post('/login', { preValidation: passport.authenticate('local', { authInfo: false }), config: { ajax: true } },
    async (request) => ({ name: request.user?.name }))
  app.post('/logout', { config: { ajax: true } }, async (request) => {
    await request.logout()
    return { loggedOut: true }
  })
  app.get('/me', { config: { ajax: { loginRequired: true } } }, async (request) => ({ name: request.user?.name }))

  const anonymous = await app.inject('/me')
  t.equal(anonymous.statusCode, 401)
  t.same(anonymous.json(), UNAUTHORIZED)
  const cookies = await logIn(t, app)
  const me = await app.inject({ url: '/me', cookies })
  t.equal(me.statusCode, 200)
  t.same(me.json(), { name: 'ann' })
})

t.test('@fastify/passport with the default hook: a logged-in user still gets 401, passport sets request.user later', async (t) => {
  const { app, handled } = await passportApp(t, {})
  const cookies = await logIn(t, app)
  const me = await app.inject({ url: '/me', cookies })
  t.equal(me.statusCode, 401, 'onRequest runs before passport\'s preValidation hook has read the session')
  t.equal(me.headers['content-type'], JSON_TYPE)
  t.same(me.json(), UNAUTHORIZED)
  t.equal(handled(), 0)
})

for (const hook of ['preValidation', 'preHandler'] as const) {
  t.test(`@fastify/passport with hook: '${hook}': log in, call, log out`, async (t) => {
    const { app, handled } = await passportApp(t, { hook })

    const anonymous = await app.inject('/me')
    t.equal(anonymous.statusCode, 401)
    t.equal(anonymous.headers['content-type'], JSON_TYPE)
    t.same(anonymous.json(), UNAUTHORIZED)

    const failed = await app.inject({ method: 'POST', url: '/login', payload: { username: 'ann', password: 'guess' } })
    t.equal(failed.statusCode, 401, 'passport\'s own failure answer on an ajax route')
    t.equal(failed.headers['content-type'], JSON_TYPE)
    t.same(failed.json(), UNAUTHORIZED)

    const cookies = await logIn(t, app)
    const me = await app.inject({ url: '/me', cookies })
    t.equal(me.statusCode, 200)
    t.equal(me.headers['content-type'], JSON_TYPE)
    t.same(me.json(), { name: 'ann' })

    const logout = await app.inject({ method: 'POST', url: '/logout', cookies })
    t.equal(logout.statusCode, 200)
    t.same(logout.json(), { loggedOut: true })
    const after = await app.inject({ url: '/me', cookies: sessionCookie(logout) })
    t.equal(after.statusCode, 401, 'the cookie set by the logout holds no user')
    t.same(after.json(), UNAUTHORIZED)
    t.equal(handled(), 1)
  })
}

t.test('@fastify/passport with hook: \'preValidation\': the body is parsed first, an anonymous body with a schema error still gets 401', async (t) => {
  const { app } = await passportApp(t, { hook: 'preValidation' })
  let handled = 0
  app.post('/notes', {
    schema: { body: { type: 'object', required: ['note'], properties: { note: { type: 'string' } } } },
    config: { ajax: { loginRequired: true } }
  }, async () => { handled++; return 'saved' })
  const invalid = await app.inject({ method: 'POST', url: '/notes', payload: { nothing: true } })
  t.equal(invalid.statusCode, 401, 'the login check runs before schema validation')
  t.same(invalid.json(), UNAUTHORIZED)

  const cookies = await logIn(t, app)
  const validationError = await app.inject({ method: 'POST', url: '/notes', cookies, payload: { nothing: true } })
  t.equal(validationError.statusCode, 400)
  t.equal(validationError.headers['content-type'], JSON_TYPE)
  t.same(validationError.json(), {
    status: 'error',
    error: 'body must have required property \'note\'',
    details: [{ instancePath: '', schemaPath: '#/required', keyword: 'required', params: { missingProperty: 'note' }, message: 'must have required property \'note\'' }]
  })
  const saved = await app.inject({ method: 'POST', url: '/notes', cookies, payload: { note: 'hi' } })
  t.equal(saved.statusCode, 200)
  t.same(saved.json(), 'saved')
  t.equal(handled, 1)
})

t.test('@fastify/passport with hook: \'preValidation\': a logged-in wrong method gets 405; an anonymous one never reaches a handler', async (t) => {
  const { app, handled } = await passportApp(t, { hook: 'preValidation' })
  const anonymous = await app.inject({ method: 'DELETE', url: '/me' })
  // With a late hook the user is known only after the body is read: the URL's 405 comes first.
  t.equal(anonymous.statusCode, 405)
  t.equal(anonymous.headers['content-type'], JSON_TYPE)
  t.equal(anonymous.headers.allow, 'GET, HEAD')
  t.same(anonymous.json(), { status: 'error', error: 'Method not allowed' })
  const cookies = await logIn(t, app)
  const wrongMethod = await app.inject({ method: 'DELETE', url: '/me', cookies })
  t.equal(wrongMethod.statusCode, 405)
  t.equal(wrongMethod.headers.allow, 'GET, HEAD')
  t.same(wrongMethod.json(), { status: 'error', error: 'Method not allowed' })
  t.equal(handled(), 0)
})

t.test('README recipe: the @fastify/passport README\'s redirecting guard on an ajax route answers the 401 envelope', async (t) => {
  const { app } = await passportApp(t, {})
  // The last hook before a handler: it counts the requests that reach one.
  let handled = 0
  app.addHook('preHandler', async (request) => { if (request.url === '/orders') handled++ })

  const requireLogin = async (request: FastifyRequest, reply: FastifyReply) => {
    if (!request.isAuthenticated()) return reply.redirect('/login')
  }
  app.get('/orders', { preValidation: requireLogin, config: { ajax: true } }, async (request) => ({ orders: [], for: request.user?.name }))

  const anonymous = await app.inject('/orders')
  t.equal(anonymous.statusCode, 401)
  t.equal(anonymous.headers['content-type'], JSON_TYPE)
  t.equal(anonymous.headers.location, undefined)
  t.same(anonymous.json(), UNAUTHORIZED)
  const cookies = await logIn(t, app)
  const ok = await app.inject({ url: '/orders', cookies })
  t.equal(ok.statusCode, 200)
  t.same(ok.json(), { orders: [], for: 'ann' })
  t.equal(handled, 1)
})
