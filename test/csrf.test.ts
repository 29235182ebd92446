// Issue 17, SPEC §8: ajax routes refuse non-safe cross-origin browser requests without a token,
// as Go 1.25's net/http CrossOriginProtection does: Sec-Fetch-Site first, Origin against the host
// for browsers that do not send it, trusted origins let a known front end through.
import swagger from '@fastify/swagger'
import Fastify, { type FastifyInstance, type FastifyServerOptions, type InjectOptions, type RouteOptions } from 'fastify'
import t, { type Test } from 'tap'
import ajaxutils from '../index'
import { JSON_TYPE, logCapture, rawRequest } from './helpers'

type Stage = ajaxutils.AjaxCheckHook

const STAGES: readonly Stage[] = ['onRequest', 'preParsing', 'preValidation', 'preHandler']
const REFUSED = { status: 'error', error: 'Cross-origin request refused' }
const UNAUTHORIZED = { status: 'error', error: 'Unauthorized' }
const HOST = 'example.com'

interface Counts {
  handler: number
  parser: number
  strategy: number
}

/**
 * An app whose ajax routes count their handler calls, whose text/plain parser (what a forged form
 * or no-cors fetch sends) counts its calls, and whose login strategy counts its calls too.
 */
async function countingApp (t: Test, options: ajaxutils.AjaxutilsOptions = {}, server: FastifyServerOptions = {}) {
  // Under `all`, the routes are ajax without a word of their own.
  const config = options.all === undefined ? { config: { ajax: true } } : {}
  const app = Fastify({ ...server })
  t.teardown(() => app.close())
  const counts: Counts = { handler: 0, parser: 0, strategy: 0 }
  app.removeContentTypeParser('text/plain')
  app.addContentTypeParser('text/plain', { parseAs: 'string' }, (_request, body, done) => {
    counts.parser++
    done(null, body)
  })
  await app.register(ajaxutils, options)
  const handler = async () => { counts.handler++; return { done: true } }
  app.post('/submit', config, handler)
  app.route({ method: ['PUT', 'PATCH', 'DELETE'], url: '/items', ...config, handler })
  app.route({ method: ['GET', 'POST', 'OPTIONS'], url: '/both', ...config, handler })
  app.get('/read', config, handler)
  return { app, counts }
}

interface Forgery {
  site?: string
  origin?: string
  host?: string
}

function forged (method: string, url: string, { site, origin, host = HOST }: Forgery, extra: Record<string, string> = {}): InjectOptions {
  const headers: Record<string, string> = { host, 'content-type': 'text/plain', ...extra }
  if (site !== undefined) headers['sec-fetch-site'] = site
  if (origin !== undefined) headers.origin = origin
  return { method: method as 'POST', url, headers, payload: method === 'GET' || method === 'HEAD' ? undefined : 'amount=100' }
}

async function expectRefused (t: Test, app: FastifyInstance, request: InjectOptions, label: string): Promise<void> {
  const res = await app.inject(request)
  t.equal(res.statusCode, 403, `${label}: 403`)
  t.equal(res.headers['content-type'], JSON_TYPE, `${label}: JSON`)
  t.same(res.json(), REFUSED, `${label}: body`)
}

async function expectPassed (t: Test, app: FastifyInstance, request: InjectOptions, label: string): Promise<void> {
  const res = await app.inject(request)
  t.equal(res.statusCode, 200, `${label}: 200`)
  t.equal(res.headers['content-type'], JSON_TYPE, `${label}: JSON`)
  if (request.method === 'HEAD') t.equal(res.body, '', `${label}: no body`)
  else t.same(res.json(), { done: true }, `${label}: body`)
}

// Go's TestCrossOriginProtectionSecFetchSite, and the Origin fallback's edges.
const TABLE: Array<{ name: string, method: string, url?: string, forgery: Forgery, passes: boolean }> = [
  { name: 'same-origin', method: 'POST', forgery: { site: 'same-origin' }, passes: true },
  { name: 'none (typed in the address bar)', method: 'POST', forgery: { site: 'none' }, passes: true },
  { name: 'cross-site', method: 'POST', forgery: { site: 'cross-site' }, passes: false },
  { name: 'same-site (another subdomain or port)', method: 'POST', forgery: { site: 'same-site' }, passes: false },
  { name: 'same-origin, with an Origin of another site', method: 'POST', forgery: { site: 'same-origin', origin: 'https://attacker.example' }, passes: true },
  { name: 'cross-site, with an Origin equal to the host', method: 'POST', forgery: { site: 'cross-site', origin: `https://${HOST}` }, passes: false },
  { name: 'unknown Sec-Fetch-Site value', method: 'POST', forgery: { site: 'cross-origin' }, passes: false },
  { name: 'Sec-Fetch-Site in upper case', method: 'POST', forgery: { site: 'SAME-ORIGIN' }, passes: false },
  { name: 'empty Sec-Fetch-Site', method: 'POST', forgery: { site: '' }, passes: false },
  { name: 'no header at all (curl, a server)', method: 'POST', forgery: {}, passes: true },
  { name: 'no Sec-Fetch-Site, matching Origin', method: 'POST', forgery: { origin: `https://${HOST}` }, passes: true },
  { name: 'no Sec-Fetch-Site, matching Origin over http', method: 'POST', forgery: { origin: `http://${HOST}` }, passes: true },
  { name: 'no Sec-Fetch-Site, Origin host in another case', method: 'POST', forgery: { origin: 'https://Example.COM' }, passes: true },
  { name: 'no Sec-Fetch-Site, matching Origin with port', method: 'POST', forgery: { origin: 'http://example.com:8080', host: 'example.com:8080' }, passes: true },
  { name: 'no Sec-Fetch-Site, IPv6 Origin matching', method: 'POST', forgery: { origin: 'http://[::1]:3000', host: '[::1]:3000' }, passes: true },
  { name: 'no Sec-Fetch-Site, Origin without the host\'s port', method: 'POST', forgery: { origin: 'http://example.com', host: 'example.com:8080' }, passes: false },
  { name: 'no Sec-Fetch-Site, Origin on another port', method: 'POST', forgery: { origin: 'http://example.com:9090', host: 'example.com:8080' }, passes: false },
  { name: 'no Sec-Fetch-Site, mismatching Origin', method: 'POST', forgery: { origin: 'https://attacker.example' }, passes: false },
  { name: 'no Sec-Fetch-Site, subdomain Origin', method: 'POST', forgery: { origin: `https://evil.${HOST}` }, passes: false },
  { name: 'no Sec-Fetch-Site, Origin null (sandboxed page, file:)', method: 'POST', forgery: { origin: 'null' }, passes: false },
  { name: 'malformed Origin: no scheme', method: 'POST', forgery: { origin: HOST }, passes: false },
  { name: 'malformed Origin: trailing slash', method: 'POST', forgery: { origin: `https://${HOST}/` }, passes: false },
  { name: 'malformed Origin: a path', method: 'POST', forgery: { origin: `https://${HOST}/submit` }, passes: false },
  { name: 'malformed Origin: user info', method: 'POST', forgery: { origin: `https://me@${HOST}` }, passes: false },
  { name: 'malformed Origin: empty', method: 'POST', forgery: { origin: '' }, passes: false },
  { name: 'malformed Origin: space in the host', method: 'POST', forgery: { origin: 'https://exa mple.com' }, passes: false },
  { name: 'PUT cross-site', method: 'PUT', url: '/items', forgery: { site: 'cross-site' }, passes: false },
  { name: 'PATCH cross-site', method: 'PATCH', url: '/items', forgery: { site: 'cross-site' }, passes: false },
  { name: 'DELETE with a mismatching Origin', method: 'DELETE', url: '/items', forgery: { origin: 'https://attacker.example' }, passes: false },
  { name: 'DELETE same-origin', method: 'DELETE', url: '/items', forgery: { site: 'same-origin' }, passes: true },
  { name: 'GET cross-site (safe)', method: 'GET', url: '/both', forgery: { site: 'cross-site', origin: 'https://attacker.example' }, passes: true },
  { name: 'HEAD cross-site (safe)', method: 'HEAD', url: '/both', forgery: { site: 'cross-site' }, passes: true },
  { name: 'OPTIONS cross-site (safe)', method: 'OPTIONS', url: '/both', forgery: { site: 'cross-site', origin: 'null' }, passes: true },
  { name: 'POST cross-site on a route that also takes GET', method: 'POST', url: '/both', forgery: { site: 'cross-site' }, passes: false },
  { name: 'GET cross-site on a GET-only route', method: 'GET', url: '/read', forgery: { site: 'cross-site', origin: 'null' }, passes: true }
]

for (const stage of STAGES) {
  for (const all of [undefined, { loginRequired: false }]) {
    t.test(`hook '${stage}'${all === undefined ? '' : ', routes made ajax by all'}: the Go test table, the handler and body parser never running for a refused request`, async (t) => {
      const { app, counts } = await countingApp(t, { hook: stage, all })
      let passed = 0
      for (const { name, method, url = '/submit', forgery, passes } of TABLE) {
        if (passes) {
          await expectPassed(t, app, forged(method, url, forgery), name)
          passed++
        } else {
          await expectRefused(t, app, forged(method, url, forgery), name)
        }
        t.equal(counts.handler, passed, `${name}: handler calls`)
      }
      const bodies = TABLE.filter((entry) => entry.passes && !['GET', 'HEAD'].includes(entry.method)).length
      t.equal(counts.parser, bodies, 'the body parser ran for passed requests with a body only')
    })
  }

  t.test(`hook '${stage}': a forged request gets 403 before the login check, which never runs`, async (t) => {
    const counts = { strategy: 0, handler: 0 }
    const app = Fastify()
    t.teardown(() => app.close())
    await app.register(ajaxutils, {
      hook: stage,
      authenticate: async (request) => {
        counts.strategy++
        if (request.headers['x-user'] !== 'ann') throw new Error('anonymous')
      }
    })
    app.post('/transfer', { config: { ajax: { loginRequired: true, requirePOST: true } } }, async () => { counts.handler++; return { sent: true } })
    for (const user of [{}, { 'x-user': 'ann' }]) {
      await expectRefused(t, app, forged('POST', '/transfer', { site: 'cross-site', origin: 'https://attacker.example' }, user), 'forged')
    }
    t.same(counts, { strategy: 0, handler: 0 })
    const anonymous = await app.inject(forged('POST', '/transfer', { site: 'same-origin' }))
    t.equal(anonymous.statusCode, 401)
    t.same(anonymous.json(), UNAUTHORIZED)
    const ann = await app.inject(forged('POST', '/transfer', { site: 'same-origin' }, { 'x-user': 'ann' }))
    t.equal(ann.statusCode, 200)
    t.same(ann.json(), { sent: true })
    t.same(counts, { strategy: 2, handler: 1 })
  })
}

t.test('trusted origins pass with any Sec-Fetch-Site; others do not (Go\'s trusted-origin table)', async (t) => {
  const { app, counts } = await countingApp(t, { csrf: { trustedOrigins: ['https://trusted.example', 'HTTP://Front.Example:8443'] } })
  await expectPassed(t, app, forged('POST', '/submit', { origin: 'https://trusted.example' }), 'trusted, no Sec-Fetch-Site')
  await expectPassed(t, app, forged('POST', '/submit', { origin: 'https://trusted.example', site: 'cross-site' }), 'trusted, cross-site')
  await expectPassed(t, app, forged('POST', '/submit', { origin: 'https://trusted.example', site: 'same-site' }), 'trusted, same-site')
  await expectPassed(t, app, forged('PUT', '/items', { origin: 'http://front.example:8443', site: 'same-site' }), 'trusted as written in any case')
  await expectRefused(t, app, forged('POST', '/submit', { origin: 'https://attacker.example' }), 'untrusted, no Sec-Fetch-Site')
  await expectRefused(t, app, forged('POST', '/submit', { origin: 'https://attacker.example', site: 'cross-site' }), 'untrusted, cross-site')
  await expectRefused(t, app, forged('POST', '/submit', { origin: 'http://trusted.example', site: 'cross-site' }), 'trusted host, other scheme')
  await expectRefused(t, app, forged('POST', '/submit', { origin: 'https://trusted.example:444', site: 'cross-site' }), 'trusted host, other port')
  t.equal(counts.handler, 4)
})

t.test('csrf: {} keeps the check on with no trusted origin', async (t) => {
  const { app } = await countingApp(t, { csrf: {} })
  await expectRefused(t, app, forged('POST', '/submit', { site: 'cross-site' }), 'cross-site')
  await expectPassed(t, app, forged('POST', '/submit', { site: 'same-origin' }), 'same-origin')
})

t.test('several Origin headers (or Sec-Fetch-Site headers) over a real socket are refused', async (t) => {
  for (const stage of STAGES) {
    const { app, counts } = await countingApp(t, { hook: stage, csrf: { trustedOrigins: ['https://trusted.example'] } })
    await app.listen({ port: 0, host: '127.0.0.1' })
    const { port } = app.server.address() as { port: number }
    const host = `127.0.0.1:${port}`
    const cases: Array<[string, string[], number]> = [
      ['one matching Origin', [`Origin: http://${host}`], 200],
      ['the matching Origin twice', [`Origin: http://${host}`, `Origin: http://${host}`], 403],
      ['matching, then another', [`Origin: http://${host}`, 'Origin: https://attacker.example'], 403],
      ['a trusted one, then another', ['Origin: https://trusted.example', 'Origin: https://attacker.example'], 403],
      ['two Origins with same-origin', ['Sec-Fetch-Site: same-origin', `Origin: http://${host}`, 'Origin: https://attacker.example'], 403],
      ['Sec-Fetch-Site twice', ['Sec-Fetch-Site: same-origin', 'Sec-Fetch-Site: same-origin'], 403]
    ]
    for (const [name, headers, status] of cases) {
      const head = ['POST /submit HTTP/1.1', `Host: ${host}`, ...headers, 'Content-Type: text/plain', 'Content-Length: 10']
      const res = await rawRequest(port, head, 'amount=100')
      t.equal(res.status, status, `${stage}, ${name}`)
      t.equal(res.headers['content-type'], JSON_TYPE, `${stage}, ${name}: JSON`)
      t.same(JSON.parse(res.body), status === 200 ? { done: true } : REFUSED, `${stage}, ${name}: body`)
    }
    t.same({ handler: counts.handler, parser: counts.parser }, { handler: 1, parser: 1 }, `${stage}: only the single-Origin request ran`)
    await app.close()
  }
})

t.test('every route of all: true (and all with loginRequired) is checked; safe routes are not', async (t) => {
  for (const all of [true, { loginRequired: true }] as const) {
    const app = Fastify()
    t.teardown(() => app.close())
    await app.register(ajaxutils, { all, authenticate: async (request) => { if (request.headers['x-user'] !== 'ann') throw new Error('anonymous') } })
    let handled = 0
    app.post('/save', async () => { handled++; return { saved: true } })
    app.get('/list', async () => { handled++; return [1] })
    app.post('/webhook', { config: { ajax: { csrf: false } } }, async () => { handled++; return { hooked: true } })
    const user = { 'x-user': 'ann' }
    await expectRefused(t, app, forged('POST', '/save', { site: 'cross-site' }, user), `all: ${JSON.stringify(all)}, POST`)
    const list = await app.inject(forged('GET', '/list', { site: 'cross-site' }, user))
    t.equal(list.statusCode, 200)
    t.same(list.json(), [1])
    const hook = await app.inject(forged('POST', '/webhook', { site: 'cross-site', origin: 'https://payments.example' }, user))
    t.equal(hook.statusCode, 200, 'the route that opted out runs')
    t.same(hook.json(), { hooked: true })
    const anonymous = await app.inject(forged('POST', '/save', { site: 'cross-site' }))
    t.equal(anonymous.statusCode, 403, 'anonymous too: 403 before the login check')
    t.equal(handled, 2)
  }
})

t.test('the check is off for a route with csrf: false, for all: { csrf: false } and for plugin option csrf: false', async (t) => {
  const setups: Array<[string, ajaxutils.AjaxutilsOptions, boolean | ajaxutils.AjaxRouteOptions]> = [
    ['route option', {}, { csrf: false }],
    ['route option with loginRequired', { authenticate: async () => {} }, { loginRequired: true, csrf: false }],
    ['all: { csrf: false }', { all: { csrf: false } }, true],
    ['all: { csrf: false }, route with methods', { all: { csrf: false } }, { methods: ['POST'] }],
    ['plugin option', { csrf: false }, true],
    ['plugin option, all', { csrf: false, all: true }, true]
  ]
  for (const [name, options, ajax] of setups) {
    const app = Fastify()
    t.teardown(() => app.close())
    await app.register(ajaxutils, options)
    app.post('/webhook', { config: { ajax } }, async () => ({ done: true }))
    await expectPassed(t, app, forged('POST', '/webhook', { site: 'cross-site', origin: 'https://payments.example' }), name)
  }
})

t.test('all without csrf keeps the check on for a route that restricts its methods', async (t) => {
  const app = Fastify()
  t.teardown(() => app.close())
  await app.register(ajaxutils, { all: { loginRequired: false } })
  app.post('/save', { config: { ajax: { requirePOST: true } } }, async () => ({ done: true }))
  await expectRefused(t, app, forged('POST', '/save', { site: 'cross-site' }), 'all without csrf')
})

/** A registration nested in a context that has its own, both seeing the route. */
async function nestedApp (t: Test, outer: ajaxutils.AjaxutilsOptions, inner: ajaxutils.AjaxutilsOptions) {
  const app = Fastify()
  t.teardown(() => app.close())
  await app.register(ajaxutils, outer)
  app.post('/outer', { config: { ajax: true } }, async () => ({ done: true }))
  await app.register(async (context) => {
    await context.register(ajaxutils, inner)
    context.post('/inner', { config: { ajax: true } }, async () => ({ done: true }))
    // Ajax only when the inner registration has `all`: the outer one never sees it as an ajax route.
    context.post('/by-all', async () => ({ done: true }))
  })
  return app
}

t.test('nested registrations: only an explicit false drops the check, and trusted origins add up', async (t) => {
  const cross = { site: 'cross-site', origin: 'https://attacker.example' }
  let app = await nestedApp(t, {}, { csrf: false })
  await expectRefused(t, app, forged('POST', '/outer', cross), 'on outside')
  await expectPassed(t, app, forged('POST', '/inner', cross), 'explicit false inside')

  app = await nestedApp(t, { csrf: false }, {})
  await expectPassed(t, app, forged('POST', '/outer', cross), 'false outside')
  await expectPassed(t, app, forged('POST', '/inner', cross), 'inside, without option csrf: the outer false holds')

  app = await nestedApp(t, { csrf: false }, { csrf: { trustedOrigins: ['https://front.example'] } })
  await expectRefused(t, app, forged('POST', '/inner', cross), 'an inner object turns it back on')
  await expectPassed(t, app, forged('POST', '/inner', { site: 'cross-site', origin: 'https://front.example' }), 'with its trusted origin')

  app = await nestedApp(t, { csrf: { trustedOrigins: ['https://a.example'] } }, { csrf: { trustedOrigins: ['https://b.example'] } })
  for (const origin of ['https://a.example', 'https://b.example']) {
    await expectPassed(t, app, forged('POST', '/inner', { site: 'cross-site', origin }), `inner trusts ${origin}`)
  }
  await expectPassed(t, app, forged('POST', '/outer', { site: 'cross-site', origin: 'https://a.example' }), 'outer trusts its own')
  await expectRefused(t, app, forged('POST', '/outer', { site: 'cross-site', origin: 'https://b.example' }), 'outer does not trust the inner\'s')
  await expectRefused(t, app, forged('POST', '/inner', cross), 'still refused inside')

  app = await nestedApp(t, { csrf: { trustedOrigins: ['https://a.example'] } }, { all: true })
  for (const url of ['/inner', '/by-all']) {
    await expectPassed(t, app, forged('POST', url, { site: 'cross-site', origin: 'https://a.example' }), `${url}: inner without csrf keeps the outer's trust`)
    await expectRefused(t, app, forged('POST', url, cross), `${url}: and the check`)
  }

  app = await nestedApp(t, { csrf: false }, { all: true })
  await expectPassed(t, app, forged('POST', '/by-all', cross), 'a route only the inner registration makes ajax: the outer false holds')
  await expectRefused(t, await nestedApp(t, {}, { all: true }), forged('POST', '/by-all', cross), 'and the default check too')
})

t.test('only routes with a non-safe method get the check hook, before their own onRequest hooks', async (t) => {
  const app = Fastify()
  t.teardown(() => app.close())
  await app.register(ajaxutils, { authenticate: async () => {} })
  const hooks = new Map<string, string[]>()
  app.addHook('onRoute', (route: RouteOptions) => {
    const names = [route.onRequest ?? []].flat().map((hook) => hook.name)
    hooks.set(`${String(route.method)} ${route.url}`, names)
  })
  const own = async function ownHook () {}
  app.get('/read', { config: { ajax: { loginRequired: true } } }, async () => 'x')
  app.route({ method: ['GET', 'OPTIONS'], url: '/safe', config: { ajax: true }, handler: async () => 'x' })
  app.post('/write', { config: { ajax: { loginRequired: true } }, onRequest: own }, async () => 'x')
  app.get('/plain', async () => 'x')
  app.post('/plain', async () => 'x')
  app.post('/opted-out', { config: { ajax: { csrf: false } } }, async () => 'x')
  await app.ready()
  t.same(Object.fromEntries(hooks), {
    // ajaxPrepare makes the reply an ajax reply (right after the guard), not a check.
    'GET /read': ['ajaxCheck', 'ajaxPrepare'],
    'HEAD /read': ['ajaxCheck', 'ajaxPrepare'],
    'GET,OPTIONS /safe': ['ajaxPrepare'],
    'HEAD /safe': ['ajaxPrepare'],
    'POST /write': ['ajaxCrossOriginCheck', 'ownHook', 'ajaxCheck', 'ajaxPrepare'],
    'GET /plain': [],
    'HEAD /plain': [],
    'POST /plain': [],
    'POST /opted-out': ['ajaxPrepare']
  })
})

t.test('non-ajax routes are untouched: a forged POST runs as without the plugin', async (t) => {
  const app = Fastify()
  t.teardown(() => app.close())
  await app.register(ajaxutils)
  app.post('/form', async () => ({ plain: true }))
  const res = await app.inject(forged('POST', '/form', { site: 'cross-site' }))
  t.equal(res.statusCode, 200)
  t.same(res.json(), { plain: true })
})

t.test('behind a proxy, the Origin is compared with the forwarded host when trustProxy is on', async (t) => {
  const behind = { host: 'app-1.internal:3000', 'x-forwarded-host': 'shop.example', 'x-forwarded-proto': 'https' }
  const { app, counts } = await countingApp(t, {}, { trustProxy: true })
  await expectPassed(t, app, forged('POST', '/submit', { origin: 'https://shop.example', host: behind.host }, behind), 'forwarded host matches')
  await expectRefused(t, app, forged('POST', '/submit', { origin: 'http://app-1.internal:3000', host: behind.host }, behind), 'the internal host does not')
  await expectPassed(t, app, forged('POST', '/submit', { origin: 'https://shop.example', host: behind.host }, { ...behind, 'x-forwarded-host': 'cdn.example, shop.example' }), 'the last forwarded host')
  t.equal(counts.handler, 2)

  const { app: direct } = await countingApp(t)
  await expectRefused(t, direct, forged('POST', '/submit', { origin: 'https://shop.example', host: behind.host }, behind), 'without trustProxy the header is not believed')
})

t.test('a forged request to an URL that is an ajax route only for other methods still gets the router-level 405', async (t) => {
  for (const stage of STAGES) {
    const app = Fastify()
    t.teardown(() => app.close())
    await app.register(ajaxutils, { hook: stage })
    let handled = 0
    app.get('/items', { config: { ajax: true } }, async () => { handled++; return [] })
    app.post('/items/:id', { config: { ajax: { requirePOST: true } } }, async () => { handled++; return {} })
    for (const [method, url, allow] of [['PUT', '/items', 'GET, HEAD'], ['DELETE', '/items/1', 'POST']]) {
      const res = await app.inject(forged(method, url, { site: 'cross-site', origin: 'https://attacker.example' }))
      t.equal(res.statusCode, 405, `${stage}: ${method} ${url}`)
      t.equal(res.headers['content-type'], JSON_TYPE)
      t.equal(res.headers.allow, allow)
      t.same(res.json(), { status: 'error', error: 'Method not allowed' })
    }
    t.equal(handled, 0)
  }
})

t.test('a refused request answers problem+json to clients that ask, with requestId when on', async (t) => {
  const { app } = await countingApp(t, { requestId: true }, { genReqId: () => 'req-1' })
  await expectRefusedWith(t, app, {}, { ...REFUSED, requestId: 'req-1' })
  const problem = await app.inject(forged('POST', '/submit', { site: 'cross-site' }, { accept: 'application/problem+json' }))
  t.equal(problem.statusCode, 403)
  t.equal(problem.headers['content-type'], 'application/problem+json')
  t.same(problem.json(), {
    type: 'about:blank',
    title: 'Forbidden',
    status: 403,
    detail: 'Cross-origin request refused',
    instance: '/submit',
    requestId: 'req-1'
  })
})

async function expectRefusedWith (t: Test, app: FastifyInstance, headers: Record<string, string>, body: unknown): Promise<void> {
  const res = await app.inject(forged('POST', '/submit', { site: 'cross-site' }, headers))
  t.equal(res.statusCode, 403)
  t.equal(res.headers['content-type'], JSON_TYPE)
  t.same(res.json(), body)
}

t.test('a refusal is logged at info with what was refused and why', async (t) => {
  const log = logCapture()
  const { app } = await countingApp(t, {}, { logger: { level: 'info', stream: log.stream } })
  await app.inject(forged('POST', '/submit', { site: 'same-site', origin: 'http://example.com:8080' }))
  await app.inject(forged('DELETE', '/items', { origin: 'https://attacker.example' }))
  await app.inject(forged('POST', '/submit', { origin: 'null' }))
  await app.inject(forged('POST', '/submit', { origin: 'https://example.com/' }))
  await app.inject(forged('POST', '/submit', { site: 'same-origin', origin: 'https://example.com, https://attacker.example' }))
  await app.inject(forged('POST', '/submit', { site: 'same-origin, same-origin' }))
  const refusals = log.entries.filter((entry) => String(entry.msg).includes('cross-origin'))
  t.same(refusals.map(({ level, msg, secFetchSite, origin, host }) => ({ level, msg, secFetchSite, origin, host })), [
    { level: 30, msg: 'fastify-ajaxutils: cross-origin request refused: Sec-Fetch-Site is neither same-origin nor none', secFetchSite: 'same-site', origin: 'http://example.com:8080', host: HOST },
    { level: 30, msg: 'fastify-ajaxutils: cross-origin request refused: Origin does not match the host', secFetchSite: undefined, origin: 'https://attacker.example', host: HOST },
    { level: 30, msg: 'fastify-ajaxutils: cross-origin request refused: Origin is null (an opaque origin)', secFetchSite: undefined, origin: 'null', host: HOST },
    { level: 30, msg: 'fastify-ajaxutils: cross-origin request refused: malformed Origin', secFetchSite: undefined, origin: 'https://example.com/', host: HOST },
    { level: 30, msg: 'fastify-ajaxutils: cross-origin request refused: several Origin headers', secFetchSite: 'same-origin', origin: 'https://example.com, https://attacker.example', host: HOST },
    { level: 30, msg: 'fastify-ajaxutils: cross-origin request refused: Sec-Fetch-Site is neither same-origin nor none', secFetchSite: 'same-origin, same-origin', origin: undefined, host: HOST }
  ])
  t.ok(refusals.every((entry) => typeof entry.reqId === 'string'), 'with the request id')
})

t.test('OpenAPI: ajax routes with a non-safe method list the 403', async (t) => {
  const app = Fastify()
  t.teardown(() => app.close())
  await app.register(swagger, { openapi: { openapi: '3.0.3', info: { title: 'csrf', version: '1.0.0' } } })
  await app.register(ajaxutils)
  app.post('/save', { config: { ajax: true } }, async () => ({}))
  app.get('/read', { config: { ajax: true } }, async () => ({}))
  app.post('/webhook', { config: { ajax: { csrf: false } } }, async () => ({}))
  await app.ready()
  const paths = (app.swagger() as { paths: Record<string, Record<string, { responses: Record<string, { description: string }> }>> }).paths
  t.same(Object.keys(paths['/save'].post.responses).sort(), ['200', '403', '404', '500'])
  t.equal(paths['/save'].post.responses['403'].description, 'Forbidden: a login strategy refused the user, or a cross-origin request was refused')
  t.same(Object.keys(paths['/read'].get.responses).sort(), ['200', '404', '500'])
  t.same(Object.keys(paths['/webhook'].post.responses).sort(), ['200', '404', '500'])
})

t.test('bad csrf options fail at startup naming the option', async (t) => {
  const pluginCases: Array<[unknown, string]> = [
    [true, 'csrf must be false or an object { trustedOrigins }'],
    ['off', 'csrf must be false or an object { trustedOrigins }'],
    [{ trusted: [] }, 'csrf has unknown key \'trusted\''],
    [{ trustedOrigins: 'https://a.example' }, 'csrf.trustedOrigins must be an array of origins'],
    [{ trustedOrigins: [42] }, 'csrf.trustedOrigins[0] must be a string, got number'],
    ...['https://a.example/', 'https://a.example/path', 'https://a.example?x=1', 'https://a.example#top', 'a.example', 'https://', 'null', '', 'https://a .example', '*'].map((origin): [unknown, string] =>
      [{ trustedOrigins: ['https://ok.example', origin] }, `csrf.trustedOrigins[1] must be scheme://host[:port] with no path, query or trailing slash, got '${origin}'`]),
    [{ trustedOrigins: ['https://a.example:443'] }, 'csrf.trustedOrigins[0] names the default port, which browsers leave out of Origin: write \'https://a.example\''],
    [{ trustedOrigins: ['HTTP://A.example:80'] }, 'csrf.trustedOrigins[0] names the default port, which browsers leave out of Origin: write \'http://a.example\'']
  ]
  for (const [csrf, message] of pluginCases) {
    const app = Fastify()
    app.register(ajaxutils, { csrf } as ajaxutils.AjaxutilsOptions)
    await t.rejects(app.ready(), { code: 'FST_AJAX_PLUGIN_OPTION', message: `fastify-ajaxutils: option ${message}` }, JSON.stringify(csrf))
    await app.close()
  }
  for (const csrf of [true, 'no', 0, null, {}]) {
    const app = Fastify()
    t.teardown(() => app.close())
    await app.register(ajaxutils)
    t.throws(() => app.post('/hook', { config: { ajax: { csrf } as unknown as ajaxutils.AjaxRouteOptions } }, async () => ({})), {
      code: 'FST_AJAX_ROUTE_OPTION',
      message: 'fastify-ajaxutils: route POST /hook: config.ajax.csrf must be false (the check is on by default; trusted origins are a plugin option)'
    }, JSON.stringify(csrf))
  }
  const app = Fastify()
  app.register(ajaxutils, { all: { csrf: true } } as unknown as ajaxutils.AjaxutilsOptions)
  await t.rejects(app.ready(), {
    code: 'FST_AJAX_PLUGIN_OPTION',
    message: 'fastify-ajaxutils: option all.csrf must be false (the check is on by default; trusted origins are a plugin option)'
  })
  await app.close()
})
