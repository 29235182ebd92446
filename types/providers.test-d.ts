// Each answer form of a handler has a spelling that compiles under --strict with each type provider
// on a route with a response schema; the untyped forms, and data the schema forbids, do not.
//   data                          return data
//   [data, status]                sendAsIs(reply.code(status), data)
//   [data, status, headers]       sendAsIs(reply.code(status).headers(headers), data)
//   JsonResponse, 2xx             reply.code(201).headers(headers).send(data)
//   JsonResponse / code(n), n≥400 reply.code(400).send(ajaxError(x))
//   error with data               reply.code(400).send(ajaxError({ field: 'id' }))
//   throw                         throw new Http404(), throw an error with statusCode
import Fastify from 'fastify'
// typebox is ESM only; the provider re-exports it for CommonJS code such as this file.
import { Type, type TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import type { JsonSchemaToTsProvider } from '@fastify/type-provider-json-schema-to-ts'
import { serializerCompiler, validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod'
import { z } from 'zod'
import { expectAssignable, expectError, expectType } from 'tsd'
import ajaxutils, { ajaxError, ajaxErrorSchema, Http404, JsonResponse, sendAsIs, type AjaxErrorBody } from '..'

const conflict = (): Error => Object.assign(new Error('Conflict'), { statusCode: 409 })

// TypeBox: the envelope is Type.Unsafe over the exported JSON schema.
const typebox = Fastify().withTypeProvider<TypeBoxTypeProvider>()
typebox.register(ajaxutils)
const Item = Type.Object({ id: Type.Number(), name: Type.String() })
const Teapot = Type.Object({ teapot: Type.Boolean() })
// `error` is any value (what the route sends); AjaxErrorBody alone types it as a message.
const AjaxError = Type.Unsafe<AjaxErrorBody<unknown>>(ajaxErrorSchema)
const AjaxErrorText = Type.Unsafe<AjaxErrorBody>(ajaxErrorSchema)
const typeboxRoute = { config: { ajax: true }, schema: { response: { 200: Item, 201: Item, 400: AjaxError, 404: AjaxErrorText, 418: Teapot } } }

typebox.get('/data', typeboxRoute, async () => ({ id: 1, name: 'a' }))
typebox.get('/teapot', typeboxRoute, async (_request, reply) => sendAsIs(reply.code(418), { teapot: true }))
typebox.get('/teapot-headers', typeboxRoute, async (_request, reply) => sendAsIs(reply.code(418).headers({ 'x-brew': 'no' }), { teapot: true }))
typebox.get('/created', typeboxRoute, async (_request, reply) => reply.code(201).headers({ location: '/items/1' }).send({ id: 1, name: 'a' }))
typebox.get('/bad', typeboxRoute, async (_request, reply) => reply.code(400).send(ajaxError('bad id')))
typebox.get('/bad-data', typeboxRoute, async (_request, reply) => reply.code(400).send(ajaxError({ field: 'id' })))
typebox.get('/bad-literal', typeboxRoute, async (_request, reply) => reply.code(400).send({ status: 'error', error: 'bad id' }))
typebox.get('/missing', typeboxRoute, async () => { throw new Http404() })
typebox.get('/missing-sent', typeboxRoute, async (_request, reply) => reply.code(404).send(ajaxError('No such item')))
typebox.get('/thrown', typeboxRoute, async () => { throw conflict() })
// The untyped forms are not the schema's type, nor is data the schema does not declare.
expectError(typebox.get('/tuple', typeboxRoute, async () => [{ id: 1, name: 'a' }, 201] as const))
expectError(typebox.get('/response', typeboxRoute, async () => new JsonResponse('bad id', { status: 400 })))
expectError(typebox.get('/response-sent', typeboxRoute, async (_request, reply) => reply.send(new JsonResponse({ id: 1, name: 'a' }, { status: 201 }))))
expectError(typebox.get('/data-in-text', typeboxRoute, async (_request, reply) => reply.code(404).send(ajaxError({ id: 1 }))))
expectError(typebox.get('/undeclared', typeboxRoute, async (_request, reply) => reply.code(409).send(ajaxError('x'))))
expectError(typebox.get('/not-envelope', typeboxRoute, async (_request, reply) => reply.code(400).send('bad id')))
expectError(typebox.get('/wrong-data', typeboxRoute, async () => ({ id: '1', name: 'a' })))
expectError(typebox.get('/wrong-created', typeboxRoute, async (_request, reply) => reply.code(201).send({ id: '1' })))
expectError(typebox.get('/wrong-as-is', typeboxRoute, async (_request, reply) => sendAsIs(reply.code(418), { teapot: 'yes' })))
expectError(typebox.get('/wrong-status', typeboxRoute, async (_request, reply) => sendAsIs(reply.code(409), { teapot: true })))
expectError(typebox.get('/yes', { config: { ajax: 'yes' }, schema: { response: { 200: Item } } }, async () => ({ id: 1, name: 'a' })))

// Zod 4: the envelope is a z.object of the same fields (fastify-type-provider-zod serializes with it).
const zod = Fastify().withTypeProvider<ZodTypeProvider>()
zod.setValidatorCompiler(validatorCompiler)
zod.setSerializerCompiler(serializerCompiler)
const ZodItem = z.object({ id: z.number(), name: z.string() })
const ZodAjaxError = z.object({ status: z.literal('error'), error: z.unknown(), requestId: z.string().optional() })
const ZodAjaxErrorText = z.object({ status: z.literal('error'), error: z.string(), requestId: z.string().optional() })
const zodRoute = { config: { ajax: true }, schema: { response: { 200: ZodItem, 201: ZodItem, 400: ZodAjaxError, 404: ZodAjaxErrorText, 418: z.object({ teapot: z.boolean() }) } } }

zod.get('/data', zodRoute, async () => ({ id: 1, name: 'a' }))
zod.get('/teapot', zodRoute, async (_request, reply) => sendAsIs(reply.code(418), { teapot: true }))
zod.get('/teapot-headers', zodRoute, async (_request, reply) => sendAsIs(reply.code(418).header('x-brew', 'no'), { teapot: true }))
zod.get('/created', zodRoute, async (_request, reply) => reply.code(201).header('location', '/items/1').send({ id: 1, name: 'a' }))
zod.get('/bad', zodRoute, async (_request, reply) => reply.code(400).send(ajaxError('bad id')))
zod.get('/bad-data', zodRoute, async (_request, reply) => reply.code(400).send(ajaxError({ field: 'id' })))
zod.get('/missing', zodRoute, async () => { throw new Http404('No such item') })
zod.get('/missing-sent', zodRoute, async (_request, reply) => reply.code(404).send(ajaxError('No such item')))
zod.get('/thrown', zodRoute, async () => { throw conflict() })
expectError(zod.get('/tuple', zodRoute, async () => [{ id: 1, name: 'a' }, 201]))
expectError(zod.get('/response', zodRoute, async () => new JsonResponse({ id: 1, name: 'a' }, { status: 201 })))
expectError(zod.get('/not-found', zodRoute, async (_request, reply) => reply.code(404).send('x')))
expectError(zod.get('/data-in-text', zodRoute, async (_request, reply) => reply.code(404).send(ajaxError({ field: 'id' }))))
expectError(zod.get('/wrong-data', zodRoute, async () => ({ id: '1', name: 'a' })))
expectError(zod.get('/wrong-as-is', zodRoute, async (_request, reply) => sendAsIs(reply.code(418), { teapot: 'yes' })))
expectError(zod.get('/yes', { config: { ajax: 'yes' }, schema: { response: { 200: ZodItem } } }, async () => ({ id: 1, name: 'a' })))

// json-schema-to-ts: the exported schema is used as it is.
const jsonSchema = Fastify().withTypeProvider<JsonSchemaToTsProvider>()
const JsonItem = {
  type: 'object',
  properties: { id: { type: 'number' }, name: { type: 'string' } },
  required: ['id', 'name'],
  additionalProperties: false
} as const
const JsonTeapot = { type: 'object', properties: { teapot: { type: 'boolean' } }, required: ['teapot'] } as const
const jsonRoute = { config: { ajax: true }, schema: { response: { 200: JsonItem, 201: JsonItem, 418: JsonTeapot, '4xx': ajaxErrorSchema } } } as const

jsonSchema.get('/data', jsonRoute, async () => ({ id: 1, name: 'a' }))
jsonSchema.get('/teapot', jsonRoute, async (_request, reply) => sendAsIs(reply.code(418), { teapot: true }))
jsonSchema.get('/teapot-headers', jsonRoute, async (_request, reply) => sendAsIs(reply.code(418).headers({ 'x-brew': 'no' }), { teapot: true }))
jsonSchema.get('/created', jsonRoute, async (_request, reply) => reply.code(201).headers({ location: '/items/1' }).send({ id: 1, name: 'a' }))
jsonSchema.get('/bad', jsonRoute, async (_request, reply) => reply.code(400).send(ajaxError('bad id')))
jsonSchema.get('/bad-data', jsonRoute, async (_request, reply) => reply.code(400).send(ajaxError({ field: 'id' })))
jsonSchema.get('/gone', jsonRoute, async (_request, reply) => reply.code(410).send(ajaxError('Gone')))
jsonSchema.get('/missing', jsonRoute, async () => { throw new Http404() })
jsonSchema.get('/thrown', jsonRoute, async () => { throw conflict() })
expectError(jsonSchema.get('/tuple', jsonRoute, async () => [{ id: 1, name: 'a' }, 201]))
expectError(jsonSchema.get('/response', jsonRoute, async () => new JsonResponse('bad id', { status: 400 })))
expectError(jsonSchema.get('/wrong', jsonRoute, async (_request, reply) => reply.code(400).send({ status: 'failed', error: 'x' })))
expectError(jsonSchema.get('/wrong-data', jsonRoute, async () => ({ id: '1', name: 'a' })))
expectError(jsonSchema.get('/wrong-as-is', jsonRoute, async (_request, reply) => sendAsIs(reply.code(418), { teapot: 'yes' })))
expectError(jsonSchema.get('/yes', { config: { ajax: 'yes' }, schema: { response: { 200: JsonItem } } } as const, async () => ({ id: 1, name: 'a' })))

// The helpers' own types.
expectType<{ status: 'error', error: string }>(ajaxError('bad'))
expectType<{ status: 'error', error: { field: string } }>(ajaxError({ field: 'id' }))
expectAssignable<AjaxErrorBody<{ field: string }>>(ajaxError({ field: 'id' }))
expectType<'object'>(ajaxErrorSchema.type)
expectType<readonly ['status', 'error']>(ajaxErrorSchema.required)
