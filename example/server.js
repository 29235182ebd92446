'use strict'

// The demo behind `npm start`: one Fastify server, one static page that calls ajax routes with
// fastify-ajaxutils/client. Run `npm start` (it builds first); PORT and HOST are honoured.

const { createHash, randomBytes, randomUUID, timingSafeEqual } = require('node:crypto')
const { dirname, join } = require('node:path')
const Fastify = require('fastify')
const createError = require('@fastify/error')
// The package by its own name, as an app that installed it would load it (needs `npm run build`).
const ajaxutils = require('fastify-ajaxutils')

const { JsonResponse, Http404 } = ajaxutils

/** The one account of the demo; printed on start. */
const DEMO_USER = Object.freeze({ username: 'demo', password: 'ajaxutils' })

/** Tasks kept at once; starting one more forgets the oldest. */
const MAX_TASKS = 1000

const DivisionByZero = createError('DEMO_DIVISION_BY_ZERO', 'Cannot divide by zero', 400)

const credentialsSchema = {
  type: 'object',
  required: ['username', 'password'],
  additionalProperties: false,
  properties: {
    username: { type: 'string', minLength: 1, maxLength: 100 },
    password: { type: 'string', minLength: 1, maxLength: 100 }
  }
}

const noteSchema = {
  type: 'object',
  required: ['text', 'priority'],
  additionalProperties: false,
  properties: {
    text: { type: 'string', minLength: 1, maxLength: 280 },
    priority: { type: 'integer', minimum: 1, maximum: 5 }
  }
}

function digest (value) {
  return createHash('sha256').update(value).digest()
}

/** Compares in constant time, so the answer's timing tells nothing about the password. */
function sameSecret (given, expected) {
  return timingSafeEqual(digest(given), digest(expected))
}

/** The login strategy: a request is logged in when its session holds a user. */
function sessionUser (request, reply, done) {
  done(request.session.get('user') === undefined ? new Error('no user in the session') : undefined)
}

/** The ajax routes, under /api. */
async function apiRoutes (api, { taskMs }) {
  // The seed's polling example: a task is pending until its time has come, then completed.
  const tasks = new Map()

  api.post('/tasks', { config: { ajax: { requirePOST: true } } }, async () => {
    if (tasks.size >= MAX_TASKS) tasks.delete(tasks.keys().next().value)
    const id = randomUUID()
    tasks.set(id, Date.now() + taskMs)
    return [{ id, status: 'pending' }, 202, { location: `/api/tasks/${id}` }]
  })

  api.get('/tasks/:id', { config: { ajax: { requireGET: true } } }, async (request) => {
    const doneAt = tasks.get(request.params.id)
    if (doneAt === undefined) throw new Http404()
    if (Date.now() < doneAt) return { status: 'pending' }
    return { status: 'completed', exit_status: 0 }
  })

  api.post('/login', { config: { ajax: { requirePOST: true } }, schema: { body: credentialsSchema } }, async (request) => {
    const { username, password } = request.body
    // Both compared every time: which one was wrong stays unknown.
    const userMatches = sameSecret(username, DEMO_USER.username)
    const passwordMatches = sameSecret(password, DEMO_USER.password)
    if (!userMatches || !passwordMatches) return new JsonResponse('Wrong username or password', { status: 401 })
    // A new session id at login, so an id planted before it is worth nothing.
    await request.session.regenerate()
    request.session.set('user', username)
    request.session.set('since', Date.now())
    return { user: username }
  })

  api.post('/logout', { config: { ajax: { requirePOST: true } } }, async (request) => {
    if (request.session.get('user') !== undefined) await request.session.destroy()
    return { user: null }
  })

  api.get('/session', { config: { ajax: true } }, async (request) => {
    return { user: request.session.get('user') ?? null }
  })

  api.get('/me', { config: { ajax: { loginRequired: true } } }, async (request) => {
    return { user: request.session.get('user'), since: new Date(request.session.get('since')) }
  })

  // The seed's submit_my_data: POST only (any other method gets 405 with `Allow: POST`); the body
  // schema turns bad input into a 400 that says what is wrong.
  api.post('/notes', { config: { ajax: { requirePOST: true } }, schema: { body: noteSchema } }, async (request) => {
    const { text, priority } = request.body
    const by = request.session.get('user') ?? 'anonymous'
    return [{ saved: { text, priority, by, chars: [...text].length, at: new Date() } }, 201]
  })

  api.get('/divide', {
    config: { ajax: true },
    schema: {
      querystring: {
        type: 'object',
        required: ['a', 'b'],
        properties: { a: { type: 'number' }, b: { type: 'number' } }
      }
    }
  }, async (request) => {
    const { a, b } = request.query
    if (b === 0) throw new DivisionByZero()
    return { result: a / b }
  })

  api.get('/crash', { config: { ajax: true } }, async () => {
    throw new Error('connect ECONNREFUSED db.internal:5432 (user=app password=hunter2)')
  })
}

/**
 * Builds the demo app without listening.
 * @param {object} [options]
 * @param {import('fastify').FastifyServerOptions['logger']} [options.logger] Fastify's logger option (default off)
 * @param {number} [options.taskMs] how long a polling task stays pending (default 3000)
 * @param {string} [options.sessionSecret] at least 32 characters (default random per process)
 */
async function build (options = {}) {
  const { logger = false, taskMs = 3000, sessionSecret = randomBytes(32).toString('hex') } = options
  // The forms send a few hundred bytes: anything much bigger is refused with a 413 envelope.
  const app = Fastify({ logger, bodyLimit: 16 * 1024 })

  await app.register(require('@fastify/cookie'))
  await app.register(require('@fastify/session'), {
    secret: sessionSecret,
    cookieName: 'demo.sid',
    saveUninitialized: false,
    // 'auto': Secure over HTTPS, plain over the demo's http://127.0.0.1 (where the session plugin
    // uses SameSite=Lax, which still keeps other sites' POSTs from carrying the cookie).
    cookie: { path: '/', httpOnly: true, sameSite: 'lax', secure: 'auto', maxAge: 60 * 60 * 1000 }
  })
  await app.register(ajaxutils, { requestId: true, authenticate: sessionUser })

  // wildcard: false gives each file its own route. The default catch-all GET /* would match
  // GET /api/notes too, and answer 404 where the plugin's router-level 405 belongs.
  await app.register(require('@fastify/static'), { root: join(__dirname, 'public'), wildcard: false })
  // The page loads the client from the package's built ES module, the file users would ship.
  const clientDir = dirname(require.resolve('fastify-ajaxutils/client'))
  app.get('/client.mjs', (request, reply) => reply.sendFile('index.mjs', clientDir))

  await app.register(apiRoutes, { prefix: '/api', taskMs })
  return app
}

function listenOptions (env) {
  const port = env.PORT === undefined || env.PORT === '' ? 3000 : Number(env.PORT)
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new RangeError(`PORT must be a port number, got '${env.PORT}'`)
  return { port, host: env.HOST || '127.0.0.1' }
}

/**
 * Builds the demo, listens (PORT and HOST from the environment, else 127.0.0.1:3000) and prints
 * where it is and how to log in.
 */
async function start (options = {}, env = process.env) {
  const where = listenOptions(env)
  const app = await build({ logger: { level: 'warn' }, ...options })
  const address = await app.listen(where)
  console.log(`fastify-ajaxutils demo: ${address}`)
  console.log(`log in as '${DEMO_USER.username}' with password '${DEMO_USER.password}'`)
  return app
}

if (require.main === module) {
  start().then((app) => {
    for (const signal of ['SIGINT', 'SIGTERM']) process.once(signal, () => app.close())
  }, (error) => {
    console.error(error)
    process.exitCode = 1
  })
}

module.exports = { build, start, DEMO_USER }
