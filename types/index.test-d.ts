import Fastify, { type FastifyContextConfig, type FastifyPluginAsync, type RouteOptions, type RouteShorthandOptions } from 'fastify'
import { expectAssignable, expectError, expectNotAssignable, expectType } from 'tsd'
import ajaxutils, {
  ajaxutils as named,
  Http404,
  json,
  JsonResponse,
  type AjaxAuthStrategy,
  type AjaxCheckHook,
  type AjaxErrorBody,
  type AjaxRouteConfig,
  type AjaxRouteOptions,
  type AjaxutilsOptions
} from '..'

const app = Fastify()

// The plugin registers with and without options, as default and named export.
app.register(ajaxutils)
app.register(named, { all: true, debug: false, requestId: true })
expectAssignable<FastifyPluginAsync<AjaxutilsOptions>>(ajaxutils)
expectType<typeof ajaxutils>(ajaxutils.default)
expectType<typeof ajaxutils>(ajaxutils.ajaxutils)

// Every plugin option, with the types it takes.
const strategy: AjaxAuthStrategy = async function (request) {
  expectType<string>(this.prefix)
  if (request.headers.authorization === undefined) throw new Error('no token')
}
const callbackStrategy: AjaxAuthStrategy = (_request, _reply, done) => { done() }
const hook: AjaxCheckHook = 'preValidation'
app.register(ajaxutils, {
  all: { loginRequired: true, methods: ['get', 'POST'] },
  authenticate: [strategy, callbackStrategy],
  relation: 'and',
  hook,
  wwwAuthenticate: 'Bearer realm="app"',
  debug: true,
  requestId: true,
  json: { stringify: (value: unknown) => JSON.stringify(value) }
})
app.register(ajaxutils, { authenticate: strategy })
expectError(app.register(ajaxutils, { relation: 'xor' }))
expectError(app.register(ajaxutils, { hook: 'onSend' }))
expectError(app.register(ajaxutils, { debbug: true }))
expectError(app.register(ajaxutils, { json: { parse: JSON.parse } }))

// config.ajax is typed on every route.
app.get('/status', { config: { ajax: true } }, async () => ({ status: 'pending' }))
app.post('/submit', { config: { ajax: { loginRequired: true, requirePOST: true } } }, async () => ({}))
app.route({ method: ['GET', 'POST'], url: '/both', config: { ajax: { methods: ['GET', 'POST'] } }, handler: async () => ({}) })
app.get('/legacy', { config: { ajax: { require: 'GET' } } }, async () => ({}))
app.get('/out', { config: { ajax: false } }, async () => 'plain')
// A wrong value is a compile error even in an inline literal, on every way to declare a route.
expectError(app.get('/yes', { config: { ajax: 'yes' } }, async () => ({})))
expectError(app.get('/one', { config: { ajax: 1 } }, async () => ({})))
expectError(app.get('/list', { config: { ajax: ['GET'] } }, async () => ({})))
expectError(app.get('/null', { config: { ajax: null } }, async () => ({})))
expectError(app.post('/wrong-option', { config: { ajax: { requirePOST: 'yes' } } }, async () => ({})))
expectError(app.get('/wrong-methods', { config: { ajax: { methods: 'GET' } } }, async () => ({})))
expectError(app.route({ method: 'GET', url: '/route', config: { ajax: 'yes' }, handler: async () => ({}) }))
app.get('/other-config', { config: { rateLimit: false, ajax: { methods: ['GET'] } } }, async () => ({}))
const sharedOptions: AjaxRouteOptions = { loginRequired: true }
app.get('/shared', { config: { ajax: sharedOptions } }, async () => ({}))
// Route options typed as Fastify's own types check config.ajax, typos included. (In an inline
// literal Fastify infers the config type from the literal itself, so a misspelt key there is
// caught by the plugin's startup check, FST_AJAX_ROUTE_OPTION, which names it.)
app.get('/typo-inline', { config: { ajax: { loginRequierd: true } } }, async () => ({}))
const good: RouteShorthandOptions = { config: { ajax: { loginRequired: true } } }
app.get('/good', good, async () => ({}))
expectError<RouteShorthandOptions>({ config: { ajax: { loginRequierd: true } } })
expectError({ config: { ajax: { loginRequierd: true } } } satisfies RouteShorthandOptions)
expectError<RouteOptions>({ method: 'GET', url: '/x', config: { ajax: { requirePOST: 'yes' } }, handler: async () => ({}) })
expectNotAssignable<FastifyContextConfig['ajax']>('yes')
expectNotAssignable<FastifyContextConfig['ajax']>({ methods: 'GET' })
expectNotAssignable<FastifyContextConfig['ajax']>({ loginRequierd: true })
expectNotAssignable<FastifyContextConfig['ajax']>(['GET'])
expectNotAssignable<FastifyContextConfig['ajax']>(1)
expectType<AjaxRouteConfig | undefined>(({} as FastifyContextConfig).ajax)
expectAssignable<FastifyContextConfig['ajax']>(undefined)

const options: AjaxRouteOptions = { loginRequired: true, requireGET: true }
expectNotAssignable<AjaxRouteOptions>({ requirePOST: 'yes' })
expectAssignable<AjaxRouteOptions>(options)

// JsonResponse is generic in its data.
const created = new JsonResponse({ id: 1 }, { status: 201, headers: { location: '/items/1', 'x-count': 1 } })
expectType<JsonResponse<{ id: number }>>(created)
expectType<{ id: number }>(created.data)
expectType<number | undefined>(created.status)
expectType<JsonResponse<string>>(new JsonResponse('plain'))
expectError(new JsonResponse({}, { status: '201' }))

// Http404 is an Error with status 404.
const missing = new Http404()
expectAssignable<Error>(missing)
expectType<404>(missing.statusCode)
expectAssignable<Error>(new Http404('No such task'))

// json writes and reads.
expectType<string>(json.stringify({ when: new Date() }))
expectType<unknown>(json.parse('{}'))
expectType<unknown>(json.parse(Buffer.from('{}')))

// The envelope type.
const body: AjaxErrorBody = { status: 'error', error: 'Unauthorized' }
expectType<'error'>(body.status)
expectAssignable<AjaxErrorBody<{ field: string }>>({ status: 'error', error: { field: 'email' }, requestId: 'req-1' })
expectAssignable<AjaxErrorBody>({ status: 'error', error: 'Bad Request', details: [{ message: 'x' }] })
expectAssignable<AjaxErrorBody>({ status: 'error', error: 'Internal Server Error', debug: { message: 'db down', stack: 'at x' } })
expectNotAssignable<AjaxErrorBody>({ status: 'ok', error: 'x' })

// Cross-origin check: plugin option csrf is false or trusted origins; the route may only turn it off.
expectAssignable<AjaxutilsOptions>({ csrf: false })
expectAssignable<AjaxutilsOptions>({ csrf: { trustedOrigins: ['https://app.example.com'] } })
expectNotAssignable<AjaxutilsOptions>({ csrf: true })
expectNotAssignable<AjaxutilsOptions>({ csrf: { trustedOrigins: 'https://app.example.com' } })
expectAssignable<AjaxRouteOptions>({ csrf: false })
expectNotAssignable<AjaxRouteOptions>({ csrf: true })
