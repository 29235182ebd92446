// What the package exports, touched one by one.
import t from 'tap'
import ajaxutils from '../index'
import { Http404 as Http404Class, JsonResponse as JsonResponseClass } from '../lib/reply'
import { parse, stringify } from '../lib/json'

t.test('the plugin is the module itself, its default export and its named export ajaxutils', async (t) => {
  t.type(ajaxutils, 'function')
  t.equal(ajaxutils.default, ajaxutils)
  t.equal(ajaxutils.ajaxutils, ajaxutils)
  const required = require('../index')
  t.equal(required, ajaxutils)
})

t.test('the plugin is wrapped with fastify-plugin for Fastify 5 under its name', async (t) => {
  const plugin = ajaxutils as unknown as Record<symbol, unknown>
  t.equal(plugin[Symbol.for('skip-override')], true)
  t.equal(plugin[Symbol.for('fastify.display-name')], 'fastify-ajaxutils')
  t.same(plugin[Symbol.for('plugin-meta')], { fastify: '5.x', name: 'fastify-ajaxutils' })
})

t.test('JsonResponse, Http404 and json are exported', async (t) => {
  t.equal(ajaxutils.JsonResponse, JsonResponseClass)
  t.equal(ajaxutils.Http404, Http404Class)
  t.equal(ajaxutils.json.stringify, stringify)
  t.equal(ajaxutils.json.parse, parse)
  t.ok(Object.isFrozen(ajaxutils.json))
})

t.test('Http404 is an Error with status 404 and the seed\'s message', async (t) => {
  const error = new ajaxutils.Http404()
  t.ok(error instanceof Error)
  t.equal(error.statusCode, 404)
  t.equal(error.message, 'Not found')
  t.equal(error.name, 'Http404')
  t.equal(new ajaxutils.Http404('No such task').message, 'No such task')
  const limit = Error.stackTraceLimit
  t.notMatch(error.stack, /\n\s+at /, 'a 404 is an answer: no stack trace is captured')
  t.equal(Error.stackTraceLimit, limit, 'and the stack trace limit is left as it was')
  t.match(new Error('x').stack, /\n\s+at /)
})

t.test('JsonResponse keeps data, status and headers, and refuses statuses HTTP does not have', async (t) => {
  const response = new ajaxutils.JsonResponse({ a: 1 }, { status: 201, headers: { 'x-a': '1' } })
  t.same(response.data, { a: 1 })
  t.equal(response.status, 201)
  t.same(response.headers, { 'x-a': '1' })
  const bare = new ajaxutils.JsonResponse('x')
  t.equal(bare.status, undefined)
  t.equal(bare.headers, undefined)
  for (const status of [99, 600, 200.5, Number.NaN, '200']) {
    t.throws(() => new ajaxutils.JsonResponse({}, { status: status as number }), {
      name: 'FastifyError',
      code: 'FST_AJAX_STATUS',
      message: `JsonResponse status must be an integer from 100 to 599, got ${String(status)}`
    })
  }
  t.ok((() => { try { return new ajaxutils.JsonResponse({}, { status: 0 }) } catch (error) { return error } })() instanceof RangeError)
})
