'use strict'

// Fastify answering thrown errors with its own default error handler: what a 404 or 500 costs
// when the app writes no error handling at all (its bodies differ, and its 500 is not masked).

const Fastify = require('fastify')
const { SECRET, PATHS } = require('../lib/fixtures')

class NotFound extends Error {
  constructor (message = 'Not found') {
    super(message)
    this.statusCode = 404
  }
}

async function buildFastifyDefault () {
  const app = Fastify({ logger: false })
  app.get(PATHS.missing, async () => { throw new NotFound() })
  app.get(PATHS.boom, async () => { throw new Error(SECRET) })

  return app
}

async function startFastifyDefault (options) {
  const app = await buildFastifyDefault(options)
  await app.listen({ host: '127.0.0.1', port: 0 })
  return { port: app.server.address().port, close: () => app.close() }
}

module.exports = startFastifyDefault
module.exports.build = buildFastifyDefault
