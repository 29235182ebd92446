// Issue 5, item 3: no request slips past a login-required route. Every method × path variant ×
// router setting × `hook` stage × login rule goes over a real socket, byte for byte as written
// (no client normalizes the path or the method), and an anonymous request must never reach a
// handler, never get a 2xx or a 3xx. A logged-in pass over the same matrix proves that the path
// variants do reach the routes.
import Fastify, { type FastifyInstance, type FastifyRequest, type FastifyServerOptions } from 'fastify'
import t, { type Test } from 'tap'
import ajaxutils from '../index'
import { fastifyAtLeast, JSON_TYPE, rawRequest, routerSettings, type RawResponse } from './helpers'

type Stage = ajaxutils.AjaxCheckHook
type RouteKey = 'secret' | 'submit' | 'items' | 'root'

const STAGES: readonly Stage[] = ['onRequest', 'preParsing', 'preValidation', 'preHandler']
const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'TRACE', 'PROPFIND'] as const
const WITH_BODY = new Set(['POST', 'PUT', 'PATCH', 'DELETE'])
const UNAUTHORIZED = { status: 'error', error: 'Unauthorized' }
const NOT_FOUND_ENVELOPE = { status: 'error', error: 'Not found' }

/** A request written by hand, so that method and path reach the server exactly as given. */
function rawSend (port: number, method: string, path: string, headers: Record<string, string> = {}, body = ''): Promise<RawResponse> {
  const lines = [`${method} ${path} HTTP/1.1`, 'Host: localhost']
  for (const [name, value] of Object.entries(headers)) lines.push(`${name}: ${value}`)
  if (body !== '') lines.push('Content-Type: application/json', `Content-Length: ${Buffer.byteLength(body)}`)
  return rawRequest(port, lines, body)
}

/** A path as sent, and the route Fastify's router resolves it to (null: none; 'bad': a malformed URL). */
interface PathCase {
  path: string
  route: RouteKey | null | 'bad'
}

interface Setup {
  name: string
  server: FastifyServerOptions
  /** Registers the plugin and the routes; `handler` counts and answers the route's key. */
  install: (app: FastifyInstance, options: ajaxutils.AjaxutilsOptions, handler: (key: RouteKey) => () => Promise<{ route: RouteKey }>) => Promise<void>
  paths: PathCase[]
  /** The methods each route is registered for (HEAD where Fastify adds it). */
  methods: Record<RouteKey, readonly string[]>
  /** The 404 body for a path the router does not know. */
  notFound: (method: string, path: string) => unknown
  /** The same routes without the plugin, to learn Fastify's own answer to a malformed URL ('bad'). */
  bareRoutes?: (app: FastifyInstance) => void
}

function fastifyNotFound (method: string, path: string) {
  return { message: `Route ${method}:${path} not found`, error: 'Not Found', statusCode: 404 }
}

const GET_ROUTE = ['GET', 'HEAD']

function rootRoutes (app: FastifyInstance, handler: (key: RouteKey) => () => Promise<{ route: RouteKey }>) {
  app.get('/secret', { config: { ajax: { loginRequired: true } } }, handler('secret'))
  app.post('/submit', { config: { ajax: { loginRequired: true, requirePOST: true } } }, handler('submit'))
  app.get('/items/:id', { config: { ajax: { loginRequired: true } } }, handler('items'))
}

async function installAtRoot (app: FastifyInstance, options: ajaxutils.AjaxutilsOptions, handler: (key: RouteKey) => () => Promise<{ route: RouteKey }>) {
  await app.register(ajaxutils, options)
  rootRoutes(app, handler)
}

/** Registers the root routes on an app without the plugin; their handlers would answer 200. */
function bareRootRoutes (app: FastifyInstance) {
  rootRoutes(app, (key) => async () => ({ route: key }))
}

const ROOT_PATHS: PathCase[] = [
  { path: '/secret', route: 'secret' },
  { path: '/secret?next=/admin', route: 'secret' },
  { path: '/secret?', route: 'secret' },
  { path: '/secret#top', route: 'secret' },
  { path: '/s%65cret', route: 'secret' },
  { path: '/%73%65%63%72%65%74', route: 'secret' },
  { path: 'http://localhost/secret', route: 'secret' },
  { path: '/secret/', route: null },
  { path: '/SECRET', route: null },
  { path: '//secret', route: null },
  { path: '/secret%2F', route: null },
  { path: '/secret;jsessionid=1', route: null },
  { path: '/./secret', route: null },
  { path: '/x/../secret', route: null },
  { path: '/secret%20', route: null },
  { path: '/secret%zz', route: 'bad' },
  { path: '/submit', route: 'submit' },
  { path: '/sub%6Dit?x=1', route: 'submit' },
  { path: '/submit/', route: null },
  { path: '/items/1', route: 'items' },
  { path: '/items/..%2Fsecret', route: 'items' },
  { path: '/items/%2e%2e', route: 'items' },
  { path: '/items/%zz', route: 'bad' }
]

const SETUPS: Setup[] = [
  {
    name: 'default router',
    server: {},
    install: installAtRoot,
    paths: ROOT_PATHS,
    methods: { secret: GET_ROUTE, submit: ['POST'], items: GET_ROUTE, root: [] },
    notFound: fastifyNotFound,
    bareRoutes: bareRootRoutes
  },
  {
    name: 'ignoreTrailingSlash, caseSensitive: false, ignoreDuplicateSlashes, routes under register(..., { prefix: \'/api\' })',
    server: routerSettings({ ignoreTrailingSlash: true, caseSensitive: false, ignoreDuplicateSlashes: true }),
    async install (app, options, handler) {
      await app.register(ajaxutils, options)
      await app.register(async (api) => {
        api.get('/secret', { config: { ajax: { loginRequired: true } } }, handler('secret'))
        api.post('/submit', { config: { ajax: { loginRequired: true, requirePOST: true } } }, handler('submit'))
        api.get('/items/:id', { config: { ajax: { loginRequired: true } } }, handler('items'))
      }, { prefix: '/api' })
    },
    paths: [
      { path: '/api/secret', route: 'secret' },
      { path: '/api/secret/', route: 'secret' },
      { path: '/API/SECRET', route: 'secret' },
      { path: '/Api/Secret/', route: 'secret' },
      { path: '//api//secret', route: 'secret' },
      { path: '/api///secret//', route: 'secret' },
      { path: '/api/S%45CRET?x=1', route: 'secret' },
      { path: '/secret', route: null },
      { path: '/api', route: null },
      { path: '/api/secret/x', route: null },
      { path: '/api/submit/', route: 'submit' },
      { path: '/API/SUBMIT', route: 'submit' },
      { path: '//api/submit', route: 'submit' },
      { path: '/api/items/1/', route: 'items' },
      { path: '/API/ITEMS/Abc', route: 'items' }
    ],
    methods: { secret: GET_ROUTE, submit: ['POST'], items: GET_ROUTE, root: [] },
    notFound: fastifyNotFound
  },
  {
    name: 'all: { loginRequired: true } in a context with prefix \'/app\'',
    server: {},
    async install (app, options, handler) {
      await app.register(async (context) => {
        await context.register(ajaxutils, { ...options, all: { loginRequired: true } })
        context.get('/', handler('root'))
        context.get('/secret', handler('secret'))
        context.post('/submit', { config: { ajax: { requirePOST: true } } }, handler('submit'))
        context.get('/items/:id', handler('items'))
      }, { prefix: '/app' })
    },
    paths: [
      { path: '/app', route: 'root' },
      { path: '/app/', route: 'root' },
      { path: '/app?x=1', route: 'root' },
      { path: '/app/secret', route: 'secret' },
      { path: '/app/s%65cret', route: 'secret' },
      { path: '/app/secret/', route: null },
      { path: '/app/nothing', route: null },
      { path: '/APP/secret', route: null },
      { path: '/app/submit', route: 'submit' },
      { path: '/app/items/7', route: 'items' }
    ],
    methods: { secret: GET_ROUTE, submit: ['POST'], items: GET_ROUTE, root: GET_ROUTE },
    notFound: (method, path) => path.startsWith('/app/') || path === '/app' ? NOT_FOUND_ENVELOPE : fastifyNotFound(method, path)
  },
  {
    name: 'exposeHeadRoutes: false',
    server: { exposeHeadRoutes: false },
    install: installAtRoot,
    paths: ROOT_PATHS.filter((entry) => ['/secret', '/s%65cret', '/submit', '/items/1'].includes(entry.path)),
    methods: { secret: ['GET'], submit: ['POST'], items: ['GET'], root: [] },
    notFound: fastifyNotFound,
    bareRoutes: bareRootRoutes
  }
]

type LoginRule = 'strategy' | 'request.user'

/** Builds and starts the app of one setup; `x-user: ann` is the only way to log in. */
async function startSetup (t: Test, setup: Setup, stage: Stage, rule: LoginRule) {
  // A copy: Fastify 5.0 writes its resolved settings (its logger too) back into the options object,
  // and refuses that logger when the next test builds an app from the same object.
  const app = Fastify({ ...setup.server })
  t.teardown(() => app.close())
  const options: ajaxutils.AjaxutilsOptions = { hook: stage }
  if (rule === 'strategy') {
    options.authenticate = async (request) => { if (request.headers['x-user'] !== 'ann') throw new Error('anonymous') }
  } else {
    app.decorateRequest('user', null)
    app.addHook('onRequest', async (request) => {
      if (request.headers['x-user'] === 'ann') (request as FastifyRequest & { user: unknown }).user = { name: 'ann' }
    })
  }
  const calls: string[] = []
  await setup.install(app, options, (key) => async () => { calls.push(key); return { route: key } })
  await app.listen({ port: 0, host: '127.0.0.1' })
  return { port: (app.server.address() as { port: number }).port, calls }
}

/** Starts the setup's routes without the plugin: Fastify's own answers, over the same socket. */
async function startBare (t: Test, setup: Setup): Promise<number> {
  const bare = Fastify({ ...setup.server })
  t.teardown(() => bare.close())
  if (setup.bareRoutes === undefined) throw new Error(`${setup.name}: a malformed path needs bareRoutes`)
  setup.bareRoutes(bare)
  await bare.listen({ port: 0, host: '127.0.0.1' })
  return (bare.server.address() as { port: number }).port
}

function send (port: number, method: string, path: string, headers: Record<string, string> = {}) {
  return rawSend(port, method, path, headers, WITH_BODY.has(method) ? '{"amount":100}' : '')
}

function checkBody (t: Test, res: RawResponse, method: string, expected: unknown, label: string): void {
  if (method === 'HEAD') t.equal(res.body, '', `${label}: no body`)
  else t.same(JSON.parse(res.body), expected, `${label}: body`)
}

for (const setup of SETUPS) {
  for (const stage of STAGES) {
    for (const rule of ['strategy', 'request.user'] as const) {
      t.test(`bypass matrix — ${setup.name}, hook '${stage}', login by ${rule}`, async (t) => {
        const { port, calls } = await startSetup(t, setup, stage, rule)
        const barePort = setup.paths.some((entry) => entry.route === 'bad') ? await startBare(t, setup) : 0
        const routedMethods = new Set(Object.values(setup.methods).flat())
        let expectedCalls = 0
        for (const { path, route } of setup.paths) {
          for (const method of METHODS) {
            const label = `${method} ${path}`
            const res = await send(port, method, path)
            t.ok(res.status >= 400, `${label}: anonymous never gets a 2xx or 3xx (got ${res.status})`)
            t.equal(res.headers.location, undefined, `${label}: no location`)
            if (route === 'bad') {
              // Fastify answers a malformed URL itself, before any hook: the plugin never sees it,
              // and the answer is byte for byte what the same routes send without the plugin. From
              // Fastify 5.12.2 that is always 400 FST_ERR_BAD_URL; before (5.0 in the compatibility
              // run) only for a method the app has routes for, while any other method (PUT,
              // OPTIONS, ...) ends in Fastify's fallback 404, which skips the hooks as well.
              const status = fastifyAtLeast('5.12.2') || routedMethods.has(method) ? 400 : 404
              t.equal(res.status, status, `${label}: Fastify refuses the malformed URL`)
              const bare = await send(barePort, method, path)
              t.equal(bare.status, status, `${label}: as it does without the plugin`)
              t.equal(res.headers['content-type'], bare.headers['content-type'], `${label}: Fastify's content type`)
              t.equal(res.body, bare.body, `${label}: Fastify's body`)
              continue
            }
            t.equal(res.headers['content-type'], JSON_TYPE, `${label}: JSON`)
            if (route === null) {
              t.equal(res.status, 404, `${label}: no such route`)
              checkBody(t, res, method, setup.notFound(method, path.split('?')[0]), label)
              continue
            }
            if (setup.methods[route].includes(method)) {
              t.equal(res.status, 401, `${label}: 401`)
              checkBody(t, res, method, UNAUTHORIZED, label)
            } else {
              t.ok(res.status === 401 || res.status === 405, `${label}: 401 or the router-level 405 (got ${res.status})`)
              if (res.status === 405) t.equal(res.headers.allow, [...setup.methods[route]].sort().join(', '), `${label}: Allow`)
              checkBody(t, res, method, res.status === 405 ? { status: 'error', error: 'Method not allowed' } : UNAUTHORIZED, label)
            }

            // The same request, logged in: the path really reaches the route.
            const ann = await send(port, method, path, { 'x-user': 'ann' })
            if (setup.methods[route].includes(method)) {
              expectedCalls++
              t.equal(ann.status, 200, `${label} as ann: 200`)
              checkBody(t, ann, method, { route }, `${label} as ann`)
            } else {
              t.equal(ann.status, 405, `${label} as ann: 405`)
            }
          }
        }
        t.equal(calls.length, expectedCalls, 'handlers ran for logged-in requests only')
        t.ok(expectedCalls > 0)
      })
    }
  }
}

t.test('HEAD routes Fastify creates for GET routes are protected like their GET route', async (t) => {
  const app = Fastify()
  t.teardown(() => app.close())
  await app.register(ajaxutils, { wwwAuthenticate: 'Bearer' })
  let handled = 0
  app.get('/secret', { config: { ajax: { loginRequired: true } } }, async () => { handled++; return { data: 'x' } })
  app.register(async (child) => {
    child.get('/', { config: { ajax: { loginRequired: true } } }, async () => { handled++; return { data: 'y' } })
  }, { prefix: '/child' })
  await app.ready()
  t.ok(app.hasRoute({ method: 'HEAD', url: '/secret' }), 'Fastify added the HEAD route')
  for (const url of ['/secret', '/child', '/child/']) {
    const head = await app.inject({ method: 'HEAD', url })
    t.equal(head.statusCode, 401, `HEAD ${url}`)
    t.equal(head.headers['content-type'], JSON_TYPE)
    t.equal(head.headers['content-length'], String(JSON.stringify(UNAUTHORIZED).length), 'the length of the GET answer')
    t.equal(head.headers['www-authenticate'], 'Bearer')
    t.equal(head.body, '')
  }
  t.equal(handled, 0)
})

t.test('lowercase methods never reach a route: Node\'s HTTP parser refuses them with 400', async (t) => {
  const app = Fastify()
  t.teardown(() => app.close())
  await app.register(ajaxutils)
  let handled = 0
  app.get('/secret', { config: { ajax: { loginRequired: true } } }, async () => { handled++; return 'x' })
  app.post('/submit', { config: { ajax: { loginRequired: true, requirePOST: true } } }, async () => { handled++; return 'x' })
  await app.listen({ port: 0, host: '127.0.0.1' })
  const { port } = app.server.address() as { port: number }
  for (const method of ['get', 'Get', 'gEt', 'head', 'post', 'Post', 'put', 'patch', 'delete', 'options']) {
    for (const path of ['/secret', '/submit']) {
      const res = await rawSend(port, method, path, { 'x-user': 'ann' })
      t.equal(res.status, 400, `${method} ${path}`)
      t.same(JSON.parse(res.body), { error: 'Bad Request', message: 'Client Error', statusCode: 400 })
    }
  }
  t.equal(handled, 0)
})

t.test('app.inject() upper-cases the method, so a lowercase method in a test is its uppercase form', async (t) => {
  const app = Fastify()
  t.teardown(() => app.close())
  await app.register(ajaxutils)
  let handled = 0
  app.get('/secret', { config: { ajax: { loginRequired: true } } }, async () => { handled++; return 'x' })
  for (const method of ['get', 'head', 'post', 'delete', 'options']) {
    const lower = await app.inject({ method: method as 'GET', url: '/secret' })
    const upper = await app.inject({ method: method.toUpperCase() as 'GET', url: '/secret' })
    // Anonymous: 401 for every method, the router-level 405 included (the seed checks login first).
    t.equal(lower.statusCode, 401, method)
    t.equal(upper.statusCode, 401, method)
    t.equal(lower.headers['content-type'], JSON_TYPE)
    t.equal(upper.headers['content-type'], JSON_TYPE)
    t.equal(lower.body, method === 'head' ? '' : '{"status":"error","error":"Unauthorized"}', method)
    t.equal(upper.body, lower.body)
  }
  t.equal(handled, 0)
})

t.test('anonymous requests with a method the URL has no route for get 401 before the router-level 405, as in the seed', async (t) => {
  // The seed's @ajax(login_required=True, require_POST=True): login is checked first, whatever the
  // method. A 405 would tell an anonymous client which methods the URL has (the Allow header).
  for (const rule of ['strategy', 'request.user'] as const) {
    const { port, calls } = await startSetup(t, SETUPS[0], 'onRequest', rule)
    for (const [method, path] of [['GET', '/submit'], ['DELETE', '/submit'], ['POST', '/secret'], ['PUT', '/items/1'], ['OPTIONS', '/secret']]) {
      const res = await send(port, method, path)
      t.equal(res.status, 401, `${rule}: ${method} ${path}`)
      t.equal(res.headers.allow, undefined, `${rule}: ${method} ${path}: no Allow header for an anonymous client`)
      t.same(JSON.parse(res.body), UNAUTHORIZED)
      const ann = await send(port, method, path, { 'x-user': 'ann' })
      t.equal(ann.status, 405, `${rule}: ${method} ${path} as ann`)
    }
    t.same(calls, [])
  }
})

// The same matrix forged: a page on another site sends every method and path variant with the
// victim's login. Safe methods run as before; no unsafe method reaches a handler at any stage.
const FORGED = { 'x-user': 'ann', 'Sec-Fetch-Site': 'cross-site', Origin: 'https://attacker.example' }
const SAFE = new Set(['GET', 'HEAD', 'OPTIONS'])
const REFUSED = { status: 'error', error: 'Cross-origin request refused' }

for (const setup of SETUPS) {
  for (const stage of STAGES) {
    for (const rule of ['strategy', 'request.user'] as const) {
      t.test(`forged matrix — ${setup.name}, hook '${stage}', login by ${rule}`, async (t) => {
        const { port, calls } = await startSetup(t, setup, stage, rule)
        let expectedCalls = 0
        let refused = 0
        for (const { path, route } of setup.paths) {
          for (const method of METHODS) {
            const label = `forged ${method} ${path}`
            const res = await send(port, method, path, FORGED)
            // A malformed URL is Fastify's own 400 (or 404) before any hook, as in the matrix above.
            if (route === 'bad') {
              t.ok(res.status === 400 || res.status === 404, `${label}: Fastify refuses the malformed URL`)
              continue
            }
            t.equal(res.headers['content-type'], JSON_TYPE, `${label}: JSON`)
            if (route === null) {
              t.equal(res.status, 404, `${label}: no such route`)
              checkBody(t, res, method, setup.notFound(method, path.split('?')[0]), label)
            } else if (!setup.methods[route].includes(method)) {
              // The router-level 405 runs no handler: it answers as for any logged-in request.
              t.equal(res.status, 405, `${label}: 405`)
              t.equal(res.headers.allow, [...setup.methods[route]].sort().join(', '), `${label}: Allow`)
              checkBody(t, res, method, { status: 'error', error: 'Method not allowed' }, label)
            } else if (SAFE.has(method)) {
              expectedCalls++
              t.equal(res.status, 200, `${label}: a safe method runs`)
              checkBody(t, res, method, { route }, label)
            } else {
              refused++
              t.equal(res.status, 403, `${label}: 403`)
              checkBody(t, res, method, REFUSED, label)
            }
          }
        }
        t.equal(calls.length, expectedCalls, 'handlers ran for safe methods only')
        t.ok(expectedCalls > 0 && refused > 0, 'the matrix holds both')
      })
    }
  }
}
