import { execFile } from 'node:child_process'
import { copyFile, mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t, { type Test } from 'tap'
import { JSON_TYPE } from './helpers'

// What users get from npm: the packed tarball, installed into a fresh project next to fastify@5,
// loaded with require() and import, and compiled with `tsc --strict` in the usual module modes.
// The project lives in the OS temp directory, not in t.testdir(): under the repository, Node and
// tsc would find this repository's node_modules and hide a dependency missing from package.json.

const ROOT = join(__dirname, '..')
const FIXTURES = join(__dirname, 'fixtures', 'consumers')
const TSC = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc')

interface Run {
  code: number
  stdout: string
  stderr: string
}

// Child processes get a clean environment: no tap loaders, and nothing that ties npm to this package.
const CHILD_ENV = Object.fromEntries(Object.entries(process.env).filter(([key]) => !(
  key === 'NODE_OPTIONS' || key === 'INIT_CWD' || key === 'npm_config_local_prefix' || key === 'npm_command' ||
  /^(TAP|_TAPJS|TS_NODE|npm_package_|npm_lifecycle_)/.test(key)
)))

/** Runs a command to its end; never rejects, so a failure shows up as an assertion with its output. */
function run (file: string, args: string[], cwd: string): Promise<Run> {
  return new Promise((resolve) => {
    execFile(file, args, { cwd, env: CHILD_ENV, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === 'number' ? error.code : 1
      resolve({ code, stdout, stderr })
    })
  })
}

const RUNTIME_TO_DECLARATION: Record<string, string> = { '.js': '.d.ts', '.mjs': '.d.mts', '.cjs': '.d.cts' }
const DECLARATION_TO_RUNTIME: Record<string, string> = { '.d.ts': '.js', '.d.mts': '.mjs', '.d.cts': '.cjs' }
const SOURCE_TO_RUNTIME: Record<string, string> = { '.ts': '.js', '.mts': '.mjs', '.cts': '.cjs' }

/** `dist/lib/http.d.ts` -> `{ base: 'dist/lib/http', ext: '.d.ts' }` for built and source files. */
function splitExtension (file: string): { base: string, ext: string } {
  const match = /^(.*?)(\.d\.[mc]?ts|\.[mc]?[jt]s)$/.exec(file)
  return match === null ? { base: file, ext: '' } : { base: match[1], ext: match[2] }
}

/** The sources `npm run build` compiles with tsc, relative to the repository. */
async function buildSources (): Promise<string[]> {
  const listed = await run(process.execPath, [TSC, '-p', 'tsconfig.build.json', '--listFilesOnly'], ROOT)
  return listed.stdout.split('\n')
    .filter((file) => file.startsWith(`${ROOT}/`) && !file.includes('/node_modules/'))
    .map((file) => file.slice(ROOT.length + 1))
    .sort()
}

/** The repository source a packed `dist/` file is built from, or undefined for a leftover. */
async function sourceOf (file: string): Promise<string | undefined> {
  const base = splitExtension(file).base.slice('dist/'.length)
  for (const ext of ['.ts', '.mts', '.cts']) {
    const found = await stat(join(ROOT, base + ext)).then(() => true, () => false)
    if (found) return base + ext
  }
  return undefined
}

/** Every file path an `exports` map (or one of its conditions) points at. */
function exportTargets (entry: unknown): string[] {
  if (typeof entry === 'string') return [entry]
  if (typeof entry !== 'object' || entry === null) return []
  return Object.values(entry).flatMap(exportTargets)
}

/** `{ condition: { types, default } }` pairs of an `exports` map, with the condition path. */
function typedEntries (entry: unknown, path: string): Array<{ path: string, types: string, runtime: string }> {
  if (typeof entry !== 'object' || entry === null) return []
  const record = entry as Record<string, unknown>
  const here = typeof record.types === 'string' && typeof record.default === 'string'
    ? [{ path, types: record.types, runtime: record.default }]
    : []
  return [...here, ...Object.entries(record).flatMap(([key, value]) => typedEntries(value, `${path} > ${key}`))]
}

/** The declaration file extension TypeScript expects next to a runtime file of a CommonJS package. */
function declarationFor (runtime: string): string {
  const { base, ext } = splitExtension(runtime)
  return base + RUNTIME_TO_DECLARATION[ext]
}

/** What every consumer prints: the same answers, whichever way it loaded the plugin. */
const EXPECTED = {
  exports: { plugin: 'function', sameAsNamed: true, sameAsRequire: true, JsonResponse: 'function', Http404: 'function' },
  json: '{"at":"1970-01-01T00:00:00.000Z","count":"1"}',
  ok: { status: 200, type: JSON_TYPE, body: { at: '1970-01-01T00:00:00.000Z', count: '1' } },
  anonymous: {
    status: 401,
    type: JSON_TYPE,
    wwwAuthenticate: 'Bearer realm="api"',
    body: { status: 'error', error: 'Unauthorized' }
  },
  created: { status: 201, type: JSON_TYPE, body: { id: 1, name: 'first' } },
  missing: { status: 404, type: JSON_TYPE, body: { status: 'error', error: 'Not found' } }
}

t.setTimeout(180_000)

t.test('the published package works in CommonJS, ESM and strict TypeScript projects', async (t) => {
  const pkg = JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8'))
  const work = await mkdtemp(join(tmpdir(), 'ajaxutils-package-'))
  t.teardown(() => rm(work, { recursive: true, force: true }))

  const packed = await run('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', work], ROOT)
  t.equal(packed.code, 0, 'npm pack succeeds', { stderr: packed.stderr })
  const [tarball] = JSON.parse(packed.stdout) as Array<{ filename: string, files: Array<{ path: string }> }>
  const files = tarball.files.map((file) => file.path).sort()
  const dist = files.filter((file) => file.startsWith('dist/'))

  t.test('the tarball holds dist/ (js and d.ts), README.md, docs/*.md, LICENSE and package.json, nothing else', async (t) => {
    const docs = (await readdir(join(ROOT, 'docs'))).filter((file) => file.endsWith('.md')).map((file) => `docs/${file}`)
    t.ok(docs.length > 0, 'the repository has docs/*.md')
    const shipped = ['LICENSE', 'README.md', 'package.json', ...docs]
    t.same(shipped.filter((file) => !files.includes(file)), [], 'README.md, docs/*.md, LICENSE and package.json are packed')
    const allowed = (file: string) => shipped.includes(file) ||
      (file.startsWith('dist/') && /\.(d\.[mc]?ts|[mc]?js)$/.test(file))
    t.same(files.filter((file) => !allowed(file)), [], 'no tests, sources, bench, example, maps or configs')
    const unbuilt = (await buildSources()).flatMap((source) => {
      const { base, ext } = splitExtension(source)
      const runtime = `dist/${base}${SOURCE_TO_RUNTIME[ext]}`
      return [runtime, declarationFor(runtime)].filter((file) => !files.includes(file))
    })
    t.same(unbuilt, [], 'every file tsc builds from index.ts, esm.mts and lib/ is packed')
    const unpaired = dist.filter((file) => {
      const { base, ext } = splitExtension(file)
      const partner = base + (RUNTIME_TO_DECLARATION[ext] ?? DECLARATION_TO_RUNTIME[ext])
      return !files.includes(partner)
    })
    t.same(unpaired, [], 'every packed module has its declaration file and every declaration its module')
    const leftovers: string[] = []
    const stale: string[] = []
    for (const file of dist) {
      const source = await sourceOf(file)
      if (source === undefined) leftovers.push(file)
      else if ((await stat(join(ROOT, file))).mtimeMs < (await stat(join(ROOT, source))).mtimeMs) stale.push(file)
    }
    t.same(leftovers, [], 'no leftover in dist/ without a source (else rm -rf dist && npm run build)')
    t.same(stale, [], 'dist/ is built from the current sources (npm test builds first; alone, run npm run build)')
  })

  t.test('main, types and every exports target are in the tarball', async (t) => {
    const targets = [pkg.main, pkg.types, ...exportTargets(pkg.exports)].map((target: string) => target.replace(/^\.\//, ''))
    t.same(targets.filter((target) => !files.includes(target)), [])
  })

  t.test('each exports entry gives types of its own module format', async (t) => {
    // TypeScript reads a .d.ts of this (CommonJS) package as CommonJS: an ES module entry needs a .d.mts.
    const entries = typedEntries(pkg.exports, 'exports')
    t.ok(entries.length >= 2, 'the import and require entries name their types')
    for (const entry of entries) {
      t.equal(entry.types.replace(/^\.\//, ''), declarationFor(entry.runtime.replace(/^\.\//, '')), `${entry.path} types match ${entry.runtime}`)
    }
  })

  // One install serves every consumer: the tarball, the newest fastify 5 (or the one .ci/compat.sh
  // names in AJAXUTILS_TEST_FASTIFY), the Node types and @fastify/helmet (a plugin whose types
  // augment fastify's, as most apps have one).
  const fastifyWanted = process.env.AJAXUTILS_TEST_FASTIFY ?? '5'
  const project = join(work, 'project')
  const devVersion = async (name: string): Promise<string> =>
    JSON.parse(await readFile(join(ROOT, 'node_modules', name, 'package.json'), 'utf8')).version
  await mkdir(project)
  await writeFile(join(project, 'package.json'), JSON.stringify({ name: 'ajaxutils-consumer', private: true }))
  for (const file of await readdir(FIXTURES)) await copyFile(join(FIXTURES, file), join(project, file))
  // One TypeScript consumer, compiled as .ts (commonjs), .mts and .cts (nodenext). It is kept as .mts
  // so that this repository's own tsconfig (test/**/*.ts) does not pull the packed types in next to index.ts.
  await copyFile(join(FIXTURES, 'consumer.mts'), join(project, 'consumer.ts'))
  await copyFile(join(FIXTURES, 'consumer.mts'), join(project, 'consumer.cts'))
  const installed = await run('npm', [
    'install', '--prefer-offline', '--no-audit', '--no-fund',
    join(work, tarball.filename), `fastify@${fastifyWanted}`,
    `@types/node@${await devVersion('@types/node')}`, `@fastify/helmet@${await devVersion('@fastify/helmet')}`
  ], project)
  t.equal(installed.code, 0, 'npm install of the tarball succeeds', { stderr: installed.stderr })
  const version = async (name: string): Promise<string> =>
    JSON.parse(await readFile(join(project, 'node_modules', name, 'package.json'), 'utf8')).version
  t.equal(await version('fastify-ajaxutils'), pkg.version, 'the consumer has this version of the plugin')
  const fastifyVersion = await version('fastify')
  t.match(fastifyVersion, /^5\./, 'and fastify 5')
  if (fastifyWanted !== '5') t.equal(fastifyVersion, fastifyWanted, 'the fastify version asked for')

  // The three compilers run side by side; each test below waits for its own.
  const compile = (config: string) => run(process.execPath, [TSC, '-p', `tsconfig.${config}.json`], project)
  const compiled = {
    commonjs: compile('commonjs'),
    noInterop: compile('commonjs-no-interop'),
    nodenext: compile('nodenext')
  }

  async function runConsumer (t: Test, file: string): Promise<void> {
    const result = await run(process.execPath, [file], project)
    t.equal(result.stderr, '', `${file} writes nothing to stderr`)
    t.equal(result.code, 0, `${file} exits with 0`)
    t.same(JSON.parse(result.stdout), EXPECTED, `${file} gets every answer right`)
  }

  t.test('require() in a CommonJS project', async (t) => {
    await runConsumer(t, 'require.cjs')
  })

  t.test('import in an ES module project', async (t) => {
    await runConsumer(t, 'import.mjs')
  })

  t.test('tsc --strict, module commonjs with esModuleInterop, then run', async (t) => {
    t.same(await compiled.commonjs, { code: 0, stdout: '', stderr: '' })
    await runConsumer(t, 'out/commonjs/consumer.js')
  })

  t.test('tsc --strict, module commonjs without esModuleInterop, then run', async (t) => {
    t.same(await compiled.noInterop, { code: 0, stdout: '', stderr: '' })
    await runConsumer(t, 'out/commonjs-no-interop/consumer.js')
  })

  t.test('tsc --strict, module nodenext as ES module (.mts) and CommonJS (.cts), then run', async (t) => {
    t.same(await compiled.nodenext, { code: 0, stdout: '', stderr: '' })
    await runConsumer(t, 'out/nodenext/consumer.mjs')
    await runConsumer(t, 'out/nodenext/consumer.cjs')
  })
})
