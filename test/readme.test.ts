// Every code block of README.md and of every docs/*.md file is run here, or stands word for word in
// a test that runs it. A block's info string says which:
//   ```ts / ```js            a whole program: it runs in a child process against the built package
//                            (`npm run build` first), importing 'fastify-ajaxutils' as an app would.
//                            Each `console.log(…) // text` line states what it prints; the program's
//                            output must be exactly those texts, in order, and it must exit 0.
//   ```ts fragment / ```js fragment
//                            a piece of a program (it uses an `app` or helpers it does not define):
//                            it must stand in a test file under test/, word for word (whitespace and
//                            `//` comment lines aside), unless a harness below runs it.
//   ```json                  must parse as JSON.   ```html   must stand in the demo page.
//   ```sh                    commands for a shell, not run.
// A harness (found by a line of the block) runs any block, whole programs included, and asserts
// its answers. Any other info string fails, so a typo cannot skip a block.
import { execFile } from 'node:child_process'
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { dirname, join, relative, resolve } from 'node:path'
import { promisify } from 'node:util'
import helmet from '@fastify/helmet'
import rateLimit from '@fastify/rate-limit'
import swagger from '@fastify/swagger'
import underPressure from '@fastify/under-pressure'
import { transformSync } from 'esbuild'
import Fastify, { type FastifyInstance } from 'fastify'
import t from 'tap'
import ajaxutils from '../index'
import { JSON_TYPE } from './helpers'

// Every example runs in a process of its own: far more than tap's default 30 s on a busy machine.
t.setTimeout(300_000)

const { Http404, JsonResponse, json } = ajaxutils
const root = join(__dirname, '..')
const docsDir = join(root, 'docs')

/** README.md and every docs/*.md, as paths relative to the repository. */
const documents = ['README.md', ...readdirSync(docsDir).filter((file) => file.endsWith('.md')).sort().map((file) => `docs/${file}`)]

interface Block { document: string, line: number, language: string, kind: string | undefined, code: string }

/** The fenced code blocks of a markdown text. */
function codeBlocks (document: string): Block[] {
  const text = readFileSync(join(root, document), 'utf8')
  return [...text.matchAll(/^```([^\n]*)\n([\s\S]*?)^```$/gm)].map((match) => {
    const [language = '', kind, ...rest] = match[1].trim().split(/\s+/)
    return {
      document,
      line: text.slice(0, match.index).split('\n').length,
      language,
      kind: rest.length > 0 ? `${kind} ${rest.join(' ')}` : kind,
      code: match[2]
    }
  })
}

const blocks = documents.flatMap(codeBlocks)

/**
 * Runs a TypeScript example in this process: its imports become the values given, top-level await
 * is allowed, and `tail` (plain JavaScript, such as `return app`) runs after it.
 */
async function run (code: string, scope: Record<string, unknown>, tail = ''): Promise<unknown> {
  const body = code.split('\n').filter((line) => !line.startsWith('import ')).join('\n')
  const js = transformSync(body, { loader: 'ts', format: 'esm' }).code
  const AsyncFunction = Object.getPrototypeOf(async () => {}).constructor
  return new AsyncFunction(...Object.keys(scope), `${js}\n${tail}`)(...Object.values(scope))
}

const execFileAsync = promisify(execFile)
let programDir: string | undefined

/**
 * Runs a whole program in a child process. It is written inside the repository, so that
 * 'fastify-ajaxutils' resolves to the built package (dist/) and other imports to node_modules.
 */
async function runProgram (code: string, language: string): Promise<{ stdout: string, stderr: string }> {
  if (programDir === undefined) {
    programDir = mkdtempSync(join(root, '.readme-examples-'))
    const dir = programDir
    t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  }
  const file = join(programDir, `example-${readdirSync(programDir).length + 1}.mjs`)
  writeFileSync(file, transformSync(code, { loader: language === 'ts' ? 'ts' : 'js', format: 'esm' }).code)
  return execFileAsync(process.execPath, [file], { cwd: root, timeout: 60_000 })
}

/** What a program says it prints: the comment after each `console.log(…)`. */
function expectedOutput (code: string): string {
  return code.split('\n').flatMap((line) => {
    const match = /console\.log\(.*\)\s*\/\/ (.*)$/.exec(line)
    return match === null ? [] : [`${match[1]}\n`]
  }).join('')
}

// Whitespace aside, and comment lines aside: an example states in comments what the test asserts.
function normalize (text: string): string {
  return text.replace(/^\s*\/\/.*$/gm, '').replace(/\s+/g, ' ').trim()
}

/** The test sources (test/ and its folders), with template literals unescaped the way they run. */
const testSources = (readdirSync(__dirname, { recursive: true }) as string[])
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
  ['// thrown errors become the envelope', async (t, code) => {
    const listen = 'await app.listen({ port: 3000 })'
    t.ok(code.includes(listen), 'the quick start listens on port 3000')
    const app = await run(code.replace(listen, ''), { Fastify, ajaxutils, Http404 }, 'return app') as FastifyInstance
    t.teardown(() => app.close())
    const expected: Array<[string, number, unknown, string?]> = [
      ['/task', 200, { status: 'pending' }],
      ['/private', 401, { status: 'error', error: 'Unauthorized' }],
      ['/submit', 405, { status: 'error', error: 'Method not allowed' }, 'POST'],
      ['/tasks/7', 404, { status: 'error', error: 'Not found' }],
      ['/crash', 500, { status: 'error', error: 'Internal Server Error' }]
    ]
    for (const [url, status, body, allow] of expected) {
      const res = await app.inject(url)
      t.equal(res.statusCode, status, url)
      t.equal(res.headers['content-type'], JSON_TYPE, url)
      t.equal(res.headers.allow, allow, url)
      t.same(res.json(), body, url)
    }
    const saved = await app.inject({ method: 'POST', url: '/submit' })
    t.equal(saved.statusCode, 200)
    t.same(saved.json(), { saved: true })
  }],
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
    t.same(Object.keys(document.paths['/submit'].post.responses).sort(), ['200', '401', '403', '404', '405', '500'])
  }]
]

t.test('README.md and every docs/*.md have code blocks, each with a known info string', async (t) => {
  t.ok(documents.length > 1, 'docs/ has markdown files')
  t.ok(blocks.some((block) => block.document === 'README.md' && block.language === 'ts'), 'the README has a TypeScript example')
  const known = ['ts', 'js', 'ts fragment', 'js fragment', 'json', 'html', 'sh']
  const unknown = blocks.filter((block) => !known.includes(block.kind === undefined ? block.language : `${block.language} ${block.kind}`))
  t.same(unknown.map((block) => `${block.document}:${block.line}`), [], `every block's info string is one of: ${known.join(', ')}`)
})

t.test('every relative link of README.md and docs/*.md points to a file and heading that exist', async (t) => {
  const slug = (heading: string) => heading.trim().toLowerCase().replace(/[^\p{L}\p{N}\s-]/gu, '').replace(/\s/g, '-')
  const anchors = (file: string) => [...readFileSync(file, 'utf8').replace(/^```[\s\S]*?^```$/gm, '').matchAll(/^#+ (.*)$/gm)].map((match) => slug(match[1]))
  const broken: string[] = []
  for (const document of documents) {
    const text = readFileSync(join(root, document), 'utf8').replace(/^```[\s\S]*?^```$/gm, '')
    for (const [, target] of text.matchAll(/\]\(([^)\s]+)\)/g)) {
      if (/^[a-z]+:/.test(target)) continue
      const [path, anchor] = target.split('#')
      const file = path === '' ? join(root, document) : resolve(dirname(join(root, document)), path)
      if (!existsSync(file)) broken.push(`${document}: ${target} (no ${relative(root, file)})`)
      else if (anchor !== undefined && file.endsWith('.md') && !anchors(file).includes(anchor)) broken.push(`${document}: ${target} (no heading)`)
    }
  }
  t.same(broken, [])
})

for (const block of blocks) {
  const name = `${block.document}:${block.line} (${[block.language, block.kind].filter(Boolean).join(' ')}): ${block.code.split('\n')[0]}`
  if (block.language === 'sh') continue
  t.test(name, async (t) => {
    if (block.language === 'json') {
      t.doesNotThrow(() => JSON.parse(block.code), 'the block is JSON')
      return
    }
    if (block.language === 'html') {
      t.ok(pageSource.includes(normalize(block.code)), 'the HTML stands word for word in the demo page')
      return
    }
    const harness = harnesses.find(([marker]) => block.code.includes(marker))
    if (harness !== undefined) {
      await harness[1](t, block.code)
      return
    }
    if (block.kind === 'fragment') {
      const text = normalize(block.code)
      t.ok(testSources.some((source) => source.includes(text)), 'the fragment stands word for word in a test')
      return
    }
    t.ok(existsSync(join(root, 'dist', 'esm.mjs')), 'the package is built (npm run build)')
    const { stdout } = await runProgram(block.code, block.language)
    t.equal(stdout, expectedOutput(block.code), 'the program prints what its comments say')
  })
}
