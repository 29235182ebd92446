// `authenticate` strategies through @fastify/auth: relation, 401/403, messages logged but
// never sent, redirects turned into the 401 envelope, and strategies that fail in odd ways.
import fastifyCookie from '@fastify/cookie'
import { Authenticator } from '@fastify/passport'
import fastifySession, { type SessionStore } from '@fastify/session'
import { Readable } from 'node:stream'
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest, type FastifyServerOptions } from 'fastify'
import { Strategy as LocalStrategy } from 'passport-local'
import t, { type Test } from 'tap'
import ajaxutils from '../index'
import { JSON_TYPE } from './helpers'

const UNAUTHORIZED = { status: 'error', error: 'Unauthorized' }
const FORBIDDEN = { status: 'error', error: 'Forbidden' }
const REFUSED_MSG = 'fastify-ajaxutils: login strategy refused the request'

type Strategy = ajaxutils.AjaxAuthStrategy

interface LogLine {
  level: number
  msg: string
  reqId?: string
  err?: { type?: string, message: string, code?: string }
}

/** An app with the plugin, a collected log, request ids rid-1, rid-2, ... and a counted login-required route. */
async function strategyApp (t: Test, options: ajaxutils.AjaxutilsOptions, server: FastifyServerOptions = {}) {
  const lines: LogLine[] = []
  let next = 0
  const app = Fastify({
    logger: { level: 'info', stream: { write (line: string) { lines.push(JSON.parse(line) as LogLine) } } },
    genReqId: () => `rid-${++next}`,
    ...server
  })
  t.teardown(() => app.close())
  await app.register(ajaxutils, options)
  let handled = 0
  app.get('/private', { config: { ajax: { loginRequired: true } } }, async () => { handled++; return { secret: 'data' } })
  return { app, lines, handled: () => handled, lastId: () => `rid-${next}` }
}

function withError (message: string, statusCode?: number): Error & { statusCode?: number } {
  const error: Error & { statusCode?: number } = new Error(message)
  if (statusCode !== undefined) error.statusCode = statusCode
  return error
}

function header (request: FastifyRequest, name: string): string | undefined {
  const value = request.headers[name]
  return typeof value === 'string' ? value : undefined
}

// Two strategies that read their own header: x-key must be 'k1', x-token must be 't1'.
const byKey: Strategy = (request, _reply, done) => done(header(request, 'x-key') === 'k1' ? undefined : withError('bad key'))
const byToken: Strategy = async (request) => { if (header(request, 'x-token') !== 't1') throw withError('bad token') }

t.test('relation \'or\' (the default): one passing strategy is enough', async (t) => {
  const { app, handled } = await strategyApp(t, { authenticate: [byKey, byToken] })
  const cases: Array<[Record<string, string>, number]> = [
    [{}, 401],
    [{ 'x-key': 'k1' }, 200],
    [{ 'x-token': 't1' }, 200],
    [{ 'x-key': 'k1', 'x-token': 't1' }, 200],
    [{ 'x-key': 'nope', 'x-token': 'nope' }, 401]
  ]
  for (const [headers, status] of cases) {
    const res = await app.inject({ url: '/private', headers })
    t.equal(res.statusCode, status, JSON.stringify(headers))
    t.equal(res.headers['content-type'], JSON_TYPE)
    t.same(res.json(), status === 200 ? { secret: 'data' } : UNAUTHORIZED)
  }
  t.equal(handled(), 3)
})

t.test('relation \'and\': every strategy must pass', async (t) => {
  const { app, handled } = await strategyApp(t, { authenticate: [byKey, byToken], relation: 'and' })
  const cases: Array<[Record<string, string>, number]> = [
    [{}, 401],
    [{ 'x-key': 'k1' }, 401],
    [{ 'x-token': 't1' }, 401],
    [{ 'x-key': 'k1', 'x-token': 't1' }, 200]
  ]
  for (const [headers, status] of cases) {
    const res = await app.inject({ url: '/private', headers })
    t.equal(res.statusCode, status, JSON.stringify(headers))
    t.same(res.json(), status === 200 ? { secret: 'data' } : UNAUTHORIZED)
  }
  t.equal(handled(), 1)
})

t.test('a strategy failing with statusCode 403 gets 403 Forbidden, in every form it can fail', async (t) => {
  const forbidden = () => withError('user ann may not read /private', 403)
  const forms: Array<[string, Strategy]> = [
    ['done(error)', (_request, _reply, done) => done(forbidden())],
    ['done(error) later', (_request, _reply, done) => { setImmediate(() => done(forbidden())) }],
    ['throw', () => { throw forbidden() }],
    ['async throw', async () => { throw forbidden() }],
    ['a plain object with statusCode 403', async () => { throw Object.assign({ message: 'no' }, { statusCode: 403 }) }]
  ]
  for (const [label, strategy] of forms) {
    const { app, handled } = await strategyApp(t, { authenticate: strategy, wwwAuthenticate: 'Bearer' })
    const res = await app.inject('/private')
    t.equal(res.statusCode, 403, `${label}: 403`)
    t.equal(res.headers['content-type'], JSON_TYPE)
    t.equal(res.headers['www-authenticate'], undefined, `${label}: the challenge is for 401 only`)
    t.same(res.json(), FORBIDDEN, `${label}: the envelope`)
    t.equal(handled(), 0)
  }
})

t.test('403 with two strategies: \'and\' stops at the forbidding one; \'or\' answers with the last failure', async (t) => {
  const forbids: Strategy = async () => { throw withError('forbidden', 403) }
  const anonymous: Strategy = async () => { throw withError('no credentials') }
  const cases: Array<[ajaxutils.AjaxutilsOptions, number]> = [
    [{ authenticate: [forbids, anonymous], relation: 'and' }, 403],
    [{ authenticate: [anonymous, forbids], relation: 'and' }, 401],
    [{ authenticate: [anonymous, forbids], relation: 'or' }, 403],
    [{ authenticate: [forbids, anonymous], relation: 'or' }, 401]
  ]
  for (const [options, status] of cases) {
    const { app } = await strategyApp(t, options)
    const res = await app.inject('/private')
    t.equal(res.statusCode, status)
    t.same(res.json(), status === 403 ? FORBIDDEN : UNAUTHORIZED)
  }
})

t.test('only statusCode 403 means Forbidden: other statuses a strategy fails with are 401', async (t) => {
  for (const error of [withError('db down', 500), withError('bad request', 400), withError('teapot', 418), Object.assign(withError('x'), { status: 403 })]) {
    const { app } = await strategyApp(t, { authenticate: async () => { throw error } })
    const res = await app.inject('/private')
    t.equal(res.statusCode, 401, error.message)
    t.same(res.json(), UNAUTHORIZED)
  }
})

t.test('strategy messages are never sent but logged with the request id', async (t) => {
  const { app, lines, lastId } = await strategyApp(t, {
    authenticate: async (request) => { throw withError(`token eyJhbGciOi.secret for ${header(request, 'x-user') ?? 'nobody'} expired`) },
    requestId: true
  })
  const res = await app.inject({ url: '/private', headers: { 'x-user': 'ann' } })
  t.equal(res.statusCode, 401)
  t.same(res.json(), { ...UNAUTHORIZED, requestId: lastId() })
  t.notMatch(res.body, /eyJ|secret|expired|ann/)
  const logged = lines.filter((line) => line.msg === REFUSED_MSG)
  t.equal(logged.length, 1)
  t.equal(logged[0].reqId, lastId())
  t.equal(logged[0].level, 30)
  t.equal(logged[0].err?.message, 'token eyJhbGciOi.secret for ann expired')

  const forbidden = await strategyApp(t, { authenticate: async () => { throw withError('api key sk_live_123 revoked', 403) } })
  const res403 = await forbidden.app.inject('/private')
  t.equal(res403.statusCode, 403)
  t.same(res403.json(), FORBIDDEN)
  t.notMatch(res403.body, /sk_live|revoked/)
  const line = forbidden.lines.find((candidate) => candidate.msg === REFUSED_MSG)
  t.equal(line?.reqId, forbidden.lastId())
  t.equal(line?.err?.message, 'api key sk_live_123 revoked')
})

t.test('strategies that call reply.redirect(\'/login\') get the 401 envelope and no location header', async (t) => {
  const streams: Readable[] = []
  const htmlStream = (): Readable => {
    const stream = Readable.from(['<html>login</html>'])
    streams.push(stream)
    return stream
  }
  const forms: Array<[string, Strategy]> = [
    ['async, returns the reply', async (_request, reply) => reply.redirect('/login')],
    ['callback, never calls done', (_request, reply) => { reply.redirect('/login') }],
    ['callback, redirect then done(error)', (_request, reply, done) => { reply.redirect('/login'); done(withError('anonymous')) }],
    ['async, redirect then throw', async (_request, reply) => { reply.redirect('/login'); throw withError('anonymous') }],
    ['303 See Other', async (_request, reply) => reply.redirect('/login', 303)],
    ['307 with an absolute URL', async (_request, reply) => reply.redirect('https://sso.example/authorize?client=app', 307)],
    ['code and location by hand', async (_request, reply) => reply.code(302).header('location', '/login').send()],
    // A login redirect is any 3xx a strategy sends, with or without a location, whatever its body.
    ['302 without a location', async (_request, reply) => reply.code(302).send()],
    ['303 with text and no location', async (_request, reply) => reply.code(303).send('See /login')],
    ['302 with an object and no location', async (_request, reply) => reply.code(302).send({ go: '/login' })],
    ['302 with an HTML Buffer', async (_request, reply) => reply.code(302).header('location', '/login').send(Buffer.from('<html>login</html>'))],
    ['302 with an HTML stream', async (_request, reply) => reply.code(302).header('location', '/login').send(htmlStream())],
    ['a fetch Response redirect', async (_request, reply) => reply.send(new Response('<html>login</html>', { status: 302, headers: { location: '/login' } }))],
    ['a fetch Response 303 without a location', async (_request, reply) => reply.send(new Response(null, { status: 303 }))]
  ]
  for (const [label, strategy] of forms) {
    const { app, handled } = await strategyApp(t, { authenticate: strategy, wwwAuthenticate: 'Bearer' })
    const res = await app.inject('/private')
    t.equal(res.statusCode, 401, `${label}: 401`)
    t.equal(res.headers['content-type'], JSON_TYPE, `${label}: JSON`)
    t.equal(res.headers.location, undefined, `${label}: no location`)
    t.equal(res.headers['www-authenticate'], 'Bearer', `${label}: the challenge`)
    t.same(res.json(), UNAUTHORIZED, `${label}: the envelope`)
    t.equal(handled(), 0, `${label}: the handler never ran`)
  }
  t.equal(streams.length, 1)
  t.equal(streams[0].destroyed, true, 'the stream a strategy redirected with is closed, not sent')
})

t.test('a strategy that redirects in the router-level check (a method the URL has no route for) gets the 401 envelope too', async (t) => {
  const strategy: Strategy = async (request, reply) => {
    const kind = header(request, 'x-kind')
    if (kind === 'redirect') return reply.redirect('/login')
    if (kind === 'bare-302') return reply.code(302).send()
    if (kind !== 'member') throw withError('anonymous')
  }
  const { app } = await strategyApp(t, { authenticate: strategy, wwwAuthenticate: 'Bearer' })
  for (const kind of ['redirect', 'bare-302', 'none']) {
    const res = await app.inject({ method: 'POST', url: '/private', headers: { 'x-kind': kind } })
    t.equal(res.statusCode, 401, `${kind}: 401`)
    t.equal(res.headers['content-type'], JSON_TYPE, `${kind}: JSON`)
    t.equal(res.headers.location, undefined, `${kind}: no location`)
    t.equal(res.headers['www-authenticate'], 'Bearer', `${kind}: the challenge`)
    t.equal(res.body, JSON.stringify(UNAUTHORIZED), `${kind}: the envelope`)
  }
  // A logged-in client learns which methods the URL has; an unknown URL keeps Fastify's 404.
  const member = await app.inject({ method: 'POST', url: '/private', headers: { 'x-kind': 'member' } })
  t.equal(member.statusCode, 405)
  t.equal(member.headers.allow, 'GET, HEAD')
  t.equal(member.headers['content-type'], JSON_TYPE)
  t.equal(member.body, '{"status":"error","error":"Method not allowed"}')
  const unknown = await app.inject({ method: 'POST', url: '/nowhere', headers: { 'x-kind': 'redirect' } })
  t.equal(unknown.statusCode, 404)
  t.equal(unknown.headers['content-type'], JSON_TYPE)
  t.same(unknown.json(), { message: 'Route POST:/nowhere not found', error: 'Not Found', statusCode: 404 })
})

t.test('a route-level hook that redirects (the @fastify/passport README guard) also gets the 401 envelope', async (t) => {
  const app = Fastify()
  t.teardown(() => app.close())
  await app.register(ajaxutils)
  let handled = 0
  app.get('/private', {
    preValidation: async (_request: FastifyRequest, reply: FastifyReply) => reply.redirect('/auth/login'),
    config: { ajax: true }
  }, async () => { handled++; return 'never' })
  const res = await app.inject('/private')
  t.equal(res.statusCode, 401)
  t.equal(res.headers['content-type'], JSON_TYPE)
  t.equal(res.headers.location, undefined)
  t.same(res.json(), UNAUTHORIZED)
  t.equal(handled, 0)
})

// Values a careless strategy throws, rejects or calls done with.
const NON_ERRORS: Array<[string, unknown]> = [
  ['a string', 'nope'],
  ['null', null],
  ['undefined', undefined],
  ['a plain object', { reason: 'nope' }],
  ['an object without a prototype', Object.create(null)],
  ['false', false],
  ['0', 0],
  ['a symbol', Symbol('nope')]
]

t.test('strategies that throw or reject with a non-Error value still get the 401 envelope; the handler never runs, the server stays up', async (t) => {
  for (const [label, value] of NON_ERRORS) {
    const forms: Array<[string, Strategy]> = [
      ['sync throw', () => { throw value }],
      ['async throw', async () => { throw value }],
      ['Promise.reject', () => Promise.reject(value)]
    ]
    if (value !== null && value !== undefined) {
      forms.push(['done(value)', (_request, _reply, done) => done(value as Error)])
      forms.push(['done(value) later', (_request, _reply, done) => { setImmediate(() => done(value as Error)) }])
    }
    for (const [form, strategy] of forms) {
      const { app, handled, lines } = await strategyApp(t, { authenticate: strategy })
      const res = await app.inject('/private')
      t.equal(res.statusCode, 401, `${form} ${label}: 401`)
      t.equal(res.headers['content-type'], JSON_TYPE)
      t.same(res.json(), UNAUTHORIZED, `${form} ${label}: the envelope`)
      t.equal(handled(), 0, `${form} ${label}: the handler never ran`)
      const line = lines.find((candidate) => candidate.msg === REFUSED_MSG)
      t.equal(line?.err?.code, 'FST_AJAX_STRATEGY_FAILED', `${form} ${label}: logged as a failed strategy`)
    }
  }
})

t.test('done() and done(null) are a success, as in @fastify/auth', async (t) => {
  for (const strategy of [(_request, _reply, done) => done(), (_request, _reply, done) => done(null as unknown as Error)] as Strategy[]) {
    const { app } = await strategyApp(t, { authenticate: strategy })
    const res = await app.inject('/private')
    t.equal(res.statusCode, 200)
    t.same(res.json(), { secret: 'data' })
  }
})

t.test('after many failing strategies of every kind, a listening server still answers', async (t) => {
  let calls = 0
  const { app } = await strategyApp(t, {
    authenticate: (request, _reply, done) => {
      calls++
      const value = NON_ERRORS[calls % NON_ERRORS.length][1]
      if (header(request, 'x-ok') === 'yes') return done()
      if (calls % 3 === 0) return done((value ?? 'x') as Error)
      if (calls % 3 === 1) throw value
      return Promise.reject(value)
    }
  })
  await app.listen({ port: 0, host: '127.0.0.1' })
  const base = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`
  for (let i = 0; i < 48; i++) {
    const res = await fetch(`${base}/private`)
    t.equal(res.status, 401)
    t.same(await res.json(), UNAUTHORIZED)
  }
  const ok = await fetch(`${base}/private`, { headers: { 'x-ok': 'yes' } })
  t.equal(ok.status, 200)
  t.same(await ok.json(), { secret: 'data' })
})

// An app-level onSend hook that takes time, like @fastify/session saving to a store over the network.
function slowOnSend (app: FastifyInstance): void {
  app.addHook('onSend', async (_request, _reply, payload) => {
    await new Promise((resolve) => setTimeout(resolve, 10))
    return payload
  })
}

t.test('an async strategy that also calls done(error) is refused once: status 401 and the handler never runs', async (t) => {
  const { app, handled } = await strategyApp(t, {
    // A common mistake: an async function that also uses the callback. @fastify/auth sees both.
    authenticate: async (_request, _reply, done) => { done(withError('anonymous')) }
  })
  slowOnSend(app)
  const res = await app.inject('/private')
  await new Promise((resolve) => setTimeout(resolve, 50))
  t.equal(res.statusCode, 401)
  t.same(res.json(), UNAUTHORIZED)
  t.equal(handled(), 0, 'the strategy\'s resolved promise must not count as a second, successful answer')
})

t.test('a strategy that redirects without returning the reply never lets the handler run', async (t) => {
  const { app, handled } = await strategyApp(t, {
    authenticate: async (_request, reply) => { reply.redirect('/login') }
  })
  slowOnSend(app)
  const res = await app.inject('/private')
  await new Promise((resolve) => setTimeout(resolve, 50))
  t.equal(res.statusCode, 401)
  t.equal(res.headers.location, undefined)
  t.same(res.json(), UNAUTHORIZED)
  t.equal(handled(), 0, 'the redirect already answered: the handler must not run for an anonymous request')
})

/** A store in the shape the @fastify/session README asks for, answering later as a networked store does. */
function asyncSessionStore (): SessionStore {
  const saved = new Map<string, string>()
  return {
    set (id, session, callback) { setImmediate(() => { saved.set(id, JSON.stringify(session)); callback() }) },
    get (id, callback) { setImmediate(() => { const text = saved.get(id); callback(null, text === undefined ? null : JSON.parse(text)) }) },
    destroy (id, callback) { setImmediate(() => { saved.delete(id); callback() }) }
  }
}

t.test('with @fastify/session and an asynchronous store, a redirecting session strategy never lets the handler run', async (t) => {
  const store = asyncSessionStore()
  const app = Fastify()
  t.teardown(() => app.close())
  await app.register(fastifyCookie)
  await app.register(fastifySession, { secret: 'a secret with minimum length of 32 characters', cookie: { secure: false }, store })
  await app.register(ajaxutils, {
    authenticate: async (request, reply) => {
      if (request.session.get('user' as never) === undefined) reply.redirect('/login')
    }
  })
  let handled = 0
  app.get('/account', { config: { ajax: { loginRequired: true } } }, async () => { handled++; return { balance: 100 } })
  const res = await app.inject('/account')
  await new Promise((resolve) => setTimeout(resolve, 50))
  t.equal(res.statusCode, 401)
  t.equal(res.headers.location, undefined)
  t.same(res.json(), UNAUTHORIZED)
  t.equal(handled, 0, 'the handler must never run for an anonymous request')
})

// Strategies that answer the request themselves and then settle anyway. Without an async onSend
// hook the answer has left before they settle; with one it is still on its way, and nothing else
// may be sent, the status may not change and the handler may not run.
const SELF_ANSWERS: Array<[string, Strategy, number, unknown]> = [
  ['reply.code(401).send(object), then resolve', async (_request, reply) => { reply.code(401).send({ reason: 'session expired' }) }, 401, { status: 'error', error: { reason: 'session expired' } }],
  ['reply.code(403).send(text), then done()', (_request, reply, done) => { reply.code(403).send('Account locked'); done() }, 403, { status: 'error', error: 'Account locked' }],
  ['reply.code(401).send(text), then done(error)', (_request, reply, done) => { reply.code(401).send('Session expired'); done(withError('expired')) }, 401, { status: 'error', error: 'Session expired' }],
  ['reply.redirect(), then done(error)', (_request, reply, done) => { reply.redirect('/login'); done(withError('anonymous')) }, 401, UNAUTHORIZED],
  ['reply.redirect(), then throw', async (_request, reply) => { reply.redirect('/login'); throw withError('anonymous') }, 401, UNAUTHORIZED]
]

for (const slow of [false, true]) {
  for (const [label, strategy, status, body] of SELF_ANSWERS) {
    t.test(`a strategy that answers by itself (${label})${slow ? ', with an async onSend hook,' : ''} is answered once, as it answered`, async (t) => {
      const { app, handled, lines } = await strategyApp(t, { authenticate: strategy })
      if (slow) slowOnSend(app)
      const res = await app.inject('/private')
      await new Promise((resolve) => setTimeout(resolve, 50))
      t.equal(res.statusCode, status)
      t.equal(res.headers['content-type'], JSON_TYPE)
      t.equal(res.headers.location, undefined)
      t.same(JSON.parse(res.body), body, 'one valid envelope')
      t.equal(handled(), 0, 'the handler never runs')
      t.same(lines.filter((line) => line.level >= 40).map((line) => line.msg), [], 'no "Reply was already sent" warning: nothing was sent twice')
    })
  }
}

t.test('@fastify/passport\'s authenticate(\'local\') as the strategy, with @fastify/session on an asynchronous store: 401 and the handler never runs', async (t) => {
  const store = asyncSessionStore()
  const app = Fastify()
  t.teardown(() => app.close())
  const passport = new Authenticator()
  await app.register(fastifyCookie)
  await app.register(fastifySession, { secret: 'a secret with minimum length of 32 characters', cookie: { secure: false }, store })
  await app.register(passport.initialize())
  await app.register(passport.secureSession())
  passport.use('local', new LocalStrategy((username, password, done) => done(null, username === 'ann' && password === 'pw' ? { name: username } : false)))
  // Without failureRedirect, passport answers 401 'Unauthorized' itself and resolves.
  await app.register(ajaxutils, { authenticate: passport.authenticate('local', { session: false }), hook: 'preValidation' })
  let handled = 0
  app.post('/transfer', { config: { ajax: { loginRequired: true } } }, async () => { handled++; return { sent: 100 } })

  const res = await app.inject({ method: 'POST', url: '/transfer', payload: { username: 'mallory', password: 'guess' } })
  await new Promise((resolve) => setTimeout(resolve, 50))
  t.equal(res.statusCode, 401)
  t.equal(res.headers['content-type'], JSON_TYPE)
  t.same(res.json(), UNAUTHORIZED)
  t.equal(handled, 0, 'an anonymous transfer must never run')

  const ok = await app.inject({ method: 'POST', url: '/transfer', payload: { username: 'ann', password: 'pw' } })
  t.equal(ok.statusCode, 200)
  t.same(ok.json(), { sent: 100 })
  t.equal(handled, 1)
})

const OPTION_ERRORS: Array<[string, unknown, RegExp]> = [
  ['authenticate null', { authenticate: null }, /option authenticate must be a function, got object/],
  ['authenticate an object of strategies', { authenticate: { jwt: () => {} } }, /option authenticate must be a function, got object/],
  ['authenticate a number', { authenticate: 1 }, /option authenticate must be a function, got number/],
  ['authenticate an empty array', { authenticate: [] }, /option authenticate must name at least one strategy/],
  ['authenticate with a nested array', { authenticate: [[() => {}, () => {}]] }, /option authenticate\[0\] must be a function, got object/],
  ['authenticate with undefined in the array', { authenticate: [() => {}, undefined] }, /option authenticate\[1\] must be a function, got undefined/],
  ['relation in upper case', { relation: 'OR' }, /option relation must be 'or' or 'and', got OR/],
  ['hook in lower case', { hook: 'onrequest' }, /option hook must be one of onRequest, preParsing, preValidation, preHandler, got onrequest/],
  ['hook onSend', { hook: 'onSend' }, /option hook must be one of .*, got onSend/],
  ['hook preSerialization', { hook: 'preSerialization' }, /option hook must be one of .*, got preSerialization/],
  ['hook a function', { hook: () => {} }, /option hook must be one of/],
  ['wwwAuthenticate true', { wwwAuthenticate: true }, /option wwwAuthenticate must be a non-empty string/],
  ['wwwAuthenticate an array', { wwwAuthenticate: ['Basic', 'Bearer'] }, /option wwwAuthenticate must be a non-empty string/],
  ['wwwAuthenticate with a newline', { wwwAuthenticate: 'Basic\nSet-Cookie: a=b' }, /option wwwAuthenticate must be a non-empty string that is a valid header value/]
]

for (const [label, options, message] of OPTION_ERRORS) {
  t.test(`plugin option ${label} fails at startup with FST_AJAX_PLUGIN_OPTION naming the option`, async (t) => {
    const app = Fastify()
    t.teardown(() => app.close())
    await t.rejects(async () => { await app.register(ajaxutils, options as ajaxutils.AjaxutilsOptions) }, { code: 'FST_AJAX_PLUGIN_OPTION', message })
  })
}

t.test('a bad option also fails app.ready() when the plugin is registered without await', async (t) => {
  const app = Fastify()
  t.teardown(() => app.close())
  app.register(ajaxutils, { hook: 'onResponse' } as unknown as ajaxutils.AjaxutilsOptions)
  await t.rejects(async () => { await app.ready() }, { code: 'FST_AJAX_PLUGIN_OPTION', message: /option hook must be one of/ })
})
