// @fastify/autoload: the plugin in `plugins/` wrapped in fastify-plugin serves every folder's
// routes; registered with `all` in an autohooks file, it makes that folder's routes ajax routes.
import { join } from 'node:path'
import fastifyAutoload from '@fastify/autoload'
import Fastify, { type FastifyInstance, type InjectOptions } from 'fastify'
import t from 'tap'
import ajaxutils from '../../index'
import { JSON_TYPE } from '../helpers'

type Test = Parameters<Parameters<typeof t.test>[1]>[0]

const FIXTURES = join(__dirname, 'fixtures')
const NOT_FOUND = { status: 'error', error: 'Not found' }

function fastify404 (url: string): unknown {
  return { message: `Route GET:${url} not found`, error: 'Not Found', statusCode: 404 }
}

async function answers (t: Test, app: FastifyInstance, cases: Array<[InjectOptions, number, string, unknown, string?]>): Promise<void> {
  for (const [request, status, type, body, allow] of cases) {
    const name = `${request.method ?? 'GET'} ${request.url as string}`
    const res = await app.inject(request)
    t.equal(res.statusCode, status, `${name}: status`)
    t.equal(res.headers['content-type'], type, `${name}: content type`)
    t.equal(res.headers.allow, allow, `${name}: allow`)
    t.same(type === JSON_TYPE || type.startsWith('application/json') ? res.json() : res.body, body, `${name}: body`)
  }
}

t.test('the plugin in plugins/ with fastify-plugin serves the routes of every folder', async (t) => {
  const app = Fastify()
  t.teardown(() => app.close())
  await app.register(fastifyAutoload, { dir: join(FIXTURES, 'autoload-fp', 'plugins'), options: { ajaxutils } })
  await app.register(fastifyAutoload, { dir: join(FIXTURES, 'autoload-fp', 'routes') })
  await answers(t, app, [
    [{ url: '/items' }, 200, JSON_TYPE, { items: ['a', 'b'] }],
    [{ url: '/items/7' }, 404, JSON_TYPE, { status: 'error', error: 'no item 7' }],
    [{ method: 'POST', url: '/items' }, 405, JSON_TYPE, { status: 'error', error: 'Method not allowed' }, 'GET, HEAD'],
    [{ url: '/page' }, 200, 'text/plain; charset=utf-8', 'a page'],
    // Without `all`, unknown URLs keep Fastify's 404.
    [{ url: '/nope' }, 404, JSON_TYPE, fastify404('/nope')]
  ])
})

t.test('`all` in the autohooks file of a folder autoloaded with its own prefix: that folder only', async (t) => {
  const app = Fastify()
  t.teardown(() => app.close())
  await app.register(fastifyAutoload, { dir: join(FIXTURES, 'autoload-hooks', 'api'), autoHooks: true, options: { prefix: '/api' } })
  await app.register(fastifyAutoload, { dir: join(FIXTURES, 'autoload-hooks', 'web'), options: { prefix: '/web' } })
  await answers(t, app, [
    [{ url: '/api/items' }, 200, JSON_TYPE, { items: ['a', 'b'] }],
    [{ method: 'POST', url: '/api/items', payload: { name: 'c' } }, 201, JSON_TYPE, { created: 'c' }],
    [{ method: 'DELETE', url: '/api/items' }, 405, JSON_TYPE, { status: 'error', error: 'Method not allowed' }, 'GET, HEAD, POST'],
    [{ url: '/api/nope' }, 404, JSON_TYPE, NOT_FOUND],
    [{ url: '/web' }, 200, 'text/plain; charset=utf-8', 'a page'],
    [{ url: '/web/nope' }, 404, JSON_TYPE, fastify404('/web/nope')],
    [{ url: '/nope' }, 404, JSON_TYPE, fastify404('/nope')]
  ])
})

t.test('`all` in an autohooks file of a tree with several folders: autoload gives the hooks no prefix, so every unknown URL gets the JSON 404', async (t) => {
  const app = Fastify()
  t.teardown(() => app.close())
  await app.register(fastifyAutoload, { dir: join(FIXTURES, 'autoload-hooks'), autoHooks: true })
  await answers(t, app, [
    [{ url: '/api/items' }, 200, JSON_TYPE, { items: ['a', 'b'] }],
    [{ method: 'POST', url: '/api/items', payload: { name: 'c' } }, 201, JSON_TYPE, { created: 'c' }],
    [{ url: '/web' }, 200, 'text/plain; charset=utf-8', 'a page'],
    [{ url: '/api/nope' }, 404, JSON_TYPE, NOT_FOUND],
    [{ url: '/web/nope' }, 404, JSON_TYPE, NOT_FOUND],
    [{ url: '/nope' }, 404, JSON_TYPE, NOT_FOUND]
  ])
})
