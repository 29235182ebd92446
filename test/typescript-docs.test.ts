// The TypeScript examples compile as an app would compile them: every whole program (```ts) of
// docs/typescript.md and of the README's TypeScript section, under --strict, against the built
// package and the real type providers. Their `// @ts-expect-error` lines must fail to compile.
// (test/readme.test.ts runs the same programs and checks what they print.)
import { execFile } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { promisify } from 'node:util'
import t from 'tap'
import { FASTIFY_VERSION, fastifyAtLeast } from './helpers'

const run = promisify(execFile)
t.setTimeout(180_000)
const root = join(__dirname, '..')
const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc')

/** The whole TypeScript programs of a markdown text (blocks whose info string is `ts` alone). */
function programs (markdown: string): string[] {
  return [...markdown.matchAll(/^```ts\n([\s\S]*?)^```$/gm)].map((match) => match[1])
}

/** The README's `## TypeScript` section, up to the next `## ` heading (empty when it has none). */
function readmeSection (readme: string): string {
  const start = readme.search(/^## TypeScript$/m)
  if (start === -1) return ''
  const end = readme.slice(start + 1).search(/^## /m)
  return end === -1 ? readme.slice(start) : readme.slice(start, start + 1 + end)
}

t.test('the TypeScript examples of the docs compile under --strict with the three type providers', async (t) => {
  t.ok(existsSync(join(root, 'dist', 'esm.d.mts')), 'the package is built (npm run build)')
  const examples = [
    ...programs(readFileSync(join(root, 'docs', 'typescript.md'), 'utf8')),
    ...programs(readmeSection(readFileSync(join(root, 'README.md'), 'utf8')))
  ]
  const imports = examples.join('\n')
  for (const provider of ['@fastify/type-provider-typebox', 'fastify-type-provider-zod', '@fastify/type-provider-json-schema-to-ts']) {
    t.ok(imports.includes(`from '${provider}'`), `an example uses ${provider}`)
  }

  // Inside the package, so that 'fastify-ajaxutils' resolves to dist/ through its exports map;
  // .mts files: the examples are ES modules with top-level await.
  const dir = mkdtempSync(join(root, '.typed-docs-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  // config.ajax is checked through the ES module entry too (its types re-export the CommonJS ones).
  examples.push(`import Fastify, { type RouteShorthandOptions } from 'fastify'
import ajaxutils from 'fastify-ajaxutils'
const app = Fastify()
await app.register(ajaxutils)
app.get('/ok', { config: { ajax: { loginRequired: true } } }, async () => ({}))
// @ts-expect-error a string is no value of config.ajax
app.get('/yes', { config: { ajax: 'yes' } }, async () => ({}))
// @ts-expect-error a misspelt option, where the route options are typed
export const typed: RouteShorthandOptions = { config: { ajax: { loginRequierd: true } } }
`)
  // fastify-type-provider-zod supports Fastify 5.5 and later (its peer range): its types name
  // Fastify types that 5.0 lacks, so the compatibility run on Fastify 5.0 compiles the others.
  const compiled = fastifyAtLeast('5.5.0') ? examples : examples.filter((code) => !code.includes("from 'fastify-type-provider-zod'"))
  if (compiled.length < examples.length) t.comment(`Fastify ${FASTIFY_VERSION}: the zod examples are left out, below the zod provider's peer range`)
  const files = compiled.map((code, index) => {
    const file = `example-${index + 1}.mts`
    writeFileSync(join(dir, file), code)
    return file
  })
  writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({
    compilerOptions: { strict: true, noEmit: true, target: 'ES2022', module: 'nodenext', moduleResolution: 'nodenext', types: ['node'], skipLibCheck: false },
    files
  }))
  const result = await run(process.execPath, [tsc, '-p', join(dir, 'tsconfig.json')]).then(() => ({ code: 0, stdout: '' }), (error) => ({ code: error.code as number, stdout: String(error.stdout) }))
  t.same(result, { code: 0, stdout: '' })
})
