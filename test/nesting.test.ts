// Nested registrations only add: a registration inside another keeps what the outer one requires
// (login, method restriction, login strategies); only an explicit setting in the route's own
// config.ajax, or in the nearer registration's `all` object, drops or replaces it.
import Fastify, { type FastifyInstance } from 'fastify'
import t, { type Test } from 'tap'
import ajaxutils from '../index'
import { JSON_TYPE } from './helpers'

type AllOption = ajaxutils.AjaxutilsOptions['all']
type RouteAjax = boolean | ajaxutils.AjaxRouteOptions | undefined

const UNAUTHORIZED = { status: 'error', error: 'Unauthorized' }
const NOT_ALLOWED = { status: 'error', error: 'Method not allowed' }

/** `x-user` logs a request in, as an auth plugin that sets `request.user` would. */
function logInByHeader (app: FastifyInstance): void {
  app.decorateRequest('user', null)
  app.addHook('onRequest', async (request) => {
    if (request.headers['x-user'] !== undefined) request.user = { name: request.headers['x-user'] }
  })
}

/**
 * The plugin at the root with `outer`, again in a context with `nearer`, and there a GET, POST and
 * PUT route `/api/r` with `route` as its config.ajax (undefined: no config.ajax).
 */
async function nestedApp (t: Test, outer: AllOption, nearer: AllOption, route: RouteAjax): Promise<FastifyInstance> {
  const app = Fastify()
  t.teardown(() => app.close())
  logInByHeader(app)
  await app.register(ajaxutils, outer === undefined ? {} : { all: outer })
  await app.register(async function api (api) {
    await api.register(ajaxutils, nearer === undefined ? {} : { all: nearer })
    api.route({ method: ['GET', 'POST', 'PUT'], url: '/r', config: route === undefined ? {} : { ajax: route }, handler: async () => 'ok' })
  }, { prefix: '/api' })
  return app
}

const show = (value: unknown): string => value === undefined ? '-' : JSON.stringify(value)

/** The nearest of route, nearer `all`, outer `all` that sets `key` (a boolean `all` sets nothing). */
function nearest<K extends keyof ajaxutils.AjaxRouteOptions> (key: K, ...layers: Array<AllOption | RouteAjax>): ajaxutils.AjaxRouteOptions[K] | undefined {
  for (const layer of layers) {
    if (typeof layer === 'object' && layer[key] !== undefined) return layer[key]
  }
  return undefined
}

t.test('loginRequired: the nearest explicit setting wins, from route to nearer all to outer all', async (t) => {
  const alls: AllOption[] = [undefined, true, { loginRequired: true }, { loginRequired: false }]
  const routes: RouteAjax[] = [undefined, true, { loginRequired: true }, { loginRequired: false }, false]
  for (const outer of alls) {
    for (const nearer of alls) {
      for (const route of routes) {
        const name = `outer all ${show(outer)}, nearer all ${show(nearer)}, route ${show(route)}`
        const ajax = route !== false && (route !== undefined || outer !== undefined || nearer !== undefined)
        const loginRequired = nearest('loginRequired', route, nearer, outer) === true
        const app = await nestedApp(t, outer, nearer, route)
        const anonymous = await app.inject('/api/r')
        const user = await app.inject({ url: '/api/r', headers: { 'x-user': 'ada' } })
        if (!ajax) {
          t.same([anonymous.statusCode, anonymous.headers['content-type'], anonymous.body], [200, 'text/plain; charset=utf-8', 'ok'], `${name}: not an ajax route`)
          continue
        }
        t.same([anonymous.statusCode, anonymous.headers['content-type'], anonymous.json()],
          loginRequired ? [401, JSON_TYPE, UNAUTHORIZED] : [200, JSON_TYPE, 'ok'], `${name}: anonymous`)
        t.same([user.statusCode, user.headers['content-type'], user.json()], [200, JSON_TYPE, 'ok'], `${name}: logged in`)
      }
    }
  }
})

type Restriction = { kind: 'requireGET' | 'requirePOST' | 'methods', methods: string[] } | null

/**
 * The methods a layer restricts the route to, folded from outer to nearest: a restriction replaces
 * the one before; `requireGET: false` / `requirePOST: false` drop only that same restriction.
 */
function restrictionOf (layers: Array<AllOption | RouteAjax>): Restriction {
  let current: Restriction = null
  for (const layer of layers) {
    if (typeof layer !== 'object') continue
    if (layer.requireGET === true) current = { kind: 'requireGET', methods: ['GET'] }
    else if (layer.requirePOST === true) current = { kind: 'requirePOST', methods: ['POST'] }
    else if (layer.methods !== undefined) current = { kind: 'methods', methods: [...layer.methods] }
    else if (current !== null && layer[current.kind] === false) current = null
  }
  return current
}

t.test('method restriction: the nearest one replaces the outer one; only requireGET/requirePOST false drops it', async (t) => {
  const outers: AllOption[] = [undefined, { requirePOST: true }, { requireGET: true }, { methods: ['GET', 'PUT'] }]
  const nearers: AllOption[] = [undefined, true, { requirePOST: true }, { requirePOST: false }, { requireGET: false }, { methods: ['PUT'] }, { loginRequired: false }]
  const routes: RouteAjax[] = [true, { requirePOST: false }, { requireGET: false }, { methods: ['GET', 'POST'] }]
  for (const outer of outers) {
    for (const nearer of nearers) {
      for (const route of routes) {
        const name = `outer all ${show(outer)}, nearer all ${show(nearer)}, route ${show(route)}`
        const restriction = restrictionOf([outer, nearer, route])
        const allowed = restriction?.methods ?? ['GET', 'POST', 'PUT']
        const allow = [...allowed, ...(allowed.includes('GET') ? ['HEAD'] : [])].sort().join(', ')
        const app = await nestedApp(t, outer, nearer, route)
        for (const method of ['GET', 'POST', 'PUT'] as const) {
          const res = await app.inject({ method, url: '/api/r' })
          if (allowed.includes(method)) {
            t.same([res.statusCode, res.headers['content-type'], res.json()], [200, JSON_TYPE, 'ok'], `${name}: ${method}`)
          } else {
            t.same([res.statusCode, res.headers['content-type'], res.headers.allow, res.json()], [405, JSON_TYPE, allow, NOT_ALLOWED], `${name}: ${method}`)
          }
        }
      }
    }
  }
})

t.test('all: true inside a context registered with all: { loginRequired: true } still refuses anonymous requests, over a real socket', async (t) => {
  const app = Fastify()
  t.teardown(() => app.close())
  logInByHeader(app)
  await app.register(async function api (api) {
    await api.register(ajaxutils, { all: { loginRequired: true } })
    await api.register(async function inner (inner) {
      await inner.register(ajaxutils, { all: true })
      inner.get('/secret', async () => ({ secret: 42 }))
    })
  }, { prefix: '/api' })
  const address = await app.listen({ port: 0, host: '127.0.0.1' })
  const anonymous = await fetch(`${address}/api/secret`)
  t.equal(anonymous.status, 401)
  t.equal(anonymous.headers.get('content-type'), JSON_TYPE)
  t.same(await anonymous.json(), UNAUTHORIZED)
  const user = await fetch(`${address}/api/secret`, { headers: { 'x-user': 'ada' } })
  t.equal(user.status, 200)
  t.same(await user.json(), { secret: 42 })
})

/** A strategy that logs in requests carrying `x-token: name` and nothing else. */
function tokenStrategy (name: string): ajaxutils.AjaxAuthStrategy {
  return async function token (request) {
    if (request.headers['x-token'] !== name) throw new Error('no token')
  }
}

/** The plugin at the root with `outer` options and again in /api with `nearer`; GET /api/r requires a login. */
async function strategiesApp (t: Test, outer: ajaxutils.AjaxutilsOptions, nearer: ajaxutils.AjaxutilsOptions): Promise<FastifyInstance> {
  const app = Fastify()
  t.teardown(() => app.close())
  logInByHeader(app)
  await app.register(ajaxutils, outer)
  await app.register(async function api (api) {
    await api.register(ajaxutils, nearer)
    api.get('/r', { config: { ajax: { loginRequired: true } } }, async () => 'ok')
  }, { prefix: '/api' })
  return app
}

async function answers (app: FastifyInstance, method: 'GET' | 'DELETE', headers: Record<string, string>): Promise<unknown[]> {
  const res = await app.inject({ method, url: '/api/r', headers })
  return [res.statusCode, res.headers['content-type'], res.json()]
}

t.test('a nearer registration without authenticate keeps the outer login strategies, and answers with its own settings', async (t) => {
  const app = await strategiesApp(t, { authenticate: tokenStrategy('outer') }, { all: true, requestId: true })
  t.same(await answers(app, 'GET', {}), [401, JSON_TYPE, { ...UNAUTHORIZED, requestId: 'req-1' }], 'anonymous')
  t.same(await answers(app, 'GET', { 'x-user': 'ada' }), [401, JSON_TYPE, { ...UNAUTHORIZED, requestId: 'req-2' }], 'request.user alone is not the outer strategy')
  t.same(await answers(app, 'GET', { 'x-token': 'outer' }), [200, JSON_TYPE, 'ok'], 'the outer strategy logs in')
  // The login check comes before the router-level 405, with the same strategy.
  t.same(await answers(app, 'DELETE', {}), [401, JSON_TYPE, { ...UNAUTHORIZED, requestId: 'req-4' }], 'anonymous, a method the URL has no route for')
  const refused = await app.inject({ method: 'DELETE', url: '/api/r', headers: { 'x-token': 'outer' } })
  t.same([refused.statusCode, refused.headers.allow, refused.json()], [405, 'GET, HEAD', { ...NOT_ALLOWED, requestId: 'req-5' }], 'logged in, a method the URL has no route for')
})

t.test('a nearer registration with authenticate checks logins with its own strategies', async (t) => {
  const app = await strategiesApp(t, { authenticate: tokenStrategy('outer') }, { authenticate: tokenStrategy('inner') })
  t.same(await answers(app, 'GET', { 'x-token': 'outer' }), [401, JSON_TYPE, UNAUTHORIZED], 'the outer strategy is replaced')
  t.same(await answers(app, 'GET', { 'x-token': 'inner' }), [200, JSON_TYPE, 'ok'], 'the nearer strategy logs in')
})

t.test('a nearer registration without authenticate under one without strategies checks request.user', async (t) => {
  const app = await strategiesApp(t, {}, { all: true })
  t.same(await answers(app, 'GET', {}), [401, JSON_TYPE, UNAUTHORIZED], 'anonymous')
  t.same(await answers(app, 'GET', { 'x-user': 'ada' }), [200, JSON_TYPE, 'ok'], 'request.user logs in')
})

t.test('a nearer registration with a later hook and no authenticate checks the outer strategies in that hook', async (t) => {
  const app = await strategiesApp(t, { authenticate: tokenStrategy('outer') }, { hook: 'preValidation' })
  t.same(await answers(app, 'GET', { 'x-user': 'ada' }), [401, JSON_TYPE, UNAUTHORIZED], 'request.user alone is not the outer strategy')
  t.same(await answers(app, 'GET', { 'x-token': 'outer' }), [200, JSON_TYPE, 'ok'], 'the outer strategy logs in')
})
