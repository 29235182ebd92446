import Fastify from 'fastify'
import { chromium as playwright, type Browser, type Page } from 'playwright-core'
import t from 'tap'
import { build, DEMO_USER } from '../example/server'
import { JSON_TYPE, logCapture } from './helpers'

// The cross-origin check in a real headless Chromium: the demo's own page (fastify-ajaxutils/client,
// same-origin fetch) logs in and out as before, while a page served by a second server on another
// port of the same host (same-site, so the SameSite=Lax session cookie goes along) forges requests.

const REFUSED = { status: 'error', error: 'Cross-origin request refused' }

async function launchBrowser (): Promise<Browser> {
  const own = process.env.CHROME_PATH
  if (own !== undefined && own !== '') return await playwright.launch({ executablePath: own, headless: true })
  const { default: chromium } = await import('@sparticuz/chromium')
  return await playwright.launch({ executablePath: await chromium.executablePath(), args: chromium.args, headless: true })
}

/** Waits for a result box of the demo page to be filled and reads its status line and JSON body. */
async function readBox (page: Page, id: string): Promise<{ head: string, body: unknown }> {
  await page.waitForSelector(`#${id}[data-status]`)
  const text = await page.textContent(`#${id}`) ?? ''
  const newline = text.indexOf('\n')
  return { head: text.slice(0, newline), body: JSON.parse(text.slice(newline + 1)) }
}

/** The attacker's page: a form that posts text/plain to the demo, and nothing else. */
function attackerPage (target: string): string {
  return `<!doctype html><title>evil</title>
<form id="forged" method="post" enctype="text/plain" action="${target}/api/notes">
  <input name='{"text":"forged","priority":1,"x":"' value='"}'>
</form>`
}

t.test('in Chromium, a page on another origin cannot post to ajax routes with the victim\'s session; the demo itself still works', async (t) => {
  const log = logCapture()
  const app = await build({ logger: { level: 'info', stream: log.stream } })
  t.teardown(() => app.close())
  // A root hook runs right before every handler: what reaches it is what a handler would run for.
  const reached: string[] = []
  app.addHook('preHandler', async (request) => { reached.push(`${request.method} ${request.url}`) })
  const demo = await app.listen({ port: 0, host: '127.0.0.1' })

  const evil = Fastify()
  t.teardown(() => evil.close())
  evil.get('/', async (_request, reply) => reply.type('text/html; charset=utf-8').send(attackerPage(demo)))
  const evilBase = await evil.listen({ port: 0, host: '127.0.0.1' })
  t.not(new URL(evilBase).port, new URL(demo).port, 'another origin of the same site')

  const browser = await launchBrowser()
  t.teardown(() => browser.close())
  const context = await browser.newContext()
  context.setDefaultTimeout(5000)
  const page = await context.newPage()

  await page.goto(demo)
  await page.locator('#session-state').filter({ hasText: /^Logged out$/ }).waitFor()
  await page.fill('#login-username', DEMO_USER.username)
  await page.fill('#login-password', DEMO_USER.password)
  const [loginRequest] = await Promise.all([
    page.waitForRequest((request) => request.url() === `${demo}/api/login`),
    page.click('#login')
  ])
  t.same(await readBox(page, 'login-out'), { head: '200 OK', body: { user: 'demo' } }, 'the demo logs in')
  t.equal((await loginRequest.allHeaders())['sec-fetch-site'], 'same-origin', 'what the client\'s fetch sends')
  const cookie = (await context.cookies()).find((candidate) => candidate.name === 'demo.sid')
  t.equal(cookie?.sameSite, 'Lax', 'the demo\'s session cookie is SameSite=Lax')

  const attacker = await context.newPage()
  await attacker.goto(evilBase)
  reached.length = 0

  await t.test('a no-cors fetch POST with credentials gets 403 and no handler runs', async (t) => {
    for (const path of ['/api/logout', '/api/notes', '/api/tasks']) {
      const [response] = await Promise.all([
        attacker.waitForResponse(`${demo}${path}`),
        attacker.evaluate((url) => fetch(url, { method: 'POST', mode: 'no-cors', credentials: 'include', body: '{"text":"forged","priority":1}' }), `${demo}${path}`)
      ])
      const sent = await response.request().allHeaders()
      t.equal(sent['sec-fetch-site'], 'same-site', `${path}: Chromium says the request is same-site`)
      t.match(sent.cookie, /demo\.sid=/, `${path}: with the victim's session cookie`)
      t.equal(response.status(), 403, `${path}: 403`)
      t.equal(response.headers()['content-type'], JSON_TYPE, `${path}: JSON`)
    }
    t.same(reached, [], 'no handler ran')
  })

  await t.test('a text/plain form POST gets the 403 envelope and no handler runs', async (t) => {
    const [response] = await Promise.all([
      attacker.waitForResponse(`${demo}/api/notes`),
      attacker.evaluate('document.getElementById(\'forged\').submit()')
    ])
    t.equal((await response.request().allHeaders())['sec-fetch-site'], 'same-site')
    t.equal(response.status(), 403)
    t.equal(response.headers()['content-type'], JSON_TYPE)
    const body = await response.json() as { requestId: string }
    t.match(body.requestId, /^req-\w+$/, 'the demo turns requestId on')
    t.same(body, { ...REFUSED, requestId: body.requestId })
    t.same(reached, [], 'no handler ran')
    await attacker.goto(evilBase)
  })

  await t.test('a GET from the other origin still runs', async (t) => {
    const [response] = await Promise.all([
      attacker.waitForResponse(`${demo}/api/session`),
      attacker.evaluate((url) => fetch(url, { mode: 'no-cors', credentials: 'include' }), `${demo}/api/session`)
    ])
    t.equal((await response.request().allHeaders())['sec-fetch-site'], 'same-site')
    t.equal(response.status(), 200)
    t.same(reached, ['GET /api/session'])
  })

  await t.test('each refusal was logged at info with the Sec-Fetch-Site value', async (t) => {
    const refusals = log.entries.filter((entry) => String(entry.msg).includes('cross-origin request refused'))
    t.same(refusals.map(({ level, msg, secFetchSite, host }) => ({ level, msg, secFetchSite, host })), Array(4).fill({
      level: 30,
      msg: 'fastify-ajaxutils: cross-origin request refused: Sec-Fetch-Site is neither same-origin nor none',
      secFetchSite: 'same-site',
      host: new URL(demo).host
    }))
  })

  await t.test('the victim is still logged in, and the demo logs out', async (t) => {
    await page.click('#me')
    const me = await readBox(page, 'me-out')
    t.equal(me.head, '200 OK', 'the forged logout did not end the session')
    await page.click('#logout')
    t.same(await readBox(page, 'login-out'), { head: '200 OK', body: { user: null } }, 'the demo logs out')
    t.equal(await page.textContent('#session-state'), 'Logged out')
    await page.click('#me')
    t.equal((await readBox(page, 'me-out')).head, '401 Unauthorized')
  })
})
