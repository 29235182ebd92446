'use strict'

// The same routes as fastify-bare.js, as ajax routes: the plugin does the guarding, the 405s
// and the error envelopes, so the app holds nothing but handlers and route options.

const Fastify = require('fastify')
const ajaxutils = require('../..')
const { HELLO, TYPED, TYPED_SCHEMA, SECRET, PATHS, manyPath } = require('../lib/fixtures')

const { Http404 } = ajaxutils

async function buildFastifyAjax ({ manyRoutes = 0, csrf } = {}) {
  const app = Fastify({ logger: false })
  // `csrf: false` (from bench/instructions.js) measures the cross-origin check's own cost.
  await app.register(ajaxutils, csrf === undefined ? {} : { csrf })

  const ajax = { config: { ajax: true } }
  app.get(PATHS.success, ajax, async () => HELLO)
  app.get(PATHS.private, { config: { ajax: { loginRequired: true } } }, async () => HELLO)
  app.get(PATHS.missing, ajax, async () => { throw new Http404() })
  app.route({ method: ['GET', 'POST'], url: PATHS.getOnlyRoute, config: { ajax: { requireGET: true } }, handler: async () => HELLO })
  app.get(PATHS.getOnly, ajax, async () => HELLO)
  app.get(PATHS.boom, ajax, async () => { throw new Error(SECRET) })
  app.post(PATHS.echo, ajax, async (request) => request.body)
  app.get(PATHS.typed, { ...ajax, schema: { response: { 200: TYPED_SCHEMA } } }, async () => TYPED)
  for (let n = 0; n < manyRoutes; n++) app.get(manyPath(n), ajax, async () => HELLO)

  return app
}

async function startFastifyAjax (options) {
  const app = await buildFastifyAjax(options)
  await app.listen({ host: '127.0.0.1', port: 0 })
  return { port: app.server.address().port, close: () => app.close() }
}

module.exports = startFastifyAjax
module.exports.build = buildFastifyAjax
