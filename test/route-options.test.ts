// Bad route options fail at startup with a message naming the route and the option.
import Fastify from 'fastify'
import t from 'tap'
import ajaxutils from '../index'
import { buildApp } from './helpers'

const cases: Array<[string, unknown, string | string[], RegExp]> = [
  ['a string', 'yes', 'GET', /^fastify-ajaxutils: route GET \/x: config\.ajax must be true, false or an object$/],
  ['a number', 1, 'GET', /route GET \/x: config\.ajax must be true, false or an object/],
  ['null', null, 'GET', /route GET \/x: config\.ajax must be true, false or an object/],
  ['an array', ['GET'], 'GET', /route GET \/x: config\.ajax must be true, false or an object/],
  ['a misspelt key', { loginRequierd: true }, 'GET', /route GET \/x: config\.ajax has unknown option 'loginRequierd'/],
  ['a non-boolean loginRequired', { loginRequired: 'yes' }, 'GET', /route GET \/x: config\.ajax\.loginRequired must be a boolean, got string/],
  ['a non-boolean requireGET', { requireGET: 1 }, 'GET', /config\.ajax\.requireGET must be a boolean, got number/],
  ['requireGET with requirePOST', { requireGET: true, requirePOST: true }, ['GET', 'POST'], /route GET,POST \/x: config\.ajax\.requirePOST cannot be combined with requireGET/],
  ['require with methods', { require: 'GET', methods: ['GET'] }, 'GET', /config\.ajax\.require cannot be combined with methods/],
  ['methods with requirePOST', { requirePOST: true, methods: ['POST'] }, 'POST', /config\.ajax\.methods cannot be combined with requirePOST/],
  ['an unknown method', { methods: ['GET', 'FETCH'] }, 'GET', /config\.ajax\.methods names unknown method 'FETCH'/],
  ['a non-string method', { methods: [7] }, 'GET', /config\.ajax\.methods must hold method names, got number/],
  ['an empty methods list', { methods: [] }, 'GET', /config\.ajax\.methods must be a non-empty array of method names/],
  ['methods that is not a list', { methods: 'GET' }, 'GET', /config\.ajax\.methods must be a non-empty array/],
  ['an unknown require method', { require: 'YEET' }, 'GET', /config\.ajax\.require names unknown method 'YEET'/],
  ['methods that share nothing with the route', { methods: ['POST', 'PUT'] }, 'GET', /route GET \/x: config\.ajax\.methods allows none of the route's methods \(GET\)/],
  ['require that shares nothing with the route', { require: 'DELETE' }, ['GET', 'POST'], /^fastify-ajaxutils: route GET,POST \/x: config\.ajax\.require allows none of the route's methods \(GET, POST\)$/]
]

for (const [kind, ajax, method, message] of cases) {
  t.test(`config.ajax as ${kind} fails when the route is registered`, async (t) => {
    const app = await buildApp(t)
    t.throws(() => app.route({ method: method as 'GET', url: '/x', config: { ajax: ajax as never }, handler: async () => 'x' }), {
      code: 'FST_AJAX_ROUTE_OPTION',
      message
    })
  })
}

for (const [kind, all] of [['methods', { methods: ['POST'] }], ['require', { require: 'POST' }]] as const) {
  t.test(`plugin option all.${kind} that shares nothing with a route names the route and the plugin option`, async (t) => {
    const app = await buildApp(t, { all })
    t.throws(() => app.get('/x', async () => 'x'), {
      code: 'FST_AJAX_ROUTE_OPTION',
      message: `fastify-ajaxutils: route GET /x: plugin option all.${kind} allows none of the route's methods (GET)`
    })
    // A route's own restriction replaces the plugin's, and is named as the route wrote it.
    t.throws(() => app.get('/own', { config: { ajax: { methods: ['PUT'] } } }, async () => 'x'), {
      message: 'fastify-ajaxutils: route GET /own: config.ajax.methods allows none of the route\'s methods (GET)'
    })
    t.throws(() => app.get('/login', { config: { ajax: { loginRequired: true } } }, async () => 'x'), {
      message: `fastify-ajaxutils: route GET /login: plugin option all.${kind} allows none of the route's methods (GET)`
    })
  })
}

t.test('a bad route inside a plugin makes app.ready() reject, naming the route', async (t) => {
  const app = Fastify()
  t.teardown(() => app.close())
  await app.register(ajaxutils)
  app.register(async function routes (instance) {
    instance.get('/inner', { config: { ajax: { methods: ['NOPE'] } } }, async () => 'x')
  }, { prefix: '/api' })
  await t.rejects(app.ready(), { code: 'FST_AJAX_ROUTE_OPTION', message: /route GET \/api\/inner: config\.ajax\.methods names unknown method 'NOPE'/ })
})

t.test('a custom method added with addHttpMethod is a known method', async (t) => {
  const app = Fastify()
  t.teardown(() => app.close())
  app.addHttpMethod('MKCOL', { hasBody: true })
  await app.register(ajaxutils)
  app.route({ method: ['MKCOL', 'GET'], url: '/dav', config: { ajax: { methods: ['mkcol'] } }, handler: async () => 'made' })
  const made = await app.inject({ method: 'MKCOL' as 'GET', url: '/dav' })
  t.equal(made.statusCode, 200)
  t.same(made.json(), 'made')
  const refused = await app.inject('/dav')
  t.equal(refused.statusCode, 405)
  t.equal(refused.headers.allow, 'MKCOL')
})

t.test('false method options are no restriction', async (t) => {
  const app = await buildApp(t)
  app.route({ method: ['GET', 'POST'], url: '/x', config: { ajax: { requireGET: false, requirePOST: true, loginRequired: false } }, handler: async () => 'x' })
  const res = await app.inject({ method: 'POST', url: '/x' })
  t.equal(res.statusCode, 200)
})
