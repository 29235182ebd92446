// Each typed spelling answers what the untyped answer form it stands for answers, with the real
// type providers serializing; data that already is an envelope is never wrapped twice.
import swagger from '@fastify/swagger'
import { Type, type TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import type { JsonSchemaToTsProvider } from '@fastify/type-provider-json-schema-to-ts'
import Fastify, { type FastifyInstance, type FastifyServerOptions, type LightMyRequestResponse } from 'fastify'
import { serializerCompiler, validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod'
import t from 'tap'
import { z } from 'zod'
import ajaxutils, { ajaxError, ajaxErrorSchema, Http404, JsonResponse, sendAsIs, type AjaxErrorBody } from '../index'
import { JSON_TYPE, logCapture } from './helpers'

type Test = Parameters<Parameters<typeof t.test>[1]>[0]

function expectAnswer (t: Test, res: LightMyRequestResponse, status: number, body: unknown, type = JSON_TYPE): void {
  t.equal(res.statusCode, status)
  t.equal(res.headers['content-type'], type)
  t.same(res.json(), body)
}

const conflict = (): Error => Object.assign(new Error('Conflict'), { statusCode: 409 })

/**
 * Every provider's app has these routes, each answering with one typed spelling; the form each
 * stands for, and what it answers.
 */
async function expectEveryForm (t: Test, app: FastifyInstance): Promise<void> {
  const get = (url: string) => app.inject({ url })
  // data
  expectAnswer(t, await get('/data'), 200, { id: 1, name: 'a' })
  // [data, 418] and [data, 418, headers]: never wrapped
  expectAnswer(t, await get('/teapot'), 418, { teapot: true })
  const brewed = await get('/teapot-headers')
  expectAnswer(t, brewed, 418, { teapot: true })
  t.equal(brewed.headers['x-brew'], 'no')
  // new JsonResponse(data, { status: 201, headers })
  const created = await get('/created')
  expectAnswer(t, created, 201, { id: 1, name: 'a' })
  t.equal(created.headers.location, '/items/1')
  // new JsonResponse(x, { status: 400 }), reply.code(400).send(x): one envelope around x
  expectAnswer(t, await get('/bad'), 400, { status: 'error', error: 'bad id' })
  expectAnswer(t, await get('/bad-data'), 400, { status: 'error', error: { field: 'id' } })
  // thrown errors
  expectAnswer(t, await get('/missing'), 404, { status: 'error', error: 'Not found' })
  expectAnswer(t, await get('/thrown'), 409, { status: 'error', error: 'Conflict' })
}

async function typeboxApp (t: Test, options: ajaxutils.AjaxutilsOptions = {}, server: FastifyServerOptions = {}): Promise<FastifyInstance> {
  const app = Fastify(server).withTypeProvider<TypeBoxTypeProvider>()
  t.teardown(() => app.close())
  await app.register(ajaxutils, options)
  const Item = Type.Object({ id: Type.Number(), name: Type.String() })
  const AjaxError = Type.Unsafe<AjaxErrorBody<unknown>>(ajaxErrorSchema)
  const route = { config: { ajax: true }, schema: { response: { 200: Item, 201: Item, 400: AjaxError, 404: AjaxError, 418: Type.Object({ teapot: Type.Boolean() }) } } }
  app.get('/data', route, async () => ({ id: 1, name: 'a' }))
  app.get('/teapot', route, async (_request, reply) => sendAsIs(reply.code(418), { teapot: true }))
  app.get('/teapot-headers', route, async (_request, reply) => sendAsIs(reply.code(418).header('x-brew', 'no'), { teapot: true }))
  app.get('/created', route, async (_request, reply) => reply.code(201).headers({ location: '/items/1' }).send({ id: 1, name: 'a' }))
  app.get('/bad', route, async (_request, reply) => reply.code(400).send(ajaxError('bad id')))
  app.get('/bad-data', route, async (_request, reply) => reply.code(400).send(ajaxError({ field: 'id' })))
  app.get('/bad-literal', route, async (_request, reply) => reply.code(400).send({ status: 'error', error: 'bad id', details: [{ field: 'id' }] }))
  app.get('/missing', route, async () => { throw new Http404() })
  app.get('/missing-sent', route, async (_request, reply) => reply.code(404).send(ajaxError('No such item')))
  app.get('/thrown', route, async () => { throw conflict() })
  // What the schema forbids (the compiler sees it: the cast stands for data from elsewhere) is a 500.
  app.get('/forbidden', route, async () => ({ id: 'one' }) as unknown as { id: number, name: string })
  await app.ready()
  return app
}

t.test('TypeBox: every typed spelling answers as the form it stands for', async (t) => {
  const { stream, entries } = logCapture()
  const app = await typeboxApp(t, {}, { logger: { stream } })
  await expectEveryForm(t, app)
  expectAnswer(t, await app.inject({ url: '/bad-literal' }), 400, { status: 'error', error: 'bad id', details: [{ field: 'id' }] })
  expectAnswer(t, await app.inject({ url: '/missing-sent' }), 404, { status: 'error', error: 'No such item' })
  expectAnswer(t, await app.inject({ url: '/forbidden' }), 500, { status: 'error', error: 'Internal Server Error' })
  t.match(entries.filter((entry) => entry.level === 50), [{ err: { message: /"one" cannot be converted to a number/ } }])
})

t.test('an ajaxError answer carries requestId and turns into problem details like any envelope', async (t) => {
  const app = await typeboxApp(t, { requestId: true })
  const res = await app.inject({ url: '/bad' })
  expectAnswer(t, res, 400, { status: 'error', error: 'bad id', requestId: 'req-1' })
  const problem = await app.inject({ url: '/bad-data', headers: { accept: 'application/problem+json' } })
  expectAnswer(t, problem, 400, { type: 'about:blank', title: 'Bad Request', status: 400, detail: 'Bad Request', instance: '/bad-data', error: { field: 'id' }, requestId: 'req-2' }, 'application/problem+json')
  // An envelope with more fields than status and error is the route's own: sent as it is.
  expectAnswer(t, await app.inject({ url: '/bad-literal' }), 400, { status: 'error', error: 'bad id', details: [{ field: 'id' }] })
})

t.test('Zod 4: the same spellings, written by the zod serializer', async (t) => {
  const { stream, entries } = logCapture()
  const app = Fastify({ logger: { stream } }).withTypeProvider<ZodTypeProvider>()
  t.teardown(() => app.close())
  app.setValidatorCompiler(validatorCompiler)
  app.setSerializerCompiler(serializerCompiler)
  await app.register(ajaxutils)
  const Item = z.object({ id: z.number(), name: z.string() })
  const AjaxError = z.object({ status: z.literal('error'), error: z.unknown() })
  const route = { config: { ajax: true }, schema: { response: { 200: Item, 201: Item, 400: AjaxError, 404: AjaxError, 418: z.object({ teapot: z.boolean() }) } } }
  app.get('/data', route, async () => ({ id: 1, name: 'a' }))
  app.get('/teapot', route, async (_request, reply) => sendAsIs(reply.code(418), { teapot: true }))
  app.get('/teapot-headers', route, async (_request, reply) => sendAsIs(reply.code(418).header('x-brew', 'no'), { teapot: true }))
  app.get('/created', route, async (_request, reply) => reply.code(201).header('location', '/items/1').send({ id: 1, name: 'a' }))
  app.get('/bad', route, async (_request, reply) => reply.code(400).send(ajaxError('bad id')))
  app.get('/bad-data', route, async (_request, reply) => reply.code(400).send(ajaxError({ field: 'id' })))
  app.get('/missing', route, async () => { throw new Http404() })
  app.get('/thrown', route, async () => { throw conflict() })
  app.get('/forbidden', route, async () => ({ id: 'one' }) as unknown as { id: number, name: string })
  await expectEveryForm(t, app)
  expectAnswer(t, await app.inject({ url: '/forbidden' }), 500, { status: 'error', error: 'Internal Server Error' })
  t.match(entries.filter((entry) => entry.level === 50), [{ err: { message: /Response doesn't match the schema/ } }])
})

t.test('json-schema-to-ts: the exported schema itself in the route, for 4xx', async (t) => {
  const app = Fastify().withTypeProvider<JsonSchemaToTsProvider>()
  t.teardown(() => app.close())
  await app.register(ajaxutils)
  const Item = { type: 'object', properties: { id: { type: 'number' }, name: { type: 'string' } }, required: ['id', 'name'], additionalProperties: false } as const
  const Teapot = { type: 'object', properties: { teapot: { type: 'boolean' } }, required: ['teapot'] } as const
  const route = { config: { ajax: true }, schema: { response: { 200: Item, 201: Item, 418: Teapot, '4xx': ajaxErrorSchema } } } as const
  app.get('/data', route, async () => ({ id: 1, name: 'a' }))
  app.get('/teapot', route, async (_request, reply) => sendAsIs(reply.code(418), { teapot: true }))
  app.get('/teapot-headers', route, async (_request, reply) => sendAsIs(reply.code(418).headers({ 'x-brew': 'no' }), { teapot: true }))
  app.get('/created', route, async (_request, reply) => reply.code(201).headers({ location: '/items/1' }).send({ id: 1, name: 'a' }))
  app.get('/bad', route, async (_request, reply) => reply.code(400).send(ajaxError('bad id')))
  app.get('/bad-data', route, async (_request, reply) => reply.code(400).send(ajaxError({ field: 'id' })))
  app.get('/gone', route, async (_request, reply) => reply.code(410).send(ajaxError('Gone')))
  app.get('/missing', route, async () => { throw new Http404() })
  app.get('/thrown', route, async () => { throw conflict() })
  await expectEveryForm(t, app)
  expectAnswer(t, await app.inject({ url: '/gone' }), 410, { status: 'error', error: 'Gone' })
})

t.test('the exported envelope schema is the one the OpenAPI document shares, and a route declaring it answers once', async (t) => {
  const app = Fastify()
  t.teardown(() => app.close())
  await app.register(swagger, { openapi: { openapi: '3.0.3', info: { title: 'tasks', version: '1.0.0' } } })
  await app.register(ajaxutils)
  app.get('/tasks/:id', { config: { ajax: true }, schema: { response: { 200: { type: 'object' }, 400: ajaxErrorSchema } } }, async (_request, reply) => reply.code(400).send(ajaxError('bad id')))
  await app.ready()
  const document = app.swagger() as { components: { schemas: Record<string, object> }, paths: Record<string, { get: { responses: Record<string, { content: Record<string, { schema: object }> }> } }> }
  t.same(Object.values(document.components.schemas).filter((schema) => 'title' in schema && schema.title === 'AjaxError'), [{ ...ajaxErrorSchema, title: 'AjaxError' }])
  t.same(document.paths['/tasks/{id}'].get.responses[400].content['application/json'].schema, ajaxErrorSchema)
  expectAnswer(t, await app.inject({ url: '/tasks/1' }), 400, { status: 'error', error: 'bad id' })
})

t.test('an envelope is never wrapped twice, wherever it is sent from', async (t) => {
  const { stream } = logCapture()
  const app = Fastify({ logger: { stream } })
  t.teardown(() => app.close())
  await app.register(ajaxutils)
  app.get('/plain', { config: { ajax: true } }, async (_request, reply) => reply.code(400).send(ajaxError('bad id')))
  app.get('/response', { config: { ajax: true } }, async () => new JsonResponse(ajaxError('bad id'), { status: 409 }))
  app.get('/hook', {
    config: { ajax: true },
    onRequest: async (_request, reply) => reply.code(403).send(ajaxError({ reason: 'closed' }))
  }, async () => ({ never: true }))
  app.get('/hook-full', {
    config: { ajax: true },
    onRequest: async (_request, reply) => reply.code(403).send({ status: 'error', error: 'closed', requestId: 'mine' })
  }, async () => ({ never: true }))
  app.get('/mapped', {
    config: { ajax: true },
    errorHandler: async (error, _request, reply) => reply.code(422).send(ajaxError(error.message))
  }, async () => { throw new Error('mapped by the app') })
  app.get('/more', { config: { ajax: true } }, async (_request, reply) => reply.code(400).send({ status: 'error', error: 'x', field: 'id' }))
  const withCode = {
    type: 'object',
    required: ['status', 'error'],
    properties: { status: { type: 'string', enum: ['error'] }, error: { type: 'string' }, code: { type: 'string' } }
  }
  app.get('/typed-more', { config: { ajax: true }, schema: { response: { 409: withCode } } },
    async (_request, reply) => reply.code(409).send({ status: 'error', error: 'locked', code: 'E_LOCKED' }))
  // Not an envelope (another status, or no error): wrapped in the envelope as any data with an error status.
  app.get('/other', { config: { ajax: true } }, async (_request, reply) => reply.code(400).send({ status: 'failed', error: 'x' }))
  app.get('/no-error', { config: { ajax: true } }, async (_request, reply) => reply.code(400).send({ status: 'error' }))
  app.get('/hook-text', {
    config: { ajax: true },
    onRequest: async (_request, reply) => reply.code(403).type('application/json').send('{"status":"error"')
  }, async () => ({ never: true }))
  app.get('/hook-envelope-text', {
    config: { ajax: true },
    onRequest: async (_request, reply) => reply.code(403).type('application/json').send('{"status":"error","error":"closed"}')
  }, async () => ({ never: true }))
  app.get('/hook-other', {
    config: { ajax: true },
    onRequest: async (_request, reply) => reply.code(403).send({ reason: 'closed' })
  }, async () => ({ never: true }))

  expectAnswer(t, await app.inject({ url: '/plain' }), 400, { status: 'error', error: 'bad id' })
  expectAnswer(t, await app.inject({ url: '/response' }), 409, { status: 'error', error: 'bad id' })
  expectAnswer(t, await app.inject({ url: '/hook' }), 403, { status: 'error', error: { reason: 'closed' } })
  expectAnswer(t, await app.inject({ url: '/hook-full' }), 403, { status: 'error', error: 'closed', requestId: 'mine' })
  expectAnswer(t, await app.inject({ url: '/mapped' }), 422, { status: 'error', error: 'mapped by the app' })
  // An envelope with further fields (a typed route's own error schema) is sent as it is.
  expectAnswer(t, await app.inject({ url: '/more' }), 400, { status: 'error', error: 'x', field: 'id' })
  expectAnswer(t, await app.inject({ url: '/typed-more' }), 409, { status: 'error', error: 'locked', code: 'E_LOCKED' })
  expectAnswer(t, await app.inject({ url: '/other' }), 400, { status: 'error', error: { status: 'failed', error: 'x' } })
  expectAnswer(t, await app.inject({ url: '/no-error' }), 400, { status: 'error', error: { status: 'error' } })
  expectAnswer(t, await app.inject({ url: '/hook-text' }), 403, { status: 'error', error: '{"status":"error"' })
  expectAnswer(t, await app.inject({ url: '/hook-envelope-text' }), 403, { status: 'error', error: 'closed' })
  expectAnswer(t, await app.inject({ url: '/hook-other' }), 403, { status: 'error', error: { reason: 'closed' } })
})

t.test('ajaxError and sendAsIs by themselves', async (t) => {
  t.same(ajaxError('x'), { status: 'error', error: 'x' })
  t.same(Object.keys(ajaxError([1])), ['status', 'error'])
  const sent: unknown[] = []
  const reply = { statusCode: 418, send (payload: unknown) { sent.push(payload); return this } }
  t.equal(sendAsIs(reply, { teapot: true }), reply)
  t.same(sent, [[{ teapot: true }, 418]])
})

t.test('ajaxErrorSchema, ajaxError and sendAsIs are the same values from require() and import', async (t) => {
  const esm = await import('../dist/esm.mjs') as typeof ajaxutils
  const cjs = require('../dist/index.js') as typeof ajaxutils
  t.same(esm.ajaxErrorSchema, ajaxErrorSchema)
  t.ok(Object.isFrozen(esm.ajaxErrorSchema))
  t.equal(esm.ajaxErrorSchema, cjs.ajaxErrorSchema)
  t.equal(esm.ajaxError, cjs.ajaxError)
  t.equal(esm.sendAsIs, cjs.sendAsIs)
})
