// Every code example of the README is run here, or stands word for word in a test that runs it.
import { readFileSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import helmet from '@fastify/helmet'
import rateLimit from '@fastify/rate-limit'
import swagger from '@fastify/swagger'
import underPressure from '@fastify/under-pressure'
import { transformSync } from 'esbuild'
import Fastify, { type FastifyInstance } from 'fastify'
import t from 'tap'
import ajaxutils from '../index'
import { JSON_TYPE } from './helpers'

const { Http404, JsonResponse, json } = ajaxutils
const root = join(__dirname, '..')
const readme = readFileSync(join(root, 'README.md'), 'utf8')

interface Block { language: string, code: string }

const blocks: Block[] = [...readme.matchAll(/^```(\w+)\n([\s\S]*?)^```$/gm)].map((match) => ({ language: match[1], code: match[2] }))

/**
 * Runs a TypeScript example: its imports become the values given, top-level await is allowed, and
 * `tail` (plain JavaScript, such as `return app`) runs after it.
 */
async function run (code: string, scope: Record<string, unknown>, tail = ''): Promise<unknown> {
  const body = code.split('\n').filter((line) => !line.startsWith('import ')).join('\n')
  const js = transformSync(body, { loader: 'ts', format: 'esm' }).code
  const AsyncFunction = Object.getPrototypeOf(async () => {}).constructor
  return new AsyncFunction(...Object.keys(scope), `${js}\n${tail}`)(...Object.values(scope))
}

// Whitespace aside, and comment lines aside: a README example states in comments what the test asserts.
function normalize (text: string): string {
  return text.replace(/^\s*\/\/.*$/gm, '').replace(/\s+/g, ' ').trim()
}

/** The test sources, with template literals unescaped the way they run. */
const testSources = readdirSync(__dirname)
  .filter((file) => file.endsWith('.ts'))
  .map((file) => normalize(readFileSync(join(__dirname, file), 'utf8').replace(/\\`/g, '`').replace(/\\\$\{/g, '${')))
const pageSource = normalize(readFileSync(join(root, 'example', 'public', 'index.html'), 'utf8'))

async function newApp (t: Parameters<Parameters<typeof t.test>[1]>[0]): Promise<FastifyInstance> {
  const app = Fastify()
  t.teardown(() => app.close())
  return app
}

type Harness = (t: Parameters<Parameters<typeof t.test>[1]>[0], code: string) => Promise<void>

// Examples this file runs, found by a line of their own.
const harnesses: Array<[string, Harness]> = [
  ['// check_for_some_task', async (t, code) => {
    const statuses = [null, 0]
    const getStatusOfSomeTask = () => statuses.shift()
    const app = await run(code, { Fastify, ajaxutils, Http404, JsonResponse, getStatusOfSomeTask }, 'return app') as FastifyInstance
    t.teardown(() => app.close())
    app.decorateRequest('user', null)
    app.addHook('onRequest', async (request) => {
      if (request.headers['x-user'] !== undefined) request.user = { name: request.headers['x-user'] }
    })
    const expected: Array<[string, Record<string, string>, number, unknown, string?]> = [
      ['/task', {}, 200, { status: 'pending' }],
      ['/task', {}, 200, { status: 'completed', exit_status: 0 }],
      ['/private', {}, 401, { status: 'error', error: 'Unauthorized' }],
      ['/private', { 'x-user': 'ada' }, 200, { data: 'only for you' }],
      ['/submit', { 'x-user': 'ada' }, 405, { status: 'error', error: 'Method not allowed' }, 'POST'],
      ['/missing', {}, 404, { status: 'error', error: 'Not found' }],
      ['/bad', {}, 400, { status: 'error', error: 'My error message' }],
      ['/bad-too', {}, 400, { status: 'error', error: 'My error message' }],
      ['/teapot', {}, 418, { "i'm a": 'teapot' }]
    ]
    for (const [url, headers, status, body, allow] of expected) {
      const res = await app.inject({ url, headers })
      t.equal(res.statusCode, status, url)
      t.equal(res.headers['content-type'], JSON_TYPE, url)
      t.equal(res.headers.allow, allow, url)
      t.same(res.json(), body, url)
    }
    const saved = await app.inject({ method: 'POST', url: '/submit', headers: { 'x-user': 'ada' } })
    t.same(saved.json(), { saved: true })
  }],
  ['await api.register(ajaxutils, { all: { loginRequired: true } })', async (t, code) => {
    const app = await newApp(t)
    await app.register(ajaxutils)
    app.decorateRequest('user', null)
    app.addHook('onRequest', async (request) => {
      if (request.headers['x-user'] !== undefined) request.user = { name: request.headers['x-user'] }
    })
    await run(code, { app, ajaxutils })
    const me = await app.inject({ url: '/api/me', headers: { 'x-user': 'ada' } })
    t.same(me.json(), { name: 'ada' })
    const anonymous = await app.inject('/api/me')
    t.equal(anonymous.statusCode, 401)
    t.same(anonymous.json(), { status: 'error', error: 'Unauthorized' })
    const health = await app.inject('/api/health')
    t.same(health.json(), { ok: true })
    const feed = await app.inject('/api/feed.xml')
    t.equal(feed.headers['content-type'], 'application/rss+xml')
    t.equal(feed.body, '<rss/>')
    const unknown = await app.inject('/api/unknown')
    t.equal(unknown.statusCode, 404)
    t.same(unknown.json(), { status: 'error', error: 'Not found' })
  }],
  ["app.get('/items/:id'", async (t, code) => {
    const app = await newApp(t)
    await app.register(ajaxutils)
    await run(code, { app })
    const res = await app.inject('/items/7')
    t.equal(res.statusCode, 201)
    t.equal(res.headers.location, '/items/7')
    t.equal(res.body, '{"id":7,"name":"pony","created":"2012-08-21T00:00:00.000Z","views":"12345678901234567890"}')
  }],
  ['json.stringify({ when', async (t, code) => {
    t.equal(await run(`const written = ${code}`, { json }, 'return written'), '{"when":"2012-08-21T00:00:00.000Z","big":"10"}')
  }],
  ['json.parse(', async (t, code) => {
    await t.rejects(run(code, { json }), SyntaxError)
  }],
  ['JSON.stringify(value, null, 2)', async (t, code) => {
    const app = await newApp(t)
    await run(code, { app, ajaxutils })
    app.get('/pretty', { config: { ajax: true } }, async () => ({ a: 1 }))
    t.equal((await app.inject('/pretty')).body, '{\n  "a": 1\n}')
  }],
  ['await app.register(helmet)', async (t, code) => {
    const app = await newApp(t)
    await run(code, { app, ajaxutils, helmet })
    const me = await app.inject('/me')
    t.equal(me.statusCode, 401)
    t.same(me.json(), { status: 'error', error: 'Unauthorized' })
    t.equal(me.headers['x-content-type-options'], 'nosniff')
    t.match(me.headers['content-security-policy'], /default-src 'self'/)
    t.match(me.headers['strict-transport-security'], /max-age=/)
    const missing = await app.inject('/orders/1')
    t.equal(missing.statusCode, 404)
    t.equal(missing.headers['x-content-type-options'], 'nosniff')
    t.same((await app.inject('/status')).json(), { status: 'pending' })
  }],
  ['await app.register(rateLimit', async (t, code) => {
    const app = await newApp(t)
    await run(code, { app, ajaxutils, rateLimit })
    for (let request = 0; request < 100; request++) t.equal((await app.inject('/search')).statusCode, 200)
    const limited = await app.inject('/search')
    t.equal(limited.statusCode, 429)
    t.equal(limited.headers['retry-after'], '60')
    t.same(limited.json(), { status: 'error', error: 'Rate limit exceeded, retry in 1 minute' })
  }],
  ['await app.register(underPressure', async (t, code) => {
    const app = await newApp(t)
    await run(code, { app, ajaxutils, underPressure, databaseIsUp: async () => false })
    const res = await app.inject('/dashboard')
    t.equal(res.statusCode, 503)
    t.equal(res.headers['retry-after'], '10')
    t.same(res.json(), { status: 'error', error: 'Service Unavailable' })
  }],
  ['await app.register(swagger', async (t, code) => {
    const app = await newApp(t)
    await run(code, { app, ajaxutils, swagger, handler: async () => ({ saved: true }) })
    await app.ready()
    const document = app.swagger() as { paths: Record<string, Record<string, { responses: object }>> }
    t.same(Object.keys(document.paths['/submit'].post.responses).sort(), ['200', '401', '404', '405', '500'])
  }]
]

t.test('the README has code examples', async (t) => {
  t.ok(blocks.filter((block) => block.language === 'ts').length >= 7)
})

for (const [index, block] of blocks.entries()) {
  const name = `README example ${index + 1} (${block.language}): ${block.code.split('\n')[0]}`
  if (block.language === 'sh' || block.language === 'json') continue
  t.test(name, async (t) => {
    const harness = harnesses.find(([marker]) => block.code.includes(marker))
    if (harness !== undefined) {
      await harness[1](t, block.code)
      return
    }
    const text = normalize(block.code)
    const source = block.language === 'html' ? pageSource : testSources.find((file) => file.includes(text))
    t.ok(source?.includes(text), 'the example stands word for word in a test (or, for HTML, in the demo page)')
  })
}
