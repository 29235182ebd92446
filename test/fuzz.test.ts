import { METHODS, STATUS_CODES } from 'node:http'
import { connect, type AddressInfo } from 'node:net'
import fc from 'fast-check'
import Fastify, { type FastifyError, type FastifyInstance, type FastifyReply, type FastifyRequest, type InjectOptions, type LightMyRequestResponse } from 'fastify'
import t, { type Test } from 'tap'
import ajaxutils from '../index'
import { fastifyAtLeast, JSON_TYPE } from './helpers'

// Issue 6, item 3: random requests against an app with every kind of ajax route. Reproduce a run
// with FUZZ_SEED=<seed> (printed on failure); FUZZ_RUNS raises the number of requests.

const SEED = Number(process.env.FUZZ_SEED ?? 20250611)
const RUNS = Number(process.env.FUZZ_RUNS ?? 10_000)
const BODY_LIMIT = 2048
const PROBLEM_TYPE = 'application/problem+json'
const WWW_AUTHENTICATE = 'Bearer realm="fuzz"'
// Every internal message holds this token; no response may ever contain it.
const SECRET = 'S3CR3T-ajaxfuzz'
const FUZZ_ID = 'x-fuzz-id'

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Which kind of route answered, for the invariants. */
    fuzz?: 'ajax' | 'page'
  }
}

/** What the server saw of a request, recorded by an onRequest hook that runs before the plugin's. */
interface Seen {
  url: string
  is404: boolean
  kind: 'ajax' | 'page' | 'unknown'
}

interface Template {
  /** A concrete URL for this route (params filled in by the generator). */
  build: fc.Arbitrary<string>
  /** Methods registered for the URL, ajax or not (HEAD with GET). */
  registered: readonly string[]
  /** Methods the URL accepts: what a 405 lists in Allow. */
  allowed: readonly string[]
  loginRequired: boolean
  /** Under the `all` prefix, where error bodies carry requestId. */
  underAll: boolean
}

// What /fail/:kind does. Every internal message carries SECRET.
const FAILURES: Record<string, () => unknown> = {
  error: () => { throw new Error(`${SECRET} error`) },
  type: () => { throw new TypeError(`${SECRET} type`) },
  string: () => { throw `${SECRET} string` }, // eslint-disable-line no-throw-literal
  null: () => { throw null }, // eslint-disable-line no-throw-literal
  undefined: () => { throw undefined }, // eslint-disable-line no-throw-literal
  object: () => { throw { message: `${SECRET} object` } }, // eslint-disable-line no-throw-literal
  status99: () => { throw Object.assign(new Error(`${SECRET} 99`), { statusCode: 99 }) },
  status600: () => { throw Object.assign(new Error(`${SECRET} 600`), { statusCode: 600 }) },
  statusString: () => { throw Object.assign(new Error(`${SECRET} '404'`), { statusCode: '404' }) },
  statusNaN: () => { throw Object.assign(new Error(`${SECRET} NaN`), { statusCode: NaN }) },
  http400: () => { throw Object.assign(new Error('Bad thing'), { statusCode: 400 }) },
  http503: () => { throw Object.assign(new Error(`${SECRET} db down`), { statusCode: 503 }) },
  http404: () => { throw new ajaxutils.Http404() },
  rejectEmpty: () => Promise.reject(), // eslint-disable-line prefer-promise-reject-errors
  json409: () => new ajaxutils.JsonResponse({ taken: true }, { status: 409 }),
  unwritable: () => ({ callback () { return SECRET } }),
  badStatus: () => new ajaxutils.JsonResponse('x', { status: 700 }),
  nothing: () => undefined
}

const ANY_ID = fc.constantFrom('1', '2', 'abc', '%F0%9F%98%80', 'a%20b', '-1', '00', 'x'.repeat(50))

const TEMPLATES: readonly Template[] = [
  { build: fc.constant('/ok'), registered: ['GET', 'HEAD'], allowed: ['GET', 'HEAD'], loginRequired: false, underAll: false },
  { build: fc.constant('/echo'), registered: ['POST'], allowed: ['POST'], loginRequired: false, underAll: false },
  { build: fc.constantFrom('/validated', '/validated?page=0', '/validated?page=2', '/validated?page=x'), registered: ['POST'], allowed: ['POST'], loginRequired: false, underAll: false },
  { build: fc.constant('/login'), registered: ['GET', 'HEAD', 'POST'], allowed: ['GET', 'HEAD', 'POST'], loginRequired: true, underAll: false },
  { build: fc.constant('/methods'), registered: ['DELETE', 'GET', 'HEAD', 'POST', 'PUT'], allowed: ['GET', 'HEAD', 'POST'], loginRequired: false, underAll: false },
  { build: fc.constant('/post-only'), registered: ['GET', 'HEAD', 'POST'], allowed: ['POST'], loginRequired: false, underAll: false },
  { build: fc.constant('/get-only'), registered: ['GET', 'HEAD', 'POST'], allowed: ['GET', 'HEAD'], loginRequired: false, underAll: false },
  { build: fc.constant('/both-checks'), registered: ['GET', 'HEAD', 'PATCH', 'POST'], allowed: ['POST'], loginRequired: true, underAll: false },
  { build: ANY_ID.map((id) => `/items/${id}`), registered: ['DELETE', 'GET', 'HEAD', 'PUT'], allowed: ['DELETE', 'GET', 'HEAD', 'PUT'], loginRequired: false, underAll: false },
  { build: fc.webPath().map((rest) => `/files/${rest.replace(/^\/+/, '')}`), registered: ['GET', 'HEAD'], allowed: ['GET', 'HEAD'], loginRequired: false, underAll: false },
  { build: fc.constantFrom(...Object.keys(FAILURES)).map((kind) => `/fail/${kind}`), registered: ['GET', 'HEAD'], allowed: ['GET', 'HEAD'], loginRequired: false, underAll: false },
  { build: fc.constant('/hook-fail'), registered: ['GET', 'HEAD'], allowed: ['GET', 'HEAD'], loginRequired: false, underAll: false },
  { build: fc.constant('/hook-refuse'), registered: ['POST'], allowed: ['POST'], loginRequired: false, underAll: false },
  { build: fc.constant('/schema'), registered: ['GET', 'HEAD'], allowed: ['GET', 'HEAD'], loginRequired: false, underAll: false },
  { build: fc.constant('/redirect'), registered: ['GET', 'HEAD'], allowed: ['GET', 'HEAD'], loginRequired: false, underAll: false },
  { build: fc.constant('/tuple'), registered: ['GET', 'HEAD'], allowed: ['GET', 'HEAD'], loginRequired: false, underAll: false },
  { build: fc.constant('/code'), registered: ['GET', 'HEAD'], allowed: ['GET', 'HEAD'], loginRequired: false, underAll: false },
  { build: fc.constant('/all/users'), registered: ['GET', 'HEAD', 'POST'], allowed: ['GET', 'HEAD', 'POST'], loginRequired: false, underAll: true },
  { build: ANY_ID.map((id) => `/all/users/${id}`), registered: ['GET', 'HEAD'], allowed: ['GET', 'HEAD'], loginRequired: false, underAll: true }
]

/** Methods the fuzz app has at least one route for. */
const ROUTED_METHODS = new Set(TEMPLATES.flatMap((template) => template.registered))

/** The fuzz app; with `plugin: false` the same routes, hooks and options without the plugin. */
async function buildFuzzApp (seen: Map<string, Seen>, ran: Set<string>, hook: ajaxutils.AjaxCheckHook, plugin = true): Promise<FastifyInstance> {
  const app = Fastify({
    bodyLimit: BODY_LIMIT,
    genReqId: (raw) => String(raw.headers[FUZZ_ID]),
    // The README recipe: Fastify's own pre-routing errors (bad URL, over-long parameter) as the envelope.
    frameworkErrors (error: FastifyError, _request: FastifyRequest, reply: FastifyReply) {
      reply.code(error.statusCode ?? 400).type(JSON_TYPE).send(JSON.stringify({ status: 'error', error: error.message }))
    }
  })
  app.addHook('onRequest', async (request) => {
    seen.set(request.id, { url: request.url, is404: request.is404, kind: request.routeOptions.config.fuzz ?? 'unknown' })
  })
  if (plugin) {
    await app.register(ajaxutils, {
      hook,
      wwwAuthenticate: WWW_AUTHENTICATE,
      authenticate (request, _reply, done) {
        const token = request.headers['x-token']
        if (token === 'good') done()
        else if (token === 'forbidden') done(Object.assign(new Error(`${SECRET} forbidden`), { statusCode: 403 }))
        else done(new Error(`${SECRET} anonymous`))
      }
    })
  }
  const ajax = (options: ajaxutils.AjaxRouteOptions | true = true) => ({ config: { ajax: options, fuzz: 'ajax' as const } })
  const page = { config: { fuzz: 'page' as const } }
  const mark = (request: FastifyRequest) => { ran.add(request.id) }

  app.get('/ok', ajax(), async (request) => { mark(request); return { ok: true, at: new Date(0), big: 10n } })
  app.post('/echo', ajax(), async (request) => { mark(request); return { got: request.body ?? null } })
  app.post('/validated', {
    ...ajax(),
    schema: {
      querystring: { type: 'object', properties: { page: { type: 'integer', minimum: 1 } } },
      body: { type: 'object', required: ['name'], properties: { name: { type: 'string', maxLength: 50 } }, additionalProperties: false }
    }
  }, async (request) => { mark(request); return { saved: (request.body as { name: string }).name } })
  app.route({ method: ['GET', 'POST'], url: '/login', ...ajax({ loginRequired: true }), handler: async (request) => { mark(request); return 'welcome' } })
  app.route({ method: ['GET', 'POST', 'PUT', 'DELETE'], url: '/methods', ...ajax({ methods: ['GET', 'POST'] }), handler: async (request) => { mark(request); return 'ok' } })
  app.route({ method: ['GET', 'POST'], url: '/post-only', ...ajax({ requirePOST: true }), handler: async (request) => { mark(request); return 'posted' } })
  app.route({ method: ['GET', 'POST'], url: '/get-only', ...ajax({ requireGET: true }), handler: async (request) => { mark(request); return 'got' } })
  app.route({ method: ['GET', 'POST', 'PATCH'], url: '/both-checks', ...ajax({ loginRequired: true, methods: ['POST'] }), handler: async (request) => { mark(request); return 'both' } })
  app.get('/items/:id', ajax(), async (request) => {
    mark(request)
    const { id } = request.params as { id: string }
    if (id !== '1') throw new ajaxutils.Http404()
    return { id }
  })
  app.put('/items/:id', ajax(), async (request) => { mark(request); return { put: request.body ?? null } })
  app.delete('/items/:id', page, async () => 'deleted (not ajax)')
  app.get('/files/*', ajax(), async (request) => { mark(request); return { path: (request.params as Record<string, string>)['*'] } })
  app.get('/fail/:kind', ajax(), async (request) => {
    mark(request)
    const failure = FAILURES[(request.params as { kind: string }).kind]
    return failure === undefined ? { unknownKind: true } : failure()
  })
  app.get('/hook-fail', { ...ajax(), preHandler: async () => { throw new Error(`${SECRET} hook`) } }, async (request) => { mark(request); return 'never' })
  app.post('/hook-refuse', { ...ajax(), preValidation: async () => { throw Object.assign(new Error('Hook said no'), { statusCode: 409 }) } }, async (request) => { mark(request); return 'never' })
  app.get('/schema', {
    ...ajax(),
    schema: { response: { 200: { type: 'object', properties: { name: { type: 'string' } } } } }
  }, async (request) => { mark(request); return { name: 'ada', password: SECRET } })
  app.get('/redirect', ajax(), async (request, reply) => { mark(request); return reply.redirect('/login') })
  app.get('/tuple', ajax(), async (request) => { mark(request); return [{ teapot: true }, 418] })
  app.get('/code', ajax(), async (request, reply) => { mark(request); return reply.code(422).send({ field: 'name' }) })
  app.get('/page', page, async (_request, reply) => reply.type('text/html').send('<h1>not ajax</h1>'))
  await app.register(async (all) => {
    if (plugin) await all.register(ajaxutils, { all: true, requestId: true, hook })
    // Made ajax by `all`, as users of `all` write them.
    const marked = { config: { fuzz: 'ajax' as const } }
    all.get('/users', marked, async (request) => { mark(request); return [] })
    all.post('/users', { ...marked, schema: { body: { type: 'object', required: ['name'] } } }, async (request) => { mark(request); return { created: true } })
    all.get('/users/:id', marked, async (request) => {
      mark(request)
      if ((request.params as { id: string }).id !== '1') throw new ajaxutils.Http404()
      return { id: 1 }
    })
  }, { prefix: '/all' })
  await app.ready()
  return app
}

// ---------------------------------------------------------------- generators

const HEADER_TEXT = fc.string({ unit: fc.integer({ min: 0x20, max: 0xff }).filter((c) => c !== 0x7f).map((c) => String.fromCharCode(c)), maxLength: 40 })
const HUGE_TEXT = fc.integer({ min: 1000, max: 12_000 }).chain((n) => fc.constantFrom('a', 'é', ';', ',', '*/*').map((unit) => unit.repeat(Math.ceil(n / unit.length))))

const methodArb = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom('GET', 'GET', 'GET', 'POST', 'POST', 'POST', 'PUT', 'DELETE', 'PATCH', 'HEAD', 'OPTIONS') },
  { weight: 2, arbitrary: fc.constantFrom(...METHODS.filter((method) => method !== 'CONNECT')) },
  { weight: 1, arbitrary: fc.constantFrom('get', 'post', 'put', 'delete', 'patch', 'head', 'options', 'propfind', 'm-search') }
)

const MUTATIONS: Array<(path: string) => fc.Arbitrary<string>> = [
  (path) => fc.constant(path + '/'),
  (path) => fc.constant('/' + path),
  (path) => fc.constant(path.replace(/\//g, '//')),
  (path) => fc.constant(path.toUpperCase()),
  (path) => fc.constantFrom('/..', '/../ok', '/./x', '/%2e%2e', '/%2E%2E/%2e%2e/ok').map((tail) => path + tail),
  (path) => fc.constantFrom('%', '%ZZ', '%E0%A4%A', '%00', '%C0%AF', '%FF', '%2F', '%25').map((code) => path + '/' + code),
  (path) => fc.integer({ min: 101, max: 20_000 }).map((n) => path + '/' + 'x'.repeat(n)),
  (path) => fc.webQueryParameters().map((query) => `${path}?${query}`),
  (path) => HEADER_TEXT.map((query) => `${path}?${encodeURI(query)}`),
  (path) => fc.webSegment().map((segment) => `${path}/${segment}`)
]

const pathArb = fc.oneof(
  { weight: 6, arbitrary: fc.nat(TEMPLATES.length - 1).chain((index) => TEMPLATES[index].build.map((url) => ({ url, template: index }))) },
  { weight: 3, arbitrary: fc.tuple(fc.nat(TEMPLATES.length - 1), fc.nat(MUTATIONS.length - 1)).chain(([index, mutation]) => TEMPLATES[index].build.chain(MUTATIONS[mutation]).map((url) => ({ url, template: -1 }))) },
  { weight: 1, arbitrary: fc.oneof(fc.webPath(), fc.constantFrom('/', '/page', '/all', '/all/', '/all/nope', '/nope', '//', '/..', '/all/users/1/extra')).map((url) => ({ url: url.startsWith('/') ? url : '/' + url, template: -1 })) }
)

const contentTypeArb = fc.option(fc.oneof(
  fc.constantFrom('application/json', 'application/json; charset=utf-8', 'APPLICATION/JSON', 'application/json; charset=utf-16', 'application/problem+json',
    'text/plain', 'text/xml', 'text/html', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/octet-stream', ';;;', '', 'json'),
  HEADER_TEXT,
  HUGE_TEXT
), { nil: undefined })

const acceptArb = fc.option(fc.oneof(
  fc.constantFrom('application/json', PROBLEM_TYPE, `${PROBLEM_TYPE}, application/json;q=0.9`, `application/json, ${PROBLEM_TYPE};q=0.5`, 'text/html',
    'text/html,application/xhtml+xml,*/*;q=0.8', '*/*', `${PROBLEM_TYPE};q=0`, 'APPLICATION/PROBLEM+JSON', ';;;,,,problem+json', 'q=1'),
  HEADER_TEXT,
  HUGE_TEXT
), { nil: undefined })

const bodyArb: fc.Arbitrary<string | Buffer | undefined> = fc.oneof(
  { weight: 2, arbitrary: fc.constant(undefined) },
  { weight: 3, arbitrary: fc.jsonValue().map((value) => JSON.stringify(value)) },
  { weight: 2, arbitrary: fc.record({ name: fc.string({ maxLength: 60 }) }, { requiredKeys: [] }).map((value) => JSON.stringify(value)) },
  { weight: 2, arbitrary: fc.jsonValue().chain((value) => { const text = JSON.stringify(value); return fc.nat(Math.max(0, text.length - 1)).map((cut) => text.slice(0, cut)) }) },
  { weight: 2, arbitrary: fc.constantFrom('{"__proto__":{"admin":true}}', '{"constructor":{"prototype":{"admin":true}}}', '{"a":{"__proto__":null}}', '[{"__proto__":{}}]', '{"\\u005f_proto__":{"x":1}}', '{"name":"a","__proto__":{"name":"b"}}') },
  { weight: 1, arbitrary: fc.uint8Array({ maxLength: 300 }).map((bytes) => Buffer.from(bytes)) },
  { weight: 1, arbitrary: fc.constant('') },
  { weight: 1, arbitrary: fc.integer({ min: BODY_LIMIT + 1, max: BODY_LIMIT * 4 }).map((n) => JSON.stringify({ name: 'x'.repeat(n) })) }
)

const headersArb = fc.record({
  contentType: contentTypeArb,
  accept: acceptArb,
  token: fc.option(fc.oneof(fc.constantFrom('good', 'forbidden', 'GOOD', ''), HEADER_TEXT), { nil: undefined }),
  extra: fc.option(fc.tuple(fc.constantFrom('x-anything', 'cookie', 'authorization', 'accept-version', 'x-forwarded-for', 'if-none-match', 'origin', 'accept-language'), fc.oneof(HEADER_TEXT, HUGE_TEXT)), { nil: undefined })
})

// Half the time a method the URL accepts, so that requests get past the checks to the handler.
const requestArb = pathArb.chain((path) => fc.record({
  method: path.template === -1 ? methodArb : fc.oneof(fc.constantFrom(...TEMPLATES[path.template].allowed), methodArb),
  path: fc.constant(path),
  headers: headersArb,
  body: bodyArb,
  wrongLength: fc.nat(20).map((n) => n === 0)
}))

type FuzzRequest = typeof requestArb extends fc.Arbitrary<infer R> ? R : never

// ---------------------------------------------------------------- invariants

class Violation extends Error {}

/** What the same app without the plugin answered, and what its hook saw (undefined: no hook ran). */
interface Bare {
  res: LightMyRequestResponse
  seen: Seen | undefined
}

function expect (condition: unknown, message: string): asserts condition {
  if (!condition) throw new Violation(message)
}

function asksForProblem (accept: string | undefined): boolean {
  return accept !== undefined && accept.toLowerCase().includes('problem+json')
}

function checkErrorBody (res: LightMyRequestResponse, id: string, underAll: boolean, accept: string | undefined): void {
  const type = res.headers['content-type']
  const body = JSON.parse(res.body) as Record<string, unknown>
  expect(typeof body === 'object' && body !== null && !Array.isArray(body), 'error body is an object')
  if (type === PROBLEM_TYPE) {
    expect(asksForProblem(accept), 'problem details only when the client asked for them')
    expect(Object.keys(body).every((key) => ['type', 'title', 'status', 'detail', 'instance', 'error', 'details', 'requestId'].includes(key)), `problem keys: ${Object.keys(body)}`)
    expect(body.type === 'about:blank', 'problem type')
    expect(body.status === res.statusCode, 'problem status matches the response')
    expect(body.title === (STATUS_CODES[res.statusCode] ?? 'Error'), 'problem title is the reason phrase')
    expect(typeof body.detail === 'string' && typeof body.instance === 'string', 'problem detail and instance are text')
    if (res.statusCode >= 500) expect(body.detail === body.title, '5xx problem detail is the reason phrase')
  } else {
    expect(accept !== PROBLEM_TYPE, 'an exact problem+json Accept gets problem details')
    expect(Object.keys(body).every((key) => ['status', 'error', 'details', 'requestId'].includes(key)), `envelope keys: ${Object.keys(body)}`)
    expect(body.status === 'error' && 'error' in body, 'envelope shape')
    if (res.statusCode === 500) expect(body.error === 'Internal Server Error', '500 says Internal Server Error')
    else if (res.statusCode > 500) expect(body.error === (STATUS_CODES[res.statusCode] ?? 'Error'), '5xx says its reason phrase')
  }
  if (underAll) expect(body.requestId === id, 'requestId under the `all` context')
  else expect(!('requestId' in body), 'no requestId outside the `all` context')
  if (res.statusCode === 401) expect(res.headers['www-authenticate'] === WWW_AUTHENTICATE, '401 carries WWW-Authenticate')
}

/**
 * The invariants of one answer. `bodyFirst`: the checks run in a stage after body parsing
 * (plugin option `hook: 'preValidation'`), so a broken body may be refused before them.
 */
function checkResponse (request: FuzzRequest, id: string, res: LightMyRequestResponse, seen: Seen | undefined, ran: Set<string>, bodyFirst: boolean, bare: Bare | undefined): void {
  const method = request.method.toUpperCase()
  const status = res.statusCode
  const type = res.headers['content-type']
  expect(Number.isInteger(status) && status >= 100 && status <= 599, `status ${status}`)
  expect(!res.body.includes(SECRET), 'no internal message')
  expect(!/\n\s+at /.test(res.body) && !res.body.includes('"stack"'), 'no stack trace')

  if (seen === undefined) {
    // No hook ran: Fastify refused the URL before routing, and the plugin had no part in it: the
    // same app without the plugin answers the same bytes, without running its hooks either.
    expect(bare !== undefined && bare.seen === undefined, 'without the plugin no hook runs either')
    expect(bare.res.statusCode === status && bare.res.headers['content-type'] === type && bare.res.body === res.body, `the same answer as without the plugin (${bare.res.statusCode})`)
    if (!fastifyAtLeast('5.12.2') && !ROUTED_METHODS.has(method)) {
      // Before 5.12.2 a malformed URL with a method the app has no route for never reaches the
      // frameworkErrors recipe: Fastify's fallback answers its plain 404 (5.0 in the compatibility run).
      expect(status === 404, `Fastify's fallback 404 for a method without routes (${status})`)
      expect(type === JSON_TYPE, 'Fastify answers JSON')
      if (method === 'HEAD') return
      const body = JSON.parse(res.body) as Record<string, unknown>
      expect(body.error === 'Not Found' && body.statusCode === 404 && typeof body.message === 'string' && Object.keys(body).length === 3, "Fastify's 404 body")
      return
    }
    // Otherwise the frameworkErrors recipe answers it.
    expect(status === 400 || status === 414, `only Fastify's pre-routing errors skip the hooks (${status})`)
    expect(type === JSON_TYPE, 'the recipe answers JSON')
    if (request.method.toUpperCase() === 'HEAD') return
    const body = JSON.parse(res.body) as Record<string, unknown>
    expect(body.status === 'error' && typeof body.error === 'string' && Object.keys(body).length === 2, 'the recipe answers the envelope')
    return
  }
  // Fastify's own answers outside ajax URLs: a non-ajax route, or an unknown URL outside `all`.
  if (seen.kind === 'page') return
  expect(!/^\s*</.test(res.body) && !String(type).includes('html'), 'no HTML')
  const seenPath = seen.url.split('?')[0]
  const underAll = seenPath === '/all' || seenPath.startsWith('/all/')
  const template = request.path.template === -1 ? undefined : TEMPLATES[request.path.template]
  // 401/403/405 on an unmatched URL are the plugin's router-level answers for an ajax URL.
  if (seen.is404 && template === undefined && status !== 401 && status !== 403 && status !== 405 && !underAll) {
    expect(status === 404 || status === 400 || status === 413 || status === 415, `Fastify answers an unknown URL (${status})`)
    return
  }

  expect(status < 300 || status >= 400, `no redirect (${status})`)
  expect(res.headers.location === undefined, 'no Location header')
  expect(type === JSON_TYPE || type === PROBLEM_TYPE, `JSON content type (${type})`)
  if (method === 'HEAD') expect(res.body === '', 'HEAD has no body')
  else expect((() => { try { JSON.parse(res.body); return true } catch { return false } })(), 'body parses as JSON')
  const isDataTuple = seenPath === '/tuple' && status === 418
  if (status >= 400 && method !== 'HEAD' && !isDataTuple) checkErrorBody(res, id, underAll, request.headers.accept)
  if (status === 405) {
    const allow = res.headers.allow
    expect(!ran.has(id), 'the handler never runs on a 405')
    expect(typeof allow === 'string' && allow !== '', '405 carries Allow')
    expect(!allow.split(', ').includes(method), `Allow (${allow}) does not list the refused ${method}`)
  }

  if (template === undefined) return
  const refuseMethod = () => {
    expect(status === 405, `${method} ${request.path.url} is not allowed: 405, got ${status}`)
    expect(res.headers.allow === template.allowed.join(', '), `Allow ${res.headers.allow}, expected ${template.allowed.join(', ')}`)
  }
  // With a later check stage the user is known only after the body is read: a method the URL has
  // no route for is refused before that, without a login check; the route's own checks come after
  // the body.
  if (bodyFirst && !template.registered.includes(method)) {
    refuseMethod()
    return
  }
  // A non-safe request whose Origin is not the host's (inject's is localhost:80) is refused by the
  // route it reaches before its body and the login check; the fuzz never sends Sec-Fetch-Site.
  const origin = request.headers.extra?.[0] === 'origin' ? request.headers.extra[1] : undefined
  if (origin !== undefined && origin !== 'http://localhost:80' && !['GET', 'HEAD', 'OPTIONS'].includes(method) && template.registered.includes(method)) {
    expect(status === 403, `cross-origin check first (${status})`)
    const refusal = JSON.parse(res.body) as { error?: unknown, detail?: unknown }
    expect((refusal.error ?? refusal.detail) === 'Cross-origin request refused', 'the cross-origin refusal')
    expect(!ran.has(id), 'handler did not run')
    return
  }
  if (bodyFirst && (request.body !== undefined || request.headers.contentType !== undefined) && (status === 400 || status === 413 || status === 415)) return
  // Otherwise the seed's order, router-level too: login, then method, then the handler.
  if (template.loginRequired && request.headers.token !== 'good') {
    expect(status === (request.headers.token === 'forbidden' ? 403 : 401), `login check first (${status})`)
    expect(!ran.has(id), 'handler did not run')
    return
  }
  if (!template.allowed.includes(method)) {
    refuseMethod()
    return
  }
  if (request.path.url === '/ok' && (method === 'GET' || method === 'HEAD')) {
    expect(status === 200, `/ok answers 200 whatever the headers (${status})`)
    if (method === 'GET') expect(res.body === '{"ok":true,"at":"1970-01-01T00:00:00.000Z","big":"10"}', '/ok body')
  }
}

function toInject (request: FuzzRequest, id: string): InjectOptions {
  const headers: Record<string, string> = { [FUZZ_ID]: id }
  if (request.headers.extra !== undefined) headers[request.headers.extra[0]] = request.headers.extra[1]
  if (request.headers.contentType !== undefined) headers['content-type'] = request.headers.contentType
  if (request.headers.accept !== undefined) headers.accept = request.headers.accept
  if (request.headers.token !== undefined) headers['x-token'] = request.headers.token
  if (request.wrongLength && request.body !== undefined) headers['content-length'] = String(Buffer.byteLength(request.body) + 3)
  return { method: request.method as InjectOptions['method'], url: request.path.url, headers, payload: request.body }
}

function withDeadline<T> (promise: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const deadline = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Violation(`request hung: ${what}`)), 5000)
  })
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer))
}

async function runFuzz (t: Test, hook: ajaxutils.AjaxCheckHook, runs: number): Promise<void> {
  const seen = new Map<string, Seen>()
  const ran = new Set<string>()
  const app = await buildFuzzApp(seen, ran, hook)
  t.teardown(() => app.close())
  const bareSeen = new Map<string, Seen>()
  const bareApp = await buildFuzzApp(bareSeen, new Set(), hook, false)
  t.teardown(() => bareApp.close())
  let next = 0
  const started = Date.now()
  const statuses = new Map<number, number>()

  const property = fc.asyncProperty(requestArb, async (request) => {
    const id = `f${++next}`
    const res = await withDeadline(app.inject(toInject(request, id)), `${request.method} ${request.path.url.slice(0, 200)}`)
    statuses.set(res.statusCode, (statuses.get(res.statusCode) ?? 0) + 1)
    try {
      let bare: Bare | undefined
      if (!seen.has(id)) {
        // Only answers that skipped the hooks are compared with the app without the plugin.
        bare = { res: await bareApp.inject(toInject(request, id)), seen: bareSeen.get(id) }
        bareSeen.delete(id)
      }
      checkResponse(request, id, res, seen.get(id), ran, hook === 'preValidation' || hook === 'preHandler', bare)
    } catch (error) {
      const detail = `${(error as Error).message}\n  ${request.method} ${request.path.url.slice(0, 300)} -> ${res.statusCode} ${String(res.headers['content-type'])} ${res.body.slice(0, 300)}`
      throw new Violation(detail)
    } finally {
      seen.delete(id)
      ran.delete(id)
    }
    if (next % 500 === 0) {
      const alive = await app.inject({ url: '/ok', headers: { [FUZZ_ID]: `alive-${next}` } })
      expect(alive.statusCode === 200, 'the server still answers')
    }
  })

  const result = await fc.check(property, { seed: SEED, numRuns: runs })
  if (result.failed) {
    const example = JSON.stringify(result.counterexample?.[0], (_key, value: unknown) => typeof value === 'string' && value.length > 200 ? `${value.slice(0, 200)}... (${value.length} chars)` : value)
    t.fail(`fuzz failed with seed ${SEED}, path ${result.counterexample === null ? '?' : result.counterexamplePath} (rerun: FUZZ_SEED=${SEED} npx tap --disable-coverage test/fuzz.test.ts, hook ${hook})\n${(result.errorInstance as Error | null)?.message}\ncounterexample: ${example}`)
  }
  const elapsed = Date.now() - started
  const after = await app.inject({ url: '/ok', headers: { [FUZZ_ID]: 'final' } })
  t.equal(after.statusCode, 200, 'the server still answers after the run')
  t.ok(result.failed || next >= runs, `${next} requests sent`)
  t.ok(elapsed < 30_000, `${next} requests in ${elapsed} ms`)
  t.comment(`hook ${hook}, seed ${SEED}: ${next} requests in ${elapsed} ms; statuses ${[...statuses].sort((a, b) => a[0] - b[0]).map(([status, count]) => `${status}:${count}`).join(' ')}`)
}

t.test(`${RUNS} random requests keep every ajax answer JSON, enveloped and secret-free (seed ${SEED})`, (t) => runFuzz(t, 'onRequest', RUNS))

t.test(`with hook: 'preValidation', ${Math.ceil(RUNS / 4)} more random requests keep the same promises (seed ${SEED})`, (t) => runFuzz(t, 'preValidation', Math.ceil(RUNS / 4)))

/** Sends raw bytes to a listening server and returns the raw answer, without its Date header. */
function rawRequest (port: number, text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    let answer = ''
    const socket = connect(port, '127.0.0.1', () => socket.write(text))
    socket.setEncoding('latin1')
    socket.on('data', (chunk: string) => { answer += chunk })
    socket.on('end', () => resolve(answer.replace(/\r\ndate: [^\r]*/i, '')))
    socket.on('error', reject)
  })
}

t.test('on the wire, unknown and lowercase methods never reach a route; dotted paths are not normalized', async (t) => {
  const app = Fastify()
  t.teardown(() => app.close())
  await app.register(ajaxutils)
  app.get('/ok', { config: { ajax: true } }, async () => ({ ok: true }))
  await app.listen({ port: 0, host: '127.0.0.1' })
  const { port } = app.server.address() as AddressInfo
  const send = (line: string) => rawRequest(port, `${line}\r\nHost: fuzz\r\nConnection: close\r\n\r\n`)
  const clientError = 'HTTP/1.1 400 Bad Request\r\nContent-Length: 65\r\nContent-Type: application/json\r\n\r\n{"error":"Bad Request","message":"Client Error","statusCode":400}'
  for (const line of ['FOO /ok HTTP/1.1', 'get /ok HTTP/1.1', 'Get /ok HTTP/1.1', 'GET /ok HTTP/9.9', 'GET ok HTTP/1.1', 'GET /o k HTTP/1.1']) {
    t.equal(await send(line), clientError, `${line}: Node's parser refuses it, Fastify answers its client error`)
  }
  const methodNotAllowed = 'HTTP/1.1 405 Method Not Allowed\r\nallow: GET, HEAD\r\ncontent-type: application/json; charset=utf-8\r\ncontent-length: 47\r\nConnection: close\r\n\r\n{"status":"error","error":"Method not allowed"}'
  for (const line of ['PROPFIND /ok HTTP/1.1', 'LINK /ok HTTP/1.1', 'QUERY /ok HTTP/1.1']) {
    t.equal(await send(line), methodNotAllowed, `${line}: a method Node knows gets the router-level 405`)
  }
  for (const path of ['/ok/../ok', '//ok', '/%2e%2e/ok']) {
    const answer = await send(`GET ${path} HTTP/1.1`)
    const body = JSON.stringify({ message: `Route GET:${path} not found`, error: 'Not Found', statusCode: 404 })
    t.equal(answer, `HTTP/1.1 404 Not Found\r\ncontent-type: application/json; charset=utf-8\r\ncontent-length: ${body.length}\r\nConnection: close\r\n\r\n${body}`, `${path}: Fastify 404`)
  }
  const ok = await send('GET /ok HTTP/1.1')
  t.match(ok, /^HTTP\/1\.1 200 OK\r\n[\s\S]*\r\n\r\n\{"ok":true\}$/, 'the server still answers')
})
