// requireGET, requirePOST, methods and the deprecated require; 405 with Allow.
import t from 'tap'
import { buildApp, JSON_TYPE } from './helpers'

const ALL = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE']

async function expect405 (t: Parameters<Parameters<typeof t.test>[1]>[0], app: Awaited<ReturnType<typeof buildApp>>, method: string, url: string, allow: string) {
  const res = await app.inject({ method: method as 'GET', url })
  t.equal(res.statusCode, 405, `${method} ${url}`)
  t.equal(res.headers['content-type'], JSON_TYPE)
  t.equal(res.headers.allow, allow)
  t.same(res.json(), { status: 'error', error: 'Method not allowed' })
}

t.test('methods lists the allowed methods in any case; HEAD comes with GET', async (t) => {
  const app = await buildApp(t)
  let calls = 0
  app.route({
    method: ['GET', 'POST', 'PUT', 'DELETE'],
    url: '/both',
    config: { ajax: { methods: ['get', 'Post'] } },
    handler: async (request) => {
      calls++
      return { method: request.method }
    }
  })
  for (const method of ['GET', 'POST']) {
    const res = await app.inject({ method: method as 'GET', url: '/both' })
    t.equal(res.statusCode, 200)
    t.same(res.json(), { method })
  }
  const head = await app.inject({ method: 'HEAD', url: '/both' })
  t.equal(head.statusCode, 200)
  t.equal(calls, 3)
  await expect405(t, app, 'PUT', '/both', 'GET, HEAD, POST')
  await expect405(t, app, 'DELETE', '/both', 'GET, HEAD, POST')
  t.equal(calls, 3, 'refused requests never reach the handler')
})

t.test('requirePOST allows POST only; requireGET allows GET and HEAD only', async (t) => {
  const app = await buildApp(t)
  app.route({ method: ALL, url: '/post', config: { ajax: { requirePOST: true } }, handler: async () => 'posted' })
  app.route({ method: ALL, url: '/get', config: { ajax: { requireGET: true } }, handler: async () => 'got' })

  for (const method of ['GET', 'PUT', 'PATCH', 'DELETE']) await expect405(t, app, method, '/post', 'POST')
  for (const method of ['POST', 'PUT', 'PATCH', 'DELETE']) await expect405(t, app, method, '/get', 'GET, HEAD')
  t.same((await app.inject({ method: 'POST', url: '/post' })).json(), 'posted')
  t.same((await app.inject('/get')).json(), 'got')
})

t.test('Allow names the listed methods the route is registered for, as the router-level 405 does', async (t) => {
  const app = await buildApp(t)
  app.route({ method: ['GET', 'POST', 'PUT'], url: '/extra', config: { ajax: { methods: ['GET', 'PATCH'] } }, handler: async () => 'got' })
  app.route({ method: ['GET', 'POST'], url: '/post-only', config: { ajax: { methods: ['POST', 'PATCH'] } }, handler: async () => 'posted' })
  await expect405(t, app, 'PUT', '/extra', 'GET, HEAD')
  await expect405(t, app, 'PATCH', '/extra', 'GET, HEAD')
  await expect405(t, app, 'GET', '/post-only', 'POST')
  // Fastify's HEAD route of the GET route answers with the GET route's Allow.
  const head = await app.inject({ method: 'HEAD', url: '/post-only' })
  t.equal(head.statusCode, 405)
  t.equal(head.headers.allow, 'POST')
  t.equal(head.headers['content-type'], JSON_TYPE)
  t.equal(head.body, '')
  t.same((await app.inject({ method: 'POST', url: '/post-only' })).json(), 'posted')
})

t.test('requirePOST on a route registered for GET only refuses every call with 405', async (t) => {
  const app = await buildApp(t)
  app.get('/misconfigured', { config: { ajax: { requirePOST: true } } }, async () => 'never')
  // POST and PUT have no route here: the router-level 405 names what the options declare too.
  for (const method of ['GET', 'POST', 'PUT']) await expect405(t, app, method, '/misconfigured', 'POST')
})

t.test('the deprecated require takes one method and warns once per process', async (t) => {
  const warnings: Error[] = []
  const onWarning = (warning: Error) => { warnings.push(warning) }
  process.on('warning', onWarning)
  t.teardown(() => { process.off('warning', onWarning) })

  const app = await buildApp(t)
  app.route({ method: ['GET', 'POST'], url: '/one', config: { ajax: { require: 'post' } }, handler: async () => 'one' })
  app.route({ method: ['GET', 'POST'], url: '/two', config: { ajax: { require: 'GET' } }, handler: async () => 'two' })
  await new Promise((resolve) => setImmediate(resolve))

  await expect405(t, app, 'GET', '/one', 'POST')
  await expect405(t, app, 'POST', '/two', 'GET, HEAD')
  t.same((await app.inject({ method: 'POST', url: '/one' })).json(), 'one')
  t.equal(warnings.length, 1)
  t.match(warnings[0], { name: 'DeprecationWarning', code: 'FSTAJAX_DEP001', message: /require is deprecated: use config\.ajax\.methods/ })
})

t.test('the Fastify-made HEAD route of a GET route follows the GET route\'s rules', async (t) => {
  const app = await buildApp(t)
  app.route({ method: ['GET', 'POST'], url: '/post-only', config: { ajax: { requirePOST: true } }, handler: async () => 'x' })
  app.get('/missing', { config: { ajax: true } }, async () => { throw Object.assign(new Error(''), { statusCode: 404 }) })

  const head = await app.inject({ method: 'HEAD', url: '/post-only' })
  t.equal(head.statusCode, 405)
  t.equal(head.headers.allow, 'POST')
  t.equal(head.headers['content-length'], String(Buffer.byteLength('{"status":"error","error":"Method not allowed"}')))
  t.equal(head.body, '')

  const missing = await app.inject({ method: 'HEAD', url: '/missing' })
  t.equal(missing.statusCode, 404)
  t.equal(missing.headers['content-type'], JSON_TYPE)
  t.equal(missing.headers['content-length'], String(Buffer.byteLength('{"status":"error","error":"Not found"}')))
})

t.test('a route with its own HEAD handler gets its own checks', async (t) => {
  const app = await buildApp(t)
  app.head('/probe', { config: { ajax: { methods: ['HEAD'] } } }, async (_request, reply) => { reply.header('x-probe', '1').send() })
  const res = await app.inject({ method: 'HEAD', url: '/probe' })
  t.equal(res.statusCode, 200)
  t.equal(res.headers['x-probe'], '1')
})

t.test('a URL that is an ajax route only for other methods answers 405 with every method of the URL', async (t) => {
  const app = await buildApp(t)
  app.get('/items', { config: { ajax: true } }, async () => [])
  app.post('/items', async () => 'not ajax, still listed')
  app.get('/items/:id', { config: { ajax: true } }, async () => ({}))

  await expect405(t, app, 'DELETE', '/items', 'GET, HEAD, POST')
  await expect405(t, app, 'PUT', '/items/42', 'GET, HEAD')
  await expect405(t, app, 'PATCH', '/items/42?fields=all', 'GET, HEAD')
  const unknown = await app.inject({ method: 'DELETE', url: '/elsewhere' })
  t.equal(unknown.statusCode, 404)
  t.same(unknown.json(), { message: 'Route DELETE:/elsewhere not found', error: 'Not Found', statusCode: 404 })
})

t.test('login is checked before the method, as in the seed', async (t) => {
  const app = await buildApp(t)
  app.route({ method: ['GET', 'POST'], url: '/submit', config: { ajax: { loginRequired: true, requirePOST: true } }, handler: async () => 'x' })
  const res = await app.inject('/submit')
  t.equal(res.statusCode, 401)
  t.same(res.json(), { status: 'error', error: 'Unauthorized' })
})
