// Fail closed: a route with config.ajax that no registration of the plugin saw never runs its handler;
// the app stops when it gets ready, naming the route.
import { join } from 'node:path'
import autoload from '@fastify/autoload'
import Fastify, { type FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import t, { type Test } from 'tap'
import type * as Helpers from './helpers'

// The package is imported only inside the first test, after an app exists: that app is created
// before the plugin's module is loaded, as with a plugin file that @fastify/autoload loads.
type Plugin = typeof import('../index')
let ajaxutils: Plugin
let helpers: typeof Helpers

const PRIVATE = { config: { ajax: { loginRequired: true } } }
const UNSEEN = 'FST_AJAX_UNSEEN_ROUTE'

/** What a started app answers to an anonymous `GET url` over a real socket. */
async function fetchOver (app: FastifyInstance, url: string): Promise<{ status: number, type: string | null, body: unknown }> {
  const address = await app.listen({ port: 0, host: '127.0.0.1' })
  const res = await fetch(`${address}${url}`)
  return { status: res.status, type: res.headers.get('content-type'), body: await res.json() }
}

/** The app stops at ready, at its first inject and at listen (no socket opens), naming the routes. */
async function refuses (t: Test, build: () => Promise<FastifyInstance>, message: RegExp): Promise<void> {
  const readied = await build()
  t.teardown(() => readied.close())
  await t.rejects(async () => { await readied.ready() }, { code: UNSEEN, message }, 'ready')
  const injected = await build()
  t.teardown(() => injected.close())
  await t.rejects(injected.inject('/private'), { code: UNSEEN, message }, 'inject')
  const listened = await build()
  t.teardown(() => listened.close())
  await t.rejects(listened.listen({ port: 0, host: '127.0.0.1' }), { code: UNSEEN, message }, 'listen')
  t.equal(listened.server.listening, false, 'no socket is open')
}

/** An anonymous request to `/private` gets the 401 envelope, through inject and over a real socket. */
async function guards (t: Test, app: FastifyInstance, url = '/private'): Promise<void> {
  const injected = await app.inject(url)
  t.equal(injected.statusCode, 401)
  t.equal(injected.headers['content-type'], helpers.JSON_TYPE)
  t.same(injected.json(), { status: 'error', error: 'Unauthorized' })
  t.same(await fetchOver(app, url), { status: 401, type: helpers.JSON_TYPE, body: { status: 'error', error: 'Unauthorized' } })
}

t.test('an app created before the package was imported: @fastify/autoload loads plugins/ajax.js, routes/ is still checked', async (t) => {
  const warnings: string[] = []
  const app = Fastify({ logger: { level: 'warn', stream: { write: (line: string) => { warnings.push((JSON.parse(line) as { msg: string }).msg) } } } })
  t.teardown(() => app.close())
  // plugins/ajax.js, written without fastify-plugin, is the first file to import the package.
  await app.register(autoload, { dir: join(__dirname, 'fixtures/autoload-nofp/plugins') })
  await app.register(autoload, { dir: join(__dirname, 'fixtures/autoload-nofp/routes') })
  await t.rejects(async () => { await app.ready() }, { code: UNSEEN, message: /^fastify-ajaxutils: route GET \/private has config\.ajax/ })
  // Routes added before that first import could not be seen: the plugin says so.
  t.same(warnings, ['fastify-ajaxutils was first loaded after this app was created: routes added before that are not checked. Import it at the top of the file that creates the app'])
  ajaxutils = require('../index') as Plugin
  helpers = require('./helpers') as typeof Helpers
})

t.test('a route registered before `await app.register(ajaxutils)` stops the app', async (t) => {
  await refuses(t, async () => {
    const app = Fastify()
    app.get('/private', PRIVATE, async () => 'secret')
    app.post('/also', { config: { ajax: true } }, async () => 'also')
    await app.register(ajaxutils)
    return app
  }, /^fastify-ajaxutils: routes GET \/private, POST \/also have config\.ajax, but no registration of the plugin saw them, so the handler would run unchecked\. Register the plugin before the route, in its context or a parent one: `await app\.register\(ajaxutils\)` before adding routes, and wrap a plugin file that registers it in fastify-plugin so that it reaches its parent$/)
})

t.test('`app.register(ajaxutils)` not awaited: a route added right after it was added before it loaded', async (t) => {
  await refuses(t, async () => {
    const app = Fastify()
    app.register(ajaxutils)
    app.get('/private', PRIVATE, async () => 'secret')
    return app
  }, /route GET \/private has config\.ajax/)
})

t.test('`app.register(ajaxutils)` not awaited: routes in a plugin registered after it are covered', async (t) => {
  const app = Fastify()
  t.teardown(() => app.close())
  app.register(ajaxutils)
  app.register(async function routes (routes) {
    routes.get('/private', PRIVATE, async () => 'secret')
  })
  await guards(t, app)
})

t.test('a fastify-plugin routes plugin registered before the plugin stops the app', async (t) => {
  await refuses(t, async () => {
    const app = Fastify()
    app.register(fp(async function routes (routes) {
      routes.get('/private', PRIVATE, async () => 'secret')
    }))
    await app.register(ajaxutils)
    return app
  }, /route GET \/private has config\.ajax/)
})

t.test('the plugin registered only in a child context, the route at the root, stops the app', async (t) => {
  await refuses(t, async () => {
    const app = Fastify()
    await app.register(async function child (child) { await child.register(ajaxutils) })
    app.get('/private', PRIVATE, async () => 'secret')
    return app
  }, /route GET \/private has config\.ajax/)
})

t.test('@fastify/autoload: plugins/ajax.js without fastify-plugin leaves routes/ unseen and stops the app', async (t) => {
  await refuses(t, async () => {
    const app = Fastify()
    await app.register(autoload, { dir: join(__dirname, 'fixtures/autoload-nofp/plugins') })
    await app.register(autoload, { dir: join(__dirname, 'fixtures/autoload-nofp/routes') })
    return app
  }, /route GET \/private has config\.ajax/)
})

t.test('@fastify/autoload: plugins/ajax.js with fastify-plugin covers routes/', async (t) => {
  const app = Fastify()
  t.teardown(() => app.close())
  await app.register(autoload, { dir: join(__dirname, 'fixtures/autoload-fp/plugins') })
  await app.register(autoload, { dir: join(__dirname, 'fixtures/autoload-fp/routes') })
  await guards(t, app)
})

t.test('a route in a sibling context of the one the plugin is registered in stops the app', async (t) => {
  await refuses(t, async () => {
    const app = Fastify()
    await app.register(async function api (api) {
      await api.register(ajaxutils)
      api.get('/seen', PRIVATE, async () => 'seen')
    })
    await app.register(async function other (other) {
      other.get('/private', PRIVATE, async () => 'secret')
    })
    return app
  }, /^fastify-ajaxutils: route GET \/private has config\.ajax, but no registration of the plugin saw it, so the handler would run unchecked\./)
})

t.test('the plugin registered twice at the root: the second keeps what the first requires, errors get one envelope', async (t) => {
  const app = Fastify()
  t.teardown(() => app.close())
  await app.register(ajaxutils, { all: { loginRequired: true } })
  await app.register(ajaxutils, { all: true })
  app.get('/private', async () => 'secret')
  app.get('/crash', { config: { ajax: { loginRequired: false } } }, async () => { throw new Error('boom') })
  await guards(t, app)
  const crash = await app.inject('/crash')
  t.equal(crash.statusCode, 500)
  t.equal(crash.headers['content-type'], helpers.JSON_TYPE)
  t.same(crash.json(), { status: 'error', error: 'Internal Server Error' }, 'one envelope, not one inside another')
})

t.test('config.ajax: false is never an error: before the plugin, in a sibling context, or in an app without it at the root', async (t) => {
  const app = Fastify()
  t.teardown(() => app.close())
  app.get('/before', { config: { ajax: false } }, async () => ({ before: true }))
  await app.register(async function api (api) {
    await api.register(ajaxutils, { all: { loginRequired: true } })
    api.get('/private', async () => 'secret')
  })
  await app.register(async function other (other) {
    other.get('/sibling', { config: { ajax: false } }, async () => ({ sibling: true }))
  })
  await app.ready()
  for (const [url, body] of [['/before', { before: true }], ['/sibling', { sibling: true }]] as const) {
    const res = await app.inject(url)
    t.equal(res.statusCode, 200, url)
    t.equal(res.headers['content-type'], helpers.JSON_TYPE, url)
    t.same(res.json(), body, url)
  }
  await guards(t, app)
})

t.test('routes that opt out with ajax: false, or carry no config.ajax, may come before the plugin', async (t) => {
  const app = Fastify()
  t.teardown(() => app.close())
  app.get('/off', { config: { ajax: false } }, async () => ({ off: true }))
  app.get('/plain', async () => ({ plain: true }))
  await app.register(ajaxutils)
  app.get('/private', PRIVATE, async () => 'secret')
  t.same((await app.inject('/off')).json(), { off: true })
  t.same((await app.inject('/plain')).json(), { plain: true })
  t.same(await fetchOver(app, '/private'), { status: 401, type: helpers.JSON_TYPE, body: { status: 'error', error: 'Unauthorized' } })
})

t.test('an app that never registers the plugin is not changed by importing it', async (t) => {
  const app = Fastify()
  t.teardown(() => app.close())
  app.get('/private', PRIVATE, async () => ({ served: true }))
  const res = await app.inject('/private')
  t.equal(res.statusCode, 200)
  t.equal(res.headers['content-type'], helpers.JSON_TYPE)
  t.same(res.json(), { served: true })
})

t.test('a route whose config.ajax another registration saw, in another context, is fine', async (t) => {
  const app = Fastify()
  t.teardown(() => app.close())
  await app.register(async function api (api) {
    await api.register(ajaxutils, { all: true })
    api.get('/private', PRIVATE, async () => 'secret')
  })
  await app.register(async function other (other) {
    await other.register(ajaxutils)
    other.get('/open', { config: { ajax: true } }, async () => 'open')
  })
  t.equal((await app.inject('/private')).statusCode, 401)
  t.same((await app.inject('/open')).json(), 'open')
})

t.test('all: { loginRequired: true } after plain routes on the same instance warns that they are not covered', async (t) => {
  const { stream, entries } = helpers.logCapture()
  const app = Fastify({ logger: { stream, level: 'warn' } })
  t.teardown(() => app.close())
  app.get('/before', async () => 'before')
  await app.register(ajaxutils, { all: { loginRequired: true } })
  app.get('/after', async () => 'after')
  await app.register(async function api (api) {
    api.get('/inner-before', async () => 'x')
    await api.register(ajaxutils, { all: true })
  })
  await app.ready()
  t.same(entries.map((entry) => [entry.level, entry.msg]), [
    [40, 'fastify-ajaxutils: option all { loginRequired: true } does not cover the routes registered before the plugin in this context (GET /before, …): register the plugin first']
  ])
  t.equal((await app.inject('/before')).body, 'before')
  t.equal((await app.inject('/after')).statusCode, 401)
})

t.test('an onRoute hook added after the plugin that sets or changes config.ajax stops the app; one added before it is seen', async (t) => {
  await refuses(t, async () => {
    const app = Fastify()
    await app.register(ajaxutils)
    app.addHook('onRoute', (route) => { route.config = { ...route.config, ajax: { loginRequired: true } } })
    app.get('/private', async () => 'secret')
    return app
  }, /^fastify-ajaxutils: route GET \/private has config\.ajax/)
  await refuses(t, async () => {
    const app = Fastify()
    await app.register(ajaxutils)
    app.addHook('onRoute', (route) => { route.config = { ...route.config, ajax: { loginRequired: true } } })
    app.get('/private', { config: { ajax: {} } }, async () => 'secret')
    return app
  }, /^fastify-ajaxutils: route GET \/private has config\.ajax/)
  const app = Fastify()
  t.teardown(() => app.close())
  app.addHook('onRoute', (route) => { route.config = { ...route.config, ajax: { loginRequired: true } } })
  await app.register(ajaxutils)
  app.get('/private', async () => 'secret')
  await guards(t, app)
})
