import { connect } from 'node:http2'
import Fastify, { type FastifyInstance, type FastifyServerOptions, type InjectOptions } from 'fastify'
import t from 'tap'
import ajaxutils from '../index'
import { bareAnswer, fastifyAtLeast, JSON_TYPE } from './helpers'

// The router-level 405 and login check count only the ajax routes whose constraints (host, version,
// custom strategies) match the request; Allow names only methods that would succeed for it; any
// other request gets what Fastify gives without the plugin.

const METHOD_NOT_ALLOWED = { status: 'error', error: 'Method not allowed' }
const UNAUTHORIZED = { status: 'error', error: 'Unauthorized' }

/** A tenant read from a header, as apps with one database per customer route. */
function tenantStrategy (name = 'tenant') {
  return {
    name,
    storage () {
      const handlers = new Map<unknown, unknown>()
      return { get: (value: unknown) => handlers.get(value) ?? null, set: (value: unknown, handler: unknown) => { handlers.set(value, handler) } }
    },
    deriveConstraint: (req: { headers: Record<string, unknown> }) => req.headers['x-tenant'],
    mustMatchWhenDerived: true,
    // Required by the router of Fastify before 5.5.
    validate () {}
  }
}

/** Server options with custom constraint strategies: under `routerOptions` from Fastify 5.5, at the top level before. */
function withStrategies (constraints: Record<string, unknown>): FastifyServerOptions {
  return (fastifyAtLeast('5.5.0') ? { routerOptions: { constraints } } : { constraints }) as FastifyServerOptions
}

type Setup = (app: FastifyInstance, ajax: boolean) => void | Promise<void>

/** The app with the plugin, and a function that asks the same request of it and of bare Fastify. */
async function withBare (t: Tap.Test, setup: Setup, server: FastifyServerOptions = {}) {
  // A copy: Fastify 5.0 writes its logger into the options object, which bare Fastify gets too.
  const app = Fastify({ ...server })
  t.teardown(() => app.close())
  // A user for requests that say who they are, set before the plugin's checks.
  app.addHook('onRequest', async (request) => { if (request.headers['x-user'] !== undefined) (request as unknown as { user: string }).user = 'ada' })
  await app.register(ajaxutils)
  await setup(app, true)
  return {
    app,
    /** Asserts the plugin's answer is Fastify's own to the same request. */
    async same (request: InjectOptions, name: string) {
      const res = await app.inject(request)
      const bare = await bareAnswer(t, (bareApp) => setup(bareApp, false), request, server)
      t.equal(res.statusCode, bare.statusCode, name)
      t.equal(res.headers['content-type'], bare.headers['content-type'], name)
      t.equal(res.headers.allow, undefined, name)
      t.equal(res.body, bare.body, name)
    }
  }
}

declare namespace Tap { type Test = Parameters<Parameters<typeof t.test>[1] & ((t: never) => unknown)>[0] }

const settingsRoutes: Setup = (app, ajax) => {
  app.post('/settings', {
    constraints: { host: 'admin.example.com' },
    config: ajax ? { ajax: { loginRequired: true } } : {}
  }, async () => ({ saved: true }))
  app.get('/settings', { constraints: { host: 'www.example.com' } }, async () => 'settings page')
}

t.test('host constraints: a method elsewhere gets Fastify 404; on the ajax route host, 401 then 405 naming only its methods', async (t) => {
  const { app, same } = await withBare(t, settingsRoutes)
  await same({ method: 'PUT', url: '/settings', headers: { host: 'www.example.com' } }, 'PUT on www')
  await same({ method: 'PUT', url: '/settings', headers: { host: 'other.example.com' } }, 'PUT on another host')
  await same({ method: 'POST', url: '/settings', headers: { host: 'www.example.com' } }, 'POST on www')

  const anonymous = await app.inject({ method: 'PUT', url: '/settings', headers: { host: 'admin.example.com' } })
  t.equal(anonymous.statusCode, 401)
  t.equal(anonymous.headers['content-type'], JSON_TYPE)
  t.same(anonymous.json(), UNAUTHORIZED)
  const wrong = await app.inject({ method: 'PUT', url: '/settings', headers: { host: 'admin.example.com', 'x-user': 'ada' } })
  t.equal(wrong.statusCode, 405)
  t.equal(wrong.headers['content-type'], JSON_TYPE)
  t.equal(wrong.headers.allow, 'POST', 'GET is served on www only')
  t.same(wrong.json(), METHOD_NOT_ALLOWED)
  const page = await app.inject({ url: '/settings', headers: { host: 'www.example.com' } })
  t.equal(page.statusCode, 200)
  t.equal(page.body, 'settings page')
})

const versionRoutes: Setup = (app, ajax) => {
  app.get('/v', { constraints: { version: '1.0.0' }, config: ajax ? { ajax: true } : {} }, async () => 'v1')
}

t.test('version constraints: without a matching Accept-Version every method gets Fastify 404', async (t) => {
  const { app, same } = await withBare(t, versionRoutes)
  await same({ method: 'POST', url: '/v' }, 'POST without Accept-Version')
  await same({ method: 'GET', url: '/v' }, 'GET without Accept-Version')
  await same({ method: 'POST', url: '/v', headers: { 'accept-version': '2.x' } }, 'POST for another version')
  const wrong = await app.inject({ method: 'POST', url: '/v', headers: { 'accept-version': '1.x' } })
  t.equal(wrong.statusCode, 405)
  t.equal(wrong.headers['content-type'], JSON_TYPE)
  t.equal(wrong.headers.allow, 'GET, HEAD')
  t.same(wrong.json(), METHOD_NOT_ALLOWED)
})

t.test('Allow names only the methods whose routes match the request constraints', async (t) => {
  const { app } = await withBare(t, (app) => {
    app.get('/doc', { constraints: { host: 'a.example.com' }, config: { ajax: true } }, async () => 'doc')
    app.put('/doc', { config: { ajax: true } }, async () => 'put')
    app.delete('/doc', { constraints: { host: 'b.example.com' } }, async () => 'deleted')
    app.patch('/doc', { constraints: { host: 'a.example.com' } }, async () => 'patched')
  })
  const res = await app.inject({ method: 'POST', url: '/doc', headers: { host: 'a.example.com' } })
  t.equal(res.statusCode, 405)
  t.equal(res.headers['content-type'], JSON_TYPE)
  t.equal(res.headers.allow, 'GET, HEAD, PATCH, PUT')
  t.same(res.json(), METHOD_NOT_ALLOWED)
  const other = await app.inject({ method: 'POST', url: '/doc', headers: { host: 'b.example.com' } })
  t.equal(other.statusCode, 405)
  t.equal(other.headers.allow, 'DELETE, PUT')
})

const tenantRoutes: Setup = (app, ajax) => {
  app.get('/report', { constraints: { tenant: 'acme' }, config: ajax ? { ajax: true } : {} }, async () => 'acme report')
}

t.test('a custom constraint strategy in the server options is matched like Fastify matches it', async (t) => {
  const { app, same } = await withBare(t, tenantRoutes, withStrategies({ tenant: tenantStrategy() }))
  await same({ method: 'POST', url: '/report', headers: { 'x-tenant': 'globex' } }, 'POST for another tenant')
  await same({ method: 'POST', url: '/report' }, 'POST without a tenant')
  const wrong = await app.inject({ method: 'POST', url: '/report', headers: { 'x-tenant': 'acme' } })
  t.equal(wrong.statusCode, 405)
  t.equal(wrong.headers['content-type'], JSON_TYPE)
  t.equal(wrong.headers.allow, 'GET, HEAD')
  t.same(wrong.json(), METHOD_NOT_ALLOWED)
})

t.test('a custom constraint strategy added after the plugin is matched too, also with the plugin registered twice', async (t) => {
  const { app, same } = await withBare(t, async (app) => {
    await app.register(ajaxutils)
    app.addConstraintStrategy(tenantStrategy())
    tenantRoutes(app, true)
  })
  await same({ method: 'POST', url: '/report', headers: { 'x-tenant': 'globex' } }, 'POST for another tenant')
  const wrong = await app.inject({ method: 'POST', url: '/report', headers: { 'x-tenant': 'acme' } })
  t.equal(wrong.statusCode, 405)
  t.equal(wrong.headers.allow, 'GET, HEAD')
  t.same(wrong.json(), METHOD_NOT_ALLOWED)
})

t.test('a strategy the plugin never saw (added before it) or an async one: Fastify answers every other method', async (t) => {
  const app = Fastify()
  t.teardown(() => app.close())
  app.addConstraintStrategy(tenantStrategy())
  app.addConstraintStrategy({ ...tenantStrategy('region'), isAsync: true, deriveConstraint: (req: { headers: Record<string, unknown> }, _ctx: unknown, done: (error: null, value: unknown) => void) => { done(null, req.headers['x-region']) } } as never)
  await app.register(ajaxutils)
  tenantRoutes(app, true)
  app.get('/regional', { constraints: { region: 'eu' }, config: { ajax: true } }, async () => 'eu')
  for (const [url, headers] of [['/report', { 'x-tenant': 'acme' }], ['/regional', { 'x-region': 'eu' }]] as const) {
    const res = await app.inject({ method: 'POST', url, headers })
    t.equal(res.statusCode, 404, url)
    t.same(res.json(), { message: `Route POST:${url} not found`, error: 'Not Found', statusCode: 404 })
    const ok = await app.inject({ url, headers })
    t.equal(ok.statusCode, 200, url)
    t.equal(ok.headers['content-type'], JSON_TYPE)
  }
})

t.test('a constraint strategy that throws when the plugin derives it leaves the request to Fastify', async (t) => {
  const seen = new WeakSet<object>()
  const flaky = {
    ...tenantStrategy(),
    // Fastify's router derives once per request; the plugin's second derivation throws.
    deriveConstraint: (req: { headers: Record<string, unknown> }) => {
      if (seen.has(req)) throw new Error('tenant service down')
      seen.add(req)
      return req.headers['x-tenant']
    }
  }
  const app = Fastify(withStrategies({ tenant: flaky }))
  t.teardown(() => app.close())
  await app.register(ajaxutils)
  tenantRoutes(app, true)
  const res = await app.inject({ method: 'POST', url: '/report', headers: { 'x-tenant': 'acme' } })
  t.equal(res.statusCode, 404)
  t.equal(res.headers.allow, undefined)
  t.same(res.json(), { message: 'Route POST:/report not found', error: 'Not Found', statusCode: 404 })
})

t.test('over HTTP/2 the host comes from :authority, as Fastify routes it', async (t) => {
  const app = Fastify({ http2: true })
  t.teardown(() => app.close())
  await app.register(ajaxutils)
  app.post('/settings', { constraints: { host: 'admin.example.com' }, config: { ajax: true } }, async () => ({ saved: true }))
  const base = await app.listen({ port: 0, host: '127.0.0.1' })
  const client = connect(base)
  t.teardown(() => client.close())
  const ask = (authority: string) => new Promise<{ status: unknown, allow: unknown, body: string }>((resolve, reject) => {
    const request = client.request({ ':method': 'PUT', ':path': '/settings', ':authority': authority })
    let status: unknown
    let allow: unknown
    let body = ''
    request.on('response', (headers) => { status = headers[':status']; allow = headers.allow })
    request.setEncoding('utf8')
    request.on('data', (chunk: string) => { body += chunk })
    request.on('end', () => resolve({ status, allow, body }))
    request.on('error', reject)
    request.end()
  })
  t.same(await ask('admin.example.com'), { status: 405, allow: 'POST', body: '{"status":"error","error":"Method not allowed"}' })
  t.same(await ask('www.example.com'), { status: 404, allow: undefined, body: '{"message":"Route PUT:/settings not found","error":"Not Found","statusCode":404}' })
})
