// Issue 9: ajax routes document their error answers in @fastify/swagger by themselves.
import SwaggerParser from '@apidevtools/swagger-parser'
import swagger from '@fastify/swagger'
import swaggerUi from '@fastify/swagger-ui'
import Fastify, { type FastifyInstance } from 'fastify'
import t from 'tap'
import ajaxutils from '../index'
import { JSON_TYPE } from './helpers'

type Mode = 'openapi' | 'swagger'

async function documentedApp (t: Parameters<Parameters<typeof t.test>[1]>[0], mode: Mode, pluginOptions: ajaxutils.AjaxutilsOptions = {}): Promise<FastifyInstance> {
  const app = Fastify()
  t.teardown(() => app.close())
  await app.register(swagger, mode === 'openapi'
    ? { openapi: { openapi: '3.0.3', info: { title: 'ajax', version: '1.0.0' } } }
    : { swagger: { info: { title: 'ajax', version: '1.0.0' } } })
  await app.register(ajaxutils, pluginOptions)
  app.get('/status', { config: { ajax: true } }, async () => ({ status: 'pending' }))
  app.post('/submit', {
    config: { ajax: { loginRequired: true, requirePOST: true } },
    schema: { body: { type: 'object', properties: { name: { type: 'string' } } } }
  }, async () => ({ saved: true }))
  app.get('/own', {
    config: { ajax: { loginRequired: true } },
    schema: { response: { 200: { type: 'object', properties: { id: { type: 'integer' } } }, 401: { description: 'Log in first', type: 'object', properties: { login: { type: 'string' } } } } }
  }, async () => ({ id: 1 }))
  app.get('/plain', async () => 'not ajax')
  await app.ready()
  return app
}

function statusesOf (document: Record<string, any>, path: string, method: string): string[] {
  return Object.keys(document.paths[path][method].responses).sort()
}

for (const mode of ['openapi', 'swagger'] as const) {
  t.test(`${mode}: each ajax route documents only the errors it can answer, and the document validates`, async (t) => {
    const app = await documentedApp(t, mode)
    const document = app.swagger() as Record<string, any>
    await SwaggerParser.validate(structuredClone(document) as never)

    t.same(statusesOf(document, '/status', 'get'), ['200', '404', '500'])
    t.same(statusesOf(document, '/submit', 'post'), ['200', '400', '401', '403', '404', '405', '500'], 'a non-safe route lists the cross-origin 403')
    t.same(statusesOf(document, '/own', 'get'), ['200', '401', '404', '500'])
    t.same(statusesOf(document, '/plain', 'get'), ['200'], 'non-ajax routes get nothing added')

    const own = document.paths['/own'].get.responses['401']
    t.equal(own.description, 'Log in first', 'a status the route documents itself is kept')

    const unauthorized = document.paths['/submit'].post.responses['401']
    t.equal(unauthorized.description, 'Unauthorized: not logged in')
    const schemas = mode === 'openapi' ? document.components.schemas : document.definitions
    const envelope = Object.values(schemas as Record<string, any>).find((schema) => schema.title === 'AjaxError')
    t.match(envelope, { type: 'object', required: ['status', 'error'], properties: { status: { enum: ['error'] } } })
    const problem = Object.values(schemas as Record<string, any>).find((schema) => schema.title === 'AjaxProblem')
    t.match(problem, { type: 'object', required: ['type', 'title', 'status'] })
  })
}

t.test('403 is documented when login strategies are set', async (t) => {
  const app = await documentedApp(t, 'openapi', { authenticate: async () => {} })
  const document = app.swagger() as Record<string, any>
  t.same(statusesOf(document, '/submit', 'post'), ['200', '400', '401', '403', '404', '405', '500'])
  t.same(statusesOf(document, '/status', 'get'), ['200', '404', '500'])
})

t.test('documenting errors changes nothing in how the routes answer', async (t) => {
  const app = await documentedApp(t, 'openapi')
  const own = await app.inject('/own')
  t.equal(own.statusCode, 401)
  t.equal(own.headers['content-type'], JSON_TYPE)
  t.same(own.json(), { status: 'error', error: 'Unauthorized' })

  const invalid = await app.inject({ method: 'POST', url: '/submit', payload: { name: 1 } })
  t.equal(invalid.statusCode, 401, 'login is checked before the body')

  const status = await app.inject('/status')
  t.same(status.json(), { status: 'pending' })
})

t.test('without @fastify/swagger, or with it registered after the routes, nothing breaks', async (t) => {
  const bare = Fastify()
  t.teardown(() => bare.close())
  await bare.register(ajaxutils)
  bare.get('/status', { config: { ajax: true } }, async () => ({ status: 'pending' }))
  await bare.ready()
  t.same((await bare.inject('/status')).json(), { status: 'pending' })
  t.same(Object.keys(bare.getSchemas()), [], 'an app without @fastify/swagger gets no schemas of the plugin')

  const late = Fastify()
  t.teardown(() => late.close())
  await late.register(ajaxutils)
  late.get('/early', { config: { ajax: true } }, async () => 'early')
  await late.register(swagger, { openapi: { info: { title: 'late', version: '1.0.0' } } })
  late.get('/later', { config: { ajax: true } }, async () => 'later')
  await late.ready()
  const document = late.swagger() as Record<string, any>
  t.same(Object.keys(document.paths), ['/later'], 'swagger sees only routes registered after it')
  t.same(statusesOf(document, '/later', 'get'), ['200', '404', '500'])
  t.match(document.paths['/later'].get.responses['404'].content['application/json'].schema, { type: 'object', required: ['status', 'error'] }, 'the envelope is written out in place')
  await SwaggerParser.validate(structuredClone(document) as never)
})

t.test('a second registration reuses the shared schemas', async (t) => {
  const app = Fastify()
  t.teardown(() => app.close())
  await app.register(swagger, { openapi: { info: { title: 'twice', version: '1.0.0' } } })
  await app.register(ajaxutils)
  await app.register(async (api) => { await api.register(ajaxutils, { all: true }) })
  await app.ready()
  t.same(Object.keys(app.getSchemas()).sort(), ['AjaxError', 'AjaxProblem'])
})

t.test('@fastify/swagger-ui renders the document with the envelope', async (t) => {
  const app = Fastify()
  t.teardown(() => app.close())
  await app.register(swagger, { openapi: { info: { title: 'ajax', version: '1.0.0' } } })
  await app.register(swaggerUi, { routePrefix: '/docs' })
  await app.register(ajaxutils)
  app.get('/status', { config: { ajax: { loginRequired: true } } }, async () => ({ status: 'pending' }))

  const page = await app.inject('/docs')
  t.equal(page.statusCode, 200)
  t.match(page.headers['content-type'], /^text\/html/)
  t.match(page.body, /swagger-ui/)
  const script = await app.inject('/docs/static/swagger-initializer.js')
  t.equal(script.statusCode, 200)
  t.match(script.body, /SwaggerUIBundle/)

  const json = await app.inject('/docs/json')
  t.equal(json.statusCode, 200)
  const document = json.json()
  t.equal(document.paths['/status'].get.responses['401'].description, 'Unauthorized: not logged in')
  await SwaggerParser.validate(document)
})
