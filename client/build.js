'use strict'

// Builds the browser client after tsc has written dist/client/index.{js,d.ts}: one dependency-free
// ES module (dist/client/index.mjs, what <script type="module"> and `import` load), its types, and
// prints its size minified and gzipped.

const { copyFileSync, writeFileSync } = require('node:fs')
const { join } = require('node:path')
const { gzipSync } = require('node:zlib')
const esbuild = require('esbuild')

const SIZE_LIMIT = 2048
const source = join(__dirname, 'index.ts')
const outDir = join(__dirname, '..', 'dist', 'client')

/** The ES module: modern syntax every browser with module scripts and AbortController runs. */
function buildModule () {
  const { outputFiles } = esbuild.buildSync({
    entryPoints: [source],
    bundle: true,
    format: 'esm',
    target: 'es2020',
    platform: 'browser',
    legalComments: 'none',
    write: false
  })
  return outputFiles[0].text
}

/** Bytes of the module after esbuild's minifier and gzip: what a page costs over the wire. */
function gzippedSize (code) {
  const { code: minified } = esbuild.transformSync(code, { minify: true, format: 'esm', target: 'es2020' })
  return gzipSync(minified).length
}

function main () {
  const code = buildModule()
  writeFileSync(join(outDir, 'index.mjs'), code)
  // The declarations have no imports, so the CommonJS ones describe the ES module too.
  copyFileSync(join(outDir, 'index.d.ts'), join(outDir, 'index.d.mts'))
  const size = gzippedSize(code)
  console.log(`client: dist/client/index.mjs is ${size} bytes minified and gzipped (limit ${SIZE_LIMIT})`)
  if (size > SIZE_LIMIT) {
    console.error(`client: over the ${SIZE_LIMIT} byte limit`)
    process.exitCode = 1
  }
}

if (require.main === module) main()

module.exports = { gzippedSize, SIZE_LIMIT }
