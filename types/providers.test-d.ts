// SPEC §9: each answer form of §3 and §5 has a spelling that compiles under --strict with each type
// provider on a route with a response schema; the §3 forms that cannot compile are shown to fail.
import Fastify from 'fastify'
import { Type, type TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import type { JsonSchemaToTsProvider } from '@fastify/type-provider-json-schema-to-ts'
import { serializerCompiler, validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod'
import { z } from 'zod'
import { expectAssignable, expectError, expectType } from 'tsd'
import ajaxutils, { ajaxError, ajaxErrorSchema, Http404, JsonResponse, sendAsIs, type AjaxErrorBody } from '..'

// TypeBox: the envelope is declared with Type.Unsafe over the exported JSON schema.
const typebox = Fastify().withTypeProvider<TypeBoxTypeProvider>()
typebox.register(ajaxutils)
const Item = Type.Object({ id: Type.Number(), name: Type.String() })
const Teapot = Type.Object({ teapot: Type.Boolean() })
// `error` is any value (what the route sends); AjaxErrorBody alone types it as a message.
const AjaxError = Type.Unsafe<AjaxErrorBody<unknown>>(ajaxErrorSchema)
const AjaxErrorText = Type.Unsafe<AjaxErrorBody>(ajaxErrorSchema)
const typeboxRoute = { config: { ajax: true }, schema: { response: { 200: Item, 201: Item, 400: AjaxError, 404: AjaxErrorText, 418: Teapot } } }

typebox.get('/data', typeboxRoute, async () => ({ id: 1, name: 'a' }))
typebox.get('/created', typeboxRoute, async (_request, reply) => reply.code(201).headers({ location: '/items/1' }).send({ id: 1, name: 'a' }))
typebox.get('/bad', typeboxRoute, async (_request, reply) => reply.code(400).send(ajaxError('bad id')))
typebox.get('/bad-data', typeboxRoute, async (_request, reply) => reply.code(400).send(ajaxError({ field: 'id' })))
typebox.get('/bad-literal', typeboxRoute, async (_request, reply) => reply.code(400).send({ status: 'error', error: 'bad id' }))
typebox.get('/missing', typeboxRoute, async () => { throw new Http404() })
typebox.get('/missing-sent', typeboxRoute, async (_request, reply) => reply.code(404).send(ajaxError('No such item')))
typebox.get('/teapot', typeboxRoute, async (_request, reply) => sendAsIs(reply.code(418).header('x-brew', 'no'), { teapot: true }))
typebox.get('/thrown', typeboxRoute, async () => { throw Object.assign(new Error('Conflict'), { statusCode: 409 }) })
// The untyped §3 forms are not the schema's type, nor is data the schema does not declare.
expectError(typebox.get('/tuple', typeboxRoute, async () => [{ id: 1, name: 'a' }, 201] as const))
expectError(typebox.get('/response', typeboxRoute, async () => new JsonResponse('bad id', { status: 400 })))
expectError(typebox.get('/data-in-text', typeboxRoute, async (_request, reply) => reply.code(404).send(ajaxError({ id: 1 }))))
expectError(typebox.get('/undeclared', typeboxRoute, async (_request, reply) => reply.code(409).send(ajaxError('x'))))
expectError(typebox.get('/not-envelope', typeboxRoute, async (_request, reply) => reply.code(400).send('bad id')))
expectError(typebox.get('/wrong-data', typeboxRoute, async (_request, reply) => reply.code(201).send({ id: '1' })))
expectError(typebox.get('/wrong-as-is', typeboxRoute, async (_request, reply) => sendAsIs(reply.code(418), { teapot: 'yes' })))
expectError(typebox.get('/wrong-status', typeboxRoute, async (_request, reply) => sendAsIs(reply.code(409), { teapot: true })))

// Zod 4: the envelope is a z.object of the same fields (fastify-type-provider-zod serializes with it).
const zod = Fastify().withTypeProvider<ZodTypeProvider>()
zod.setValidatorCompiler(validatorCompiler)
zod.setSerializerCompiler(serializerCompiler)
const ZodItem = z.object({ id: z.number(), name: z.string() })
const ZodAjaxError = z.object({ status: z.literal('error'), error: z.string(), requestId: z.string().optional() })
const zodRoute = { config: { ajax: true }, schema: { response: { 200: ZodItem, 201: ZodItem, 400: ZodAjaxError, 418: z.object({ teapot: z.boolean() }) } } }

zod.get('/data', zodRoute, async () => ({ id: 1, name: 'a' }))
zod.get('/created', zodRoute, async (_request, reply) => reply.code(201).header('location', '/items/1').send({ id: 1, name: 'a' }))
zod.get('/bad', zodRoute, async (_request, reply) => reply.code(400).send(ajaxError('bad id')))
zod.get('/missing', zodRoute, async () => { throw new Http404('No such item') })
zod.get('/teapot', zodRoute, async (_request, reply) => sendAsIs(reply.code(418), { teapot: true }))
expectError(zod.get('/tuple', zodRoute, async () => [{ id: 1, name: 'a' }, 201]))
expectError(zod.get('/response', zodRoute, async () => new JsonResponse({ id: 1, name: 'a' }, { status: 201 })))
expectError(zod.get('/not-found', zodRoute, async (_request, reply) => reply.code(404).send('x')))
expectError(zod.get('/bad-data', zodRoute, async (_request, reply) => reply.code(400).send(ajaxError({ field: 'id' }))))

// json-schema-to-ts: the exported schema is used as it is.
const jsonSchema = Fastify().withTypeProvider<JsonSchemaToTsProvider>()
const JsonItem = {
  type: 'object',
  properties: { id: { type: 'number' }, name: { type: 'string' } },
  required: ['id', 'name'],
  additionalProperties: false
} as const
const jsonRoute = { config: { ajax: true }, schema: { response: { 200: JsonItem, 201: JsonItem, 400: ajaxErrorSchema, '4xx': ajaxErrorSchema } } } as const

jsonSchema.get('/data', jsonRoute, async () => ({ id: 1, name: 'a' }))
jsonSchema.get('/created', jsonRoute, async (_request, reply) => reply.code(201).send({ id: 1, name: 'a' }))
jsonSchema.get('/bad', jsonRoute, async (_request, reply) => reply.code(400).send(ajaxError({ field: 'id' })))
jsonSchema.get('/gone', jsonRoute, async (_request, reply) => reply.code(410).send(ajaxError('Gone')))
jsonSchema.get('/missing', jsonRoute, async () => { throw new Http404() })
expectError(jsonSchema.get('/tuple', jsonRoute, async () => [{ id: 1, name: 'a' }, 201]))
expectError(jsonSchema.get('/wrong', jsonRoute, async (_request, reply) => reply.code(400).send({ status: 'failed', error: 'x' })))

// The helpers' own types.
expectType<{ status: 'error', error: string }>(ajaxError('bad'))
expectType<{ status: 'error', error: { field: string } }>(ajaxError({ field: 'id' }))
expectAssignable<AjaxErrorBody<{ field: string }>>(ajaxError({ field: 'id' }))
expectType<'object'>(ajaxErrorSchema.type)
expectType<readonly ['status', 'error']>(ajaxErrorSchema.required)
