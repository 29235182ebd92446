import { spawn } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import fastifyStatic from '@fastify/static'
import { chromium as playwright, type Browser, type Page } from 'playwright-core'
import t, { type Test } from 'tap'
import { build, DEMO_USER, start } from '../example/server'
import { buildApp, JSON_TYPE, logCapture } from './helpers'

// The demo behind `npm start`, driven in a real headless Chromium: the one @sparticuz/chromium
// unpacks from its npm package, or the one CHROME_PATH names.

const REQUEST_ID = /^req-\w+$/
const ISO_DATE = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/
// What Chromium logs for every fetch that gets a 4xx or 5xx answer, as a console error.
const FAILED_RESOURCE = /^Failed to load resource: the server responded with a status of (\d{3}) \(/

async function launchBrowser (): Promise<Browser> {
  const own = process.env.CHROME_PATH
  if (own !== undefined && own !== '') return await playwright.launch({ executablePath: own, headless: true })
  // The package's types are ES module ones: import() reads them right (and skips it with CHROME_PATH).
  const { default: chromium } = await import('@sparticuz/chromium')
  return await playwright.launch({ executablePath: await chromium.executablePath(), args: chromium.args, headless: true })
}

// The README's "Browser client" example, word for word: it must keep working as a page runs it.
const README_EXAMPLE = `import { ajax, AjaxError } from 'fastify-ajaxutils/client'

try {
  const me = await ajax('/api/me', { timeout: 5000 })
  console.log(\`logged in as \${me.user}\`)
} catch (error) {
  if (!(error instanceof AjaxError)) throw error
  // error.kind: 'http', 'parse', 'network', 'timeout' or 'abort' (status 0: no answer came)
  console.log(error.status, error.message, error.requestId) // 401 Unauthorized req-…
}
`

/** Runs the README example as a module script of the page and returns what it logged. */
async function runReadmeExample (page: Page): Promise<string> {
  const [logged] = await Promise.all([
    page.waitForEvent('console', { predicate: (message) => message.type() === 'log' }),
    page.addScriptTag({ type: 'module', content: README_EXAMPLE })
  ])
  return logged.text()
}

/** Waits until the element's text matches (Playwright normalizes its whitespace). */
async function waitForText (page: Page, selector: string, text: RegExp): Promise<void> {
  await page.locator(selector).filter({ hasText: text }).waitFor()
}

interface Box {
  head: string
  body: Record<string, unknown>
}

/** Waits for a result box to be filled (`data-status` is set last) and reads its two parts. */
async function readBox (page: Page, id: string): Promise<Box> {
  await page.waitForSelector(`#${id}[data-status]`, { timeout: 5000 })
  const text = await page.textContent(`#${id}`) ?? ''
  const newline = text.indexOf('\n')
  return { head: text.slice(0, newline), body: JSON.parse(text.slice(newline + 1)) }
}

async function clickAndRead (page: Page, button: string, box: string): Promise<Box> {
  await page.click(`#${button}`)
  return await readBox(page, box)
}

async function sendNote (page: Page, text: string, priority: string): Promise<Box> {
  await page.fill('#note-text', text)
  await page.fill('#note-priority', priority)
  return await clickAndRead(page, 'note-send', 'note-out')
}

async function logIn (page: Page, username: string, password: string): Promise<Box> {
  await page.fill('#login-username', username)
  await page.fill('#login-password', password)
  return await clickAndRead(page, 'login', 'login-out')
}

/** The envelope as the page shows it, with the request id every error of the demo carries. */
function envelope (t: Test, box: Box, error: unknown, extra: Record<string, unknown> = {}): void {
  t.match(box.body.requestId, REQUEST_ID, 'carries the request id')
  t.same(box.body, { status: 'error', error, ...extra, requestId: box.body.requestId })
}

t.test('the demo page works end to end in Chromium', async (t) => {
  const log = logCapture()
  const app = await build({ taskMs: 1200, logger: { level: 'error', stream: log.stream } })
  t.teardown(() => app.close())
  const base = await app.listen({ port: 0, host: '127.0.0.1' })
  const browser = await launchBrowser()
  t.teardown(() => browser.close())
  const page = await browser.newPage()
  page.setDefaultTimeout(5000)

  // Every 4xx/5xx answer the page receives, and every console error and uncaught exception.
  const failedAnswers: string[] = []
  const consoleErrors: Array<{ text: string, url: string }> = []
  const pageErrors: string[] = []
  page.on('response', (response) => {
    if (response.status() >= 400) failedAnswers.push(`${response.request().method()} ${new URL(response.url()).pathname} ${response.status()}`)
  })
  page.on('console', (message) => {
    if (message.type() === 'error') consoleErrors.push({ text: message.text(), url: message.location().url })
  })
  page.on('pageerror', (error) => pageErrors.push(error.stack ?? error.message))

  await page.goto(base)
  t.equal(await page.title(), 'fastify-ajaxutils demo')
  await waitForText(page, '#session-state', /^Logged out$/)

  await t.test('a polling task shows pending, then completed', async (t) => {
    const [started] = await Promise.all([
      page.waitForResponse((response) => response.request().method() === 'POST' && response.url() === `${base}/api/tasks`),
      page.click('#task-start')
    ])
    t.equal(started.status(), 202)
    const { id } = await started.json() as { id: string }
    t.equal(started.headers().location, `/api/tasks/${id}`, 'the page polls the URL in Location')
    await waitForText(page, '#task-state', /^pending \(\d+ polls\)$/)
    await waitForText(page, '#task-state', /^completed after \d+ polls$/)
    const polls = Number((await page.textContent('#task-state'))?.match(/\d+/)?.[0])
    // The loop stops at the first answer that is not pending: two polls or more means it saw one.
    t.ok(polls >= 2, `polled ${polls} times`)
    t.same(await readBox(page, 'task-out'), { head: '200 OK', body: { status: 'completed', exit_status: 0 } })
  })

  await t.test('the private call gives 401 while logged out', async (t) => {
    const box = await clickAndRead(page, 'me', 'me-out')
    t.equal(box.head, '401 Unauthorized')
    envelope(t, box, 'Unauthorized')
  })

  await t.test('a wrong password and empty fields are refused and the session stays anonymous', async (t) => {
    const wrong = await logIn(page, DEMO_USER.username, 'not the password')
    t.equal(wrong.head, '401 Unauthorized')
    envelope(t, wrong, 'Wrong username or password')
    const empty = await logIn(page, '', '')
    t.equal(empty.head, '400 Bad Request')
    envelope(t, empty, 'body/username must NOT have fewer than 1 characters', {
      details: [{
        instancePath: '/username',
        schemaPath: '#/properties/username/minLength',
        keyword: 'minLength',
        params: { limit: 1 },
        message: 'must NOT have fewer than 1 characters'
      }]
    })
    t.equal(await page.textContent('#session-state'), 'Logged out')
  })

  await t.test('logging in sets a session cookie and opens the private call', async (t) => {
    const box = await logIn(page, DEMO_USER.username, DEMO_USER.password)
    t.same(box, { head: '200 OK', body: { user: 'demo' } })
    t.equal(await page.textContent('#session-state'), 'Logged in as demo')
    const cookie = (await page.context().cookies()).find((candidate) => candidate.name === 'demo.sid')
    t.ok(cookie, 'the session cookie is set')
    t.equal(cookie?.httpOnly, true, 'out of reach of page scripts')
    const me = await clickAndRead(page, 'me', 'me-out')
    t.equal(me.head, '200 OK')
    t.equal(me.body.user, 'demo')
    t.match(me.body.since, ISO_DATE, 'a Date, written as ISO 8601')
  })

  await t.test('the session survives a reload', async (t) => {
    await page.reload()
    await waitForText(page, '#session-state', /^Logged in as demo$/)
    t.pass('still logged in')
  })

  await t.test("the README's client example resolves with the private data when logged in", async (t) => {
    t.equal(await runReadmeExample(page), 'logged in as demo')
  })

  await t.test('the POST form saves unicode and markup as text', async (t) => {
    const text = 'Zoë 🌍 <img src=x onerror="window.hacked=1">'
    const box = await sendNote(page, text, '3')
    t.equal(box.head, '201 Created')
    const saved = box.body.saved as Record<string, unknown>
    t.match(saved.at, ISO_DATE)
    t.same(saved, { text, priority: 3, by: 'demo', chars: [...text].length, at: saved.at })
    t.equal(await page.locator('#note-out img').count(), 0, 'no markup was rendered')
    t.equal(await page.evaluate('typeof window.hacked'), 'undefined', 'no script ran')
  })

  await t.test('logging out ends the session', async (t) => {
    t.same(await clickAndRead(page, 'logout', 'login-out'), { head: '200 OK', body: { user: null } })
    t.equal(await page.textContent('#session-state'), 'Logged out')
    const me = await clickAndRead(page, 'me', 'me-out')
    t.equal(me.head, '401 Unauthorized')
    envelope(t, me, 'Unauthorized')
  })

  await t.test("the README's client example catches the 401 as an AjaxError when logged out", async (t) => {
    t.match(await runReadmeExample(page), /^401 Unauthorized req-\w+$/)
  })

  await t.test('hostile input in the form shows the 400 envelope and the server stays up', async (t) => {
    const empty = await sendNote(page, '', '')
    t.equal(empty.head, '400 Bad Request')
    t.equal(empty.body.error, 'body/text must NOT have fewer than 1 characters')
    const wrongType = await sendNote(page, 'fine', 'high')
    t.equal(wrongType.head, '400 Bad Request')
    envelope(t, wrongType, 'body/priority must be integer', {
      details: [{
        instancePath: '/priority',
        schemaPath: '#/properties/priority/type',
        keyword: 'type',
        params: { type: 'integer' },
        message: 'must be integer'
      }]
    })
    const long = await sendNote(page, 'é'.repeat(281), '1')
    t.equal(long.head, '400 Bad Request')
    t.equal(long.body.error, 'body/text must NOT have more than 280 characters')
    const huge = await sendNote(page, '😀'.repeat(6000), '1')
    t.equal(huge.head, '413 Content Too Large')
    envelope(t, huge, 'Request body is too large')
    const after = await sendNote(page, 'still here', '5')
    t.equal(after.head, '201 Created', 'the server still answers')
    t.equal((after.body.saved as Record<string, unknown>).by, 'anonymous')
  })

  await t.test('each error button shows its status and envelope', async (t) => {
    const badRequest = await clickAndRead(page, 'err-400', 'err-400-out')
    t.equal(badRequest.head, '400 Bad Request')
    envelope(t, badRequest, 'Cannot divide by zero')

    const notFound = await clickAndRead(page, 'err-404', 'err-404-out')
    t.equal(notFound.head, '404 Not Found')
    envelope(t, notFound, 'Not found')

    const notAllowed = await clickAndRead(page, 'err-405', 'err-405-out')
    t.equal(notAllowed.head, '405 Method Not Allowed · Allow: POST')
    envelope(t, notAllowed, 'Method not allowed')

    const crash = await clickAndRead(page, 'err-500', 'err-500-out')
    t.equal(crash.head, '500 Internal Server Error')
    envelope(t, crash, 'Internal Server Error')
    t.notMatch(await page.textContent('body'), /hunter2/, 'the real message never reaches the page')
    const logged = log.entries.find((entry) => entry.reqId === crash.body.requestId)
    t.match(logged?.err?.message, /password=hunter2/, 'the server log has it, under the request id the page shows')

    const invalid = await clickAndRead(page, 'err-validation', 'err-validation-out')
    t.equal(invalid.head, '400 Bad Request')
    envelope(t, invalid, 'body/text must NOT have fewer than 1 characters', {
      details: [{
        instancePath: '/text',
        schemaPath: '#/properties/text/minLength',
        keyword: 'minLength',
        params: { limit: 1 },
        message: 'must NOT have fewer than 1 characters'
      }]
    })
  })

  const screenshot = join(t.testdir(), 'demo.png')
  await page.screenshot({ path: screenshot, fullPage: true })
  t.same([...readFileSync(screenshot).subarray(0, 4)], [0x89, 0x50, 0x4e, 0x47], 'a PNG screenshot')

  // Every error answer was one the steps above asked for, in this order.
  t.same(failedAnswers, [
    'GET /api/me 401',
    'POST /api/login 401',
    'POST /api/login 400',
    'GET /api/me 401',
    'GET /api/me 401',
    'POST /api/notes 400',
    'POST /api/notes 400',
    'POST /api/notes 400',
    'POST /api/notes 413',
    'GET /api/divide 400',
    'GET /api/tasks/no-such-task 404',
    'GET /api/notes 405',
    'GET /api/crash 500',
    'POST /api/notes 400'
  ])
  // Chromium logs each of those answers as a console error. Those are excused, and only those: a
  // message of that exact form, for a URL and status in the list above. Anything else the console
  // shows as an error, and any uncaught exception or unhandled rejection, fails the test.
  const unexplained = consoleErrors.filter(({ text, url }) => {
    const status = FAILED_RESOURCE.exec(text)?.[1]
    return status === undefined || !failedAnswers.some((answer) => answer.endsWith(` ${new URL(url).pathname} ${status}`))
  })
  t.same(unexplained, [], 'no console error but the expected failed answers')
  t.same(pageErrors, [], 'no uncaught exception')
})

t.test('start() listens where PORT and HOST say and prints the URL and the login', async (t) => {
  const printed = t.capture(console, 'log')
  const app = await start({ logger: false }, { PORT: '0', HOST: '127.0.0.1' })
  t.teardown(() => app.close())
  const { port } = app.server.address() as { port: number }
  t.same(printed().map((call) => call.args.join(' ')), [
    `fastify-ajaxutils demo: http://127.0.0.1:${port}`,
    "log in as 'demo' with password 'ajaxutils'"
  ])
  const page = await fetch(`http://127.0.0.1:${port}/`)
  t.equal(page.status, 200)
  t.equal(page.headers.get('content-type'), 'text/html; charset=utf-8')
  const client = await fetch(`http://127.0.0.1:${port}/client.mjs`)
  t.equal(client.headers.get('content-type'), 'application/javascript; charset=utf-8')
  t.equal(await client.text(), readFileSync(join(__dirname, '..', 'dist', 'client', 'index.mjs'), 'utf8'), 'the built ES module')
})

t.test('start() refuses a PORT that is not a port number', async (t) => {
  for (const PORT of ['abc', '-1', '65536', '80.5']) {
    await t.rejects(start({ logger: false }, { PORT }), new RangeError(`PORT must be a port number, got '${PORT}'`))
  }
})

t.test('node example/server.js serves the demo and stops on SIGTERM', async (t) => {
  const child = spawn(process.execPath, [join(__dirname, '..', 'example', 'server.js')], {
    env: { ...process.env, PORT: '0', HOST: '127.0.0.1' },
    stdio: ['ignore', 'pipe', 'inherit']
  })
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))
  t.teardown(() => { if (child.exitCode === null) child.kill('SIGKILL') })
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]()
  const first = await lines.next()
  const url = /^fastify-ajaxutils demo: (http:\/\/127\.0\.0\.1:\d+)$/.exec(String(first.value))?.[1]
  t.ok(url, `prints the URL: ${String(first.value)}`)
  t.equal((await lines.next()).value, "log in as 'demo' with password 'ajaxutils'")
  const session = await fetch(`${url}/api/session`)
  t.equal(session.status, 200)
  t.same(await session.json(), { user: null })
  child.kill('SIGTERM')
  t.equal(await exited, 0, 'closes and exits cleanly')
})

// The demo registers @fastify/static with wildcard: false because of this (core problem reported):
// the default catch-all GET /* matches every URL, so request.is404 is false in onRequest and the
// plugin's router-level 405 never runs; @fastify/static then calls reply.callNotFound().
t.test('with @fastify/static at its default wildcard, GET to a POST-only ajax route still answers 405', async (t) => {
  const app = await buildApp(t)
  await app.register(fastifyStatic, { root: join(__dirname, '..', 'example', 'public') })
  app.post('/api/notes', { config: { ajax: true } }, async () => ({ saved: true }))
  const res = await app.inject({ method: 'GET', url: '/api/notes' })
  t.equal(res.statusCode, 405)
  t.equal(res.headers.allow, 'POST')
  t.equal(res.headers['content-type'], JSON_TYPE)
  t.same(res.json(), { status: 'error', error: 'Method not allowed' })
  const file = await app.inject('/app.js')
  t.equal(file.statusCode, 200, 'static files are still served')
  const unknown = await app.inject('/nope')
  t.equal(unknown.statusCode, 404)
  t.same(unknown.json(), { message: 'Route GET:/nope not found', error: 'Not Found', statusCode: 404 }, "unknown URLs keep Fastify's 404")
})
