import view from '@fastify/view'
import ejs from 'ejs'
import Fastify, { type FastifyInstance } from 'fastify'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import ajaxutils from '../index'
import { JSON_TYPE } from './helpers'

// A route that opted out of `all` (config.ajax: false) is left alone: reply.callNotFound() reaches
// its context's own not-found handler, and a method its URL has only opted-out routes for gets
// Fastify's answer, beside ajax routes that keep the envelope.

const NOT_FOUND = { status: 'error', error: 'Not found' }
const HTML = 'text/html; charset=utf-8'

/** An app with HTML pages (@fastify/view) beside an `all` context under /api with its own HTML not-found page. */
async function pagesApp (t: Tap.Test): Promise<FastifyInstance> {
  const root = mkdtempSync(join(tmpdir(), 'ajaxutils-views-'))
  writeFileSync(join(root, 'missing.ejs'), '<h1>No page at <%= url %></h1>')
  const app = Fastify()
  t.teardown(() => app.close())
  await app.register(view, { engine: { ejs }, root })
  await app.register(async (api) => {
    await api.register(ajaxutils, { all: true })
    api.setNotFoundHandler((request, reply) => reply.code(404).view('missing.ejs', { url: request.url }))
    api.get('/items', async () => [{ id: 1 }])
    api.get('/legacy/:id', { config: { ajax: false } }, async (request, reply) => {
      if ((request.params as { id: string }).id !== '1') return reply.callNotFound()
      return reply.view('missing.ejs', { url: 'never' })
    })
    api.get('/gone', async (_request, reply) => reply.callNotFound())
    api.post('/form', { config: { ajax: false } }, async () => 'posted')
    api.post('/items', { config: { ajax: false } }, async () => 'created')
  }, { prefix: '/api' })
  return app
}

declare namespace Tap { type Test = Parameters<Parameters<typeof t.test>[1] & ((t: never) => unknown)>[0] }

t.test('an opted-out route calling reply.callNotFound() gets its context own (HTML) not-found page', async (t) => {
  const app = await pagesApp(t)
  const res = await app.inject('/api/legacy/2')
  t.equal(res.statusCode, 404)
  t.equal(res.headers['content-type'], HTML)
  t.equal(res.body, '<h1>No page at /api/legacy/2</h1>')
})

t.test('an ajax route calling reply.callNotFound() and an unknown URL under the prefix get the 404 envelope', async (t) => {
  const app = await pagesApp(t)
  for (const url of ['/api/gone', '/api/nothing/here']) {
    const res = await app.inject(url)
    t.equal(res.statusCode, 404, url)
    t.equal(res.headers['content-type'], JSON_TYPE)
    t.same(res.json(), NOT_FOUND)
  }
})

t.test('a method the URL has only opted-out routes for gets the context not-found page, as without the plugin', async (t) => {
  const app = await pagesApp(t)
  for (const method of ['GET', 'PUT', 'DELETE'] as const) {
    const res = await app.inject({ method, url: '/api/form' })
    t.equal(res.statusCode, 404, method)
    t.equal(res.headers['content-type'], HTML)
    t.equal(res.headers.allow, undefined)
    t.equal(res.body, '<h1>No page at /api/form</h1>')
  }
})

t.test('a URL with an ajax route and an opted-out one: a third method gets 405 naming both', async (t) => {
  const app = await pagesApp(t)
  const res = await app.inject({ method: 'PUT', url: '/api/items' })
  t.equal(res.statusCode, 405)
  t.equal(res.headers['content-type'], JSON_TYPE)
  t.equal(res.headers.allow, 'GET, HEAD, POST')
  t.same(res.json(), { status: 'error', error: 'Method not allowed' })
  const created = await app.inject({ method: 'POST', url: '/api/items' })
  t.equal(created.statusCode, 200)
  t.equal(created.headers['content-type'], 'text/plain; charset=utf-8')
  t.equal(created.body, 'created')
})

t.test('opted-out routes answer exactly as without the plugin: pages, errors, Fastify 404', async (t) => {
  const setup = async (app: FastifyInstance, plugin: boolean): Promise<void> => {
    if (plugin) await app.register(ajaxutils, { all: true })
    app.get('/page', { config: { ajax: false } }, async (_request, reply) => reply.type('text/html').send('<p>page</p>'))
    app.get('/broken', { config: { ajax: false } }, async () => { throw new Error('page broke') })
    app.get('/missing', { config: { ajax: false } }, async (_request, reply) => reply.callNotFound())
    app.get('/moved', { config: { ajax: false } }, async (_request, reply) => reply.redirect('/page'))
  }
  for (const url of ['/page', '/broken', '/missing', '/moved']) {
    const app = Fastify()
    t.teardown(() => app.close())
    await setup(app, true)
    const bare = Fastify()
    t.teardown(() => bare.close())
    await setup(bare, false)
    const res = await app.inject(url)
    const expected = await bare.inject(url)
    t.equal(res.statusCode, expected.statusCode, url)
    t.same(res.headers, { ...expected.headers, date: res.headers.date }, url)
    t.equal(res.body, expected.body, url)
  }
})

t.test('one URL opted out twice under different hosts is still left to Fastify, on each host', async (t) => {
  const app = Fastify()
  t.teardown(() => app.close())
  await app.register(ajaxutils, { all: true })
  app.get('/multi', { constraints: { host: 'a.example.com' }, config: { ajax: false } }, async () => 'a')
  app.get('/multi', { constraints: { host: 'b.example.com' }, config: { ajax: false } }, async () => 'b')
  for (const host of ['a.example.com', 'b.example.com']) {
    const res = await app.inject({ method: 'POST', url: '/multi', headers: { host } })
    t.equal(res.statusCode, 404, host)
    t.same(res.json(), { message: 'Route POST:/multi not found', error: 'Not Found', statusCode: 404 })
    const page = await app.inject({ url: '/multi', headers: { host } })
    t.equal(page.body, host[0])
  }
})
