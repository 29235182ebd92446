import { readFileSync } from 'node:fs'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import type { FastifyInstance, FastifyReply } from 'fastify'
import t, { type Test } from 'tap'
import { AjaxError, ajax, ajaxResponse } from '../client/index'
import { Http404, JsonResponse } from '../index'
import { buildApp } from './helpers'

// Every test runs the client's real fetch against a real listening Fastify server.

interface Echo {
  method: string
  accept: string | undefined
  contentType: string | null
  body: unknown
}

/** Resolves after `ms`, or as soon as the client hangs up, so closing the app never waits. */
function waitOrHangUp (reply: FastifyReply, ms: number): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms)
    reply.raw.once('close', () => {
      clearTimeout(timer)
      resolve()
    })
  })
}

async function listen (app: FastifyInstance): Promise<string> {
  return await app.listen({ port: 0, host: '127.0.0.1' })
}

/** An app with the ajax routes the tests call, listening on a free port. */
async function startServer (t: Test): Promise<string> {
  const app = await buildApp(t, {
    requestId: true,
    authenticate: (request, _reply, done) => done(request.headers['x-user'] === 'ann' ? undefined : new Error('who?'))
  })
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_request, body, done) => done(null, body))
  app.route({
    method: ['GET', 'POST'],
    url: '/echo',
    config: { ajax: true },
    handler: async (request): Promise<Echo> => ({
      method: request.method,
      accept: request.headers.accept,
      contentType: request.headers['content-type'] ?? null,
      body: request.body ?? null
    })
  })
  app.get('/private', { config: { ajax: { loginRequired: true } } }, async () => ({ secret: 42 }))
  app.get('/missing', { config: { ajax: true } }, async () => { throw new Http404() })
  app.get('/conflict', { config: { ajax: true } }, async () => new JsonResponse({ field: 'name', taken: true }, { status: 409 }))
  app.get('/crash', { config: { ajax: true } }, async () => { throw new Error('db password is hunter2') })
  app.get('/empty', { config: { ajax: true } }, async (_request, reply) => reply.code(204).send())
  app.post('/items', {
    config: { ajax: { requirePOST: true } },
    schema: {
      body: {
        type: 'object',
        required: ['name'],
        properties: { name: { type: 'string', minLength: 3 } }
      }
    }
  }, async (request) => [{ created: request.body }, 201, { location: '/items/1' }])
  app.get('/too-many', { config: { ajax: true } }, async () => {
    throw Object.assign(new Error('Slow down: 3 requests a minute'), { statusCode: 429 })
  })
  app.get('/slow', { config: { ajax: true } }, async (_request, reply) => {
    await waitOrHangUp(reply, 5000)
    return { late: true }
  })
  // Not ajax routes: what a proxy, a page route or a broken server might send.
  app.get('/html', async (_request, reply) => reply.code(502).type('text/html').send('<h1>Bad Gateway</h1>'))
  app.get('/page', async (_request, reply) => reply.type('text/html').send('<p>hello</p>'))
  app.get('/teapot', async (_request, reply) => reply.code(418).type('application/problem+json').send('{"type":"about:blank"}'))
  app.get('/untyped', (_request, reply) => {
    reply.hijack()
    reply.raw.writeHead(500)
    reply.raw.end('oops')
  })
  app.get('/unavailable', async (_request, reply) => reply.code(503).send())
  app.get('/broken-json', async (_request, reply) => reply.type('application/json').send('{"status":'))
  app.get('/slow-body', (_request, reply) => {
    reply.hijack()
    reply.raw.writeHead(200, { 'content-type': 'application/json' })
    reply.raw.write('{"part":')
    waitOrHangUp(reply, 5000).then(() => reply.raw.end('1}'), () => {})
  })
  return await listen(app)
}

/** Runs `call` and returns the AjaxError it rejects with; fails the test if it resolves or rejects otherwise. */
async function rejection (t: Test, call: Promise<unknown>): Promise<AjaxError> {
  const error = await call.then(
    (value) => { throw new Error(`expected a rejection, got ${JSON.stringify(value)}`) },
    (reason: unknown) => reason
  )
  t.type(error, AjaxError, 'rejects with an AjaxError')
  t.equal((error as Error).name, 'AjaxError')
  return error as AjaxError
}

t.test('a 2xx answer resolves with the parsed body', async (t) => {
  const base = await startServer(t)
  const data = await ajax<Echo>(`${base}/echo`)
  t.same(data, { method: 'GET', accept: 'application/json', contentType: null, body: null })
})

t.test('a plain object body is sent as JSON with its content type', async (t) => {
  const base = await startServer(t)
  const data = await ajax<Echo>(`${base}/echo`, { method: 'POST', body: { name: 'Zoë 🌍', tags: ['a'], n: 1 } })
  t.same(data, {
    method: 'POST',
    accept: 'application/json',
    contentType: 'application/json',
    body: { name: 'Zoë 🌍', tags: ['a'], n: 1 }
  })
})

t.test('an array body is sent as JSON too', async (t) => {
  const base = await startServer(t)
  const data = await ajax<Echo>(`${base}/echo`, { method: 'POST', body: [1, 'two'] })
  t.same(data.body, [1, 'two'])
  t.equal(data.contentType, 'application/json')
})

t.test('headers given by the caller win over the defaults', async (t) => {
  const base = await startServer(t)
  const data = await ajax<Echo>(`${base}/echo`, {
    method: 'POST',
    headers: { accept: 'application/json, text/plain', 'content-type': 'application/json; charset=utf-8' },
    body: { a: 1 }
  })
  t.same(data, { method: 'POST', accept: 'application/json, text/plain', contentType: 'application/json; charset=utf-8', body: { a: 1 } })
})

t.test('a string body goes to fetch as it is', async (t) => {
  const base = await startServer(t)
  const data = await ajax<Echo>(`${base}/echo`, { method: 'POST', body: '{"raw":true}', headers: { 'content-type': 'application/json' } })
  t.same(data, { method: 'POST', accept: 'application/json', contentType: 'application/json', body: { raw: true } })
})

t.test('a URLSearchParams body is sent as a form, not as JSON', async (t) => {
  const base = await startServer(t)
  const data = await ajax<Echo>(`${base}/echo`, { method: 'POST', body: new URLSearchParams({ a: '1' }) })
  t.same(data, { method: 'POST', accept: 'application/json', contentType: 'application/x-www-form-urlencoded;charset=UTF-8', body: 'a=1' })
})

t.test('ajaxResponse resolves with status, headers and data', async (t) => {
  const base = await startServer(t)
  const answer = await ajaxResponse<{ created: { name: string } }>(`${base}/items`, { method: 'POST', body: { name: 'lamp' } })
  t.equal(answer.status, 201)
  t.equal(answer.headers.get('location'), '/items/1')
  t.equal(answer.headers.get('content-type'), 'application/json; charset=utf-8')
  t.same(answer.data, { created: { name: 'lamp' } })
})

t.test('an answer without a body resolves with undefined', async (t) => {
  const base = await startServer(t)
  const answer = await ajaxResponse(`${base}/empty`)
  t.equal(answer.status, 204)
  t.equal(answer.data, undefined)
})

t.test('a 401 envelope rejects with status 401 and the error "Unauthorized"', async (t) => {
  const base = await startServer(t)
  const error = await rejection(t, ajax(`${base}/private`))
  t.equal(error.kind, 'http')
  t.equal(error.status, 401)
  t.equal(error.error, 'Unauthorized')
  t.equal(error.message, 'Unauthorized')
  t.match(error.requestId, /^req-/)
  t.same(error.body, { status: 'error', error: 'Unauthorized', requestId: error.requestId })
  t.equal(error.headers?.get('content-type'), 'application/json; charset=utf-8')
  t.notOk('details' in error, 'no details on a 401')
  t.same(await ajax(`${base}/private`, { headers: { 'x-user': 'ann' } }), { secret: 42 }, 'the same call logged in resolves')
})

t.test("a 400 keeps the server's message and the validation details", async (t) => {
  const base = await startServer(t)
  const error = await rejection(t, ajax(`${base}/items`, { method: 'POST', body: { name: 'x' } }))
  t.equal(error.kind, 'http')
  t.equal(error.status, 400)
  t.equal(error.message, 'body/name must NOT have fewer than 3 characters')
  t.equal(error.error, 'body/name must NOT have fewer than 3 characters')
  t.same(error.details, [{
    instancePath: '/name',
    schemaPath: '#/properties/name/minLength',
    keyword: 'minLength',
    params: { limit: 3 },
    message: 'must NOT have fewer than 3 characters'
  }])
  t.same(error.body, { status: 'error', error: error.message, details: error.details, requestId: error.requestId })
})

t.test('a thrown 4xx error keeps its message', async (t) => {
  const base = await startServer(t)
  const error = await rejection(t, ajax(`${base}/too-many`))
  t.equal(error.status, 429)
  t.equal(error.message, 'Slow down: 3 requests a minute')
})

t.test('every error answer carries the request id the server logged', async (t) => {
  const base = await startServer(t)
  const missing = await rejection(t, ajax(`${base}/missing`))
  const crash = await rejection(t, ajax(`${base}/crash`))
  t.match(missing.requestId, /^req-\w+$/)
  t.match(crash.requestId, /^req-\w+$/)
  t.not(missing.requestId, crash.requestId)
  t.same(missing.body, { status: 'error', error: 'Not found', requestId: missing.requestId })
  t.same(crash.body, { status: 'error', error: 'Internal Server Error', requestId: crash.requestId })
  t.equal(crash.status, 500)
  t.equal(crash.message, 'Internal Server Error', 'a 5xx message stays masked')
})

t.test('a 405 error exposes the Allow header', async (t) => {
  const base = await startServer(t)
  const error = await rejection(t, ajax(`${base}/items`, { method: 'PUT', body: { name: 'lamp' } }))
  t.equal(error.status, 405)
  t.equal(error.message, 'Method not allowed')
  t.equal(error.headers?.get('allow'), 'POST')
})

t.test('an envelope whose error is an object keeps it and shows it in the message', async (t) => {
  const base = await startServer(t)
  const error = await rejection(t, ajax(`${base}/conflict`))
  t.equal(error.status, 409)
  t.same(error.error, { field: 'name', taken: true })
  t.equal(error.message, '{"field":"name","taken":true}')
})

t.test('problem+json answers reject with their detail as the message', async (t) => {
  const base = await startServer(t)
  const headers = { accept: 'application/problem+json' }
  const error = await rejection(t, ajax(`${base}/items`, { method: 'POST', body: { name: 'x' }, headers }))
  t.equal(error.kind, 'http')
  t.equal(error.status, 400)
  t.equal(error.message, 'body/name must NOT have fewer than 3 characters')
  t.equal(error.error, error.message)
  t.equal(error.headers?.get('content-type'), 'application/problem+json')
  t.match(error.requestId, /^req-/)
  t.same(error.body, {
    type: 'about:blank',
    title: 'Bad Request',
    status: 400,
    detail: error.message,
    instance: '/items',
    details: error.details,
    requestId: error.requestId
  })
  t.equal(error.details?.length, 1)

  const unauthorized = await rejection(t, ajax(`${base}/private`, { headers }))
  t.equal(unauthorized.status, 401)
  t.equal(unauthorized.message, 'Unauthorized')

  const conflict = await rejection(t, ajax(`${base}/conflict`, { headers }))
  t.equal(conflict.message, 'Conflict', 'a problem without a text detail uses its title')
  t.same(conflict.error, { field: 'name', taken: true }, 'and keeps the value the route sent')
})

t.test('problem details with neither detail nor title name the call and its status', async (t) => {
  const base = await startServer(t)
  const error = await rejection(t, ajax(`${base}/teapot`))
  t.equal(error.status, 418)
  t.equal(error.message, `GET ${base}/teapot answered 418`)
  t.same(error.body, { type: 'about:blank' })
})

t.test("Fastify's own error format (a non-ajax route) keeps its message", async (t) => {
  const base = await startServer(t)
  const error = await rejection(t, ajax(`${base}/no-such-url`))
  t.equal(error.status, 404)
  t.equal(error.message, 'Route GET:/no-such-url not found')
  t.same(error.body, { message: 'Route GET:/no-such-url not found', error: 'Not Found', statusCode: 404 })
})

t.test('an error answer without a body names the call and its status', async (t) => {
  const base = await startServer(t)
  const error = await rejection(t, ajax(`${base}/unavailable`))
  t.equal(error.kind, 'http')
  t.equal(error.status, 503)
  t.equal(error.message, `GET ${base}/unavailable answered 503`)
  t.equal(error.error, error.message)
  t.equal(error.body, undefined)
})

t.test('a non-JSON error answer rejects saying its status and content type', async (t) => {
  const base = await startServer(t)
  const error = await rejection(t, ajax(`${base}/html`))
  t.equal(error.kind, 'parse')
  t.equal(error.status, 502)
  t.equal(error.message, `GET ${base}/html answered 502 with text/html, not JSON`)
  t.equal(error.body, '<h1>Bad Gateway</h1>')
})

t.test('an answer without a content type is not taken for JSON', async (t) => {
  const base = await startServer(t)
  const error = await rejection(t, ajax(`${base}/untyped`))
  t.equal(error.kind, 'parse')
  t.equal(error.status, 500)
  t.equal(error.message, `GET ${base}/untyped answered 500 with no content type, not JSON`)
  t.equal(error.body, 'oops')
})

t.test('a non-JSON 2xx answer rejects too', async (t) => {
  const base = await startServer(t)
  const error = await rejection(t, ajax(`${base}/page`))
  t.equal(error.kind, 'parse')
  t.equal(error.status, 200)
  t.equal(error.message, `GET ${base}/page answered 200 with text/html, not JSON`)
})

t.test('invalid JSON rejects with the parser message as cause', async (t) => {
  const base = await startServer(t)
  const error = await rejection(t, ajax(`${base}/broken-json`))
  t.equal(error.kind, 'parse')
  t.equal(error.status, 200)
  t.match(error.message, new RegExp(`^GET ${base}/broken-json answered 200 with invalid JSON \\(.+\\)$`))
  t.type(error.cause, SyntaxError)
  t.equal(error.body, '{"status":')
})

t.test('a network failure rejects with status 0 and the cause', async (t) => {
  const closed = createServer()
  await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve))
  const { port } = closed.address() as AddressInfo
  await new Promise((resolve) => closed.close(resolve))
  const url = `http://127.0.0.1:${port}/anything`
  const error = await rejection(t, ajax(url, { method: 'post', body: { a: 1 } }))
  t.equal(error.kind, 'network')
  t.equal(error.status, 0)
  t.equal(error.message, `POST ${url} failed: TypeError: fetch failed`)
  t.equal(error.error, error.message)
  t.equal(error.body, undefined)
  t.notOk('headers' in error, 'no headers without an answer')
  t.type(error.cause, TypeError)
})

t.test('aborting with a signal rejects with kind abort', async (t) => {
  const base = await startServer(t)
  const controller = new AbortController()
  const pending = ajax(`${base}/slow`, { signal: controller.signal })
  setTimeout(() => controller.abort(), 30)
  const error = await rejection(t, pending)
  t.equal(error.kind, 'abort')
  t.equal(error.status, 0)
  t.equal(error.message, `GET ${base}/slow was aborted`)
  t.equal((error.cause as Error).name, 'AbortError')
})

t.test('an already aborted signal rejects without calling the server', async (t) => {
  const base = await startServer(t)
  const reason = new Error('user left the page')
  const error = await rejection(t, ajax(`${base}/slow`, { signal: AbortSignal.abort(reason) }))
  t.equal(error.kind, 'abort')
  t.equal(error.cause, reason, 'the signal reason is the cause')
})

t.test('a signal that never fires and a timeout that never passes change nothing', async (t) => {
  const base = await startServer(t)
  const controller = new AbortController()
  const data = await ajax<Echo>(`${base}/echo`, { signal: controller.signal, timeout: 5000 })
  t.same(data, { method: 'GET', accept: 'application/json', contentType: null, body: null })
  controller.abort()
})

t.test('a timeout rejects with kind timeout', async (t) => {
  const base = await startServer(t)
  const started = Date.now()
  const error = await rejection(t, ajax(`${base}/slow`, { timeout: 50 }))
  t.equal(error.kind, 'timeout')
  t.equal(error.status, 0)
  t.equal(error.message, `GET ${base}/slow got no answer within 50 ms`)
  t.ok(Date.now() - started < 2000, 'long before the server would answer')
})

t.test('the timeout covers reading the body', async (t) => {
  const base = await startServer(t)
  const error = await rejection(t, ajax(`${base}/slow-body`, { timeout: 100 }))
  t.equal(error.kind, 'timeout')
})

t.test('a timeout that is not a positive number of milliseconds is refused', async (t) => {
  const base = await startServer(t)
  for (const timeout of [0, -1, Number.NaN, Infinity, 2 ** 31]) {
    await t.rejects(ajax(`${base}/echo`, { timeout }), {
      name: 'RangeError',
      message: `timeout must be a number of milliseconds from 1 to 2147483647, got ${String(timeout)}`
    })
  }
})

t.test('the AjaxError constructor fills defaults', async (t) => {
  const error = new AjaxError('went wrong', { kind: 'network' })
  t.equal(error.status, 0)
  t.equal(error.error, 'went wrong')
  t.notOk('requestId' in error)
  t.notOk('details' in error)
  t.ok(error instanceof Error)
})

t.test('the package exports the built client for require() and import', async (t) => {
  const required = require('fastify-ajaxutils/client')
  t.same(Object.keys(required).sort(), ['AjaxError', 'ajax', 'ajaxResponse', 'isAjaxHttpError'])
  const imported = await import('fastify-ajaxutils/client')
  t.same(Object.keys(imported).filter((key) => key !== 'default').sort(), ['AjaxError', 'ajax', 'ajaxResponse', 'isAjaxHttpError'])
})

t.test('the browser module has no imports and stays under 2 KB minified and gzipped', async (t) => {
  const { gzippedSize, SIZE_LIMIT } = require('../client/build.js')
  const code = readFileSync(join(__dirname, '..', 'dist', 'client', 'index.mjs'), 'utf8')
  t.notMatch(code, /^\s*import\b/m, 'no import statements')
  t.notMatch(code, /\brequire\(/, 'no require calls')
  const size: number = gzippedSize(code)
  t.equal(SIZE_LIMIT, 2048)
  t.ok(size < SIZE_LIMIT, `${size} bytes minified and gzipped`)
})
