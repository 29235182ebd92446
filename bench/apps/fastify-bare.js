'use strict'

// Bare Fastify doing what an ajax route does, written by hand the way a Fastify user would:
// a guard hook for 401, a hook for the route-level 405, setErrorHandler for thrown errors
// (404 and a masked 500) and setNotFoundHandler for the router-level 405.
// With `plugin: true` the plugin is registered first but no route is an ajax route.

const Fastify = require('fastify')
const { HELLO, TYPED, TYPED_SCHEMA, SECRET, PATHS, manyPath, envelope } = require('../lib/fixtures')

class NotFound extends Error {
  constructor (message = 'Not found') {
    super(message)
    this.statusCode = 404
  }
}

const GET_ONLY = 'GET, HEAD'

/** URLs registered for GET only, and what a request with another method must be told. */
const ALLOW_BY_PATH = new Map([[PATHS.getOnly, GET_ONLY]])

function requireUser (request, reply, done) {
  if (request.user) done()
  else reply.code(401).send(envelope('Unauthorized'))
}

function requireGet (request, reply, done) {
  if (request.method === 'GET' || request.method === 'HEAD') done()
  else reply.code(405).header('allow', GET_ONLY).send(envelope('Method not allowed'))
}

function sendError (error, request, reply) {
  const status = Number.isInteger(error.statusCode) && error.statusCode >= 400 && error.statusCode <= 599 ? error.statusCode : 500
  if (status >= 500) {
    request.log.error({ err: error }, 'route failed')
    reply.code(status).send(envelope('Internal Server Error'))
    return
  }
  reply.code(status).send(envelope(error.message))
}

function sendNotFound (request, reply) {
  const query = request.url.indexOf('?')
  const allow = ALLOW_BY_PATH.get(query === -1 ? request.url : request.url.slice(0, query))
  if (allow !== undefined) reply.code(405).header('allow', allow).send(envelope('Method not allowed'))
  else reply.code(404).send(envelope('Not found'))
}

async function buildFastifyBare ({ plugin = false, manyRoutes = 0 } = {}) {
  const app = Fastify({ logger: false })
  if (plugin) await app.register(require('../..'))

  app.setErrorHandler(sendError)
  app.setNotFoundHandler(sendNotFound)

  app.get(PATHS.success, async () => HELLO)
  app.get(PATHS.private, { onRequest: requireUser }, async () => HELLO)
  app.get(PATHS.missing, async () => { throw new NotFound() })
  app.route({ method: ['GET', 'POST'], url: PATHS.getOnlyRoute, onRequest: requireGet, handler: async () => HELLO })
  app.get(PATHS.getOnly, async () => HELLO)
  app.get(PATHS.boom, async () => { throw new Error(SECRET) })
  app.post(PATHS.echo, async (request) => request.body)
  app.get(PATHS.typed, { schema: { response: { 200: TYPED_SCHEMA } } }, async () => TYPED)
  for (let n = 0; n < manyRoutes; n++) app.get(manyPath(n), async () => HELLO)

  return app
}

async function startFastifyBare (options) {
  const app = await buildFastifyBare(options)
  await app.listen({ host: '127.0.0.1', port: 0 })
  return { port: app.server.address().port, close: () => app.close() }
}

module.exports = startFastifyBare
module.exports.build = buildFastifyBare
