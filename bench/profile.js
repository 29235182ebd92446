'use strict'

// Where a candidate server spends its CPU on one scenario, from `node --cpu-prof`:
//   npm run build && node bench/profile.js [--candidate ajax] [--scenario success] [--seconds 5] [--keep DIR]
// Prints self time by function (the plugin's own functions, from dist/, marked) and by package.

const { mkdtempSync, readdirSync, readFileSync, rmSync, mkdirSync } = require('node:fs')
const { tmpdir } = require('node:os')
const { join, relative, resolve } = require('node:path')
const { parseArgs } = require('node:util')
const { ServerProcess } = require('./lib/children')
const { runLoad } = require('./lib/load')
const { SERVERS, SCENARIOS, serverOf, loadRequest } = require('./lib/plan')

const ROOT = join(__dirname, '..')

function packageOf (url) {
  if (url === '') return '(native / V8)'
  if (url.startsWith('node:')) return 'node core'
  const path = url.replace(/^file:\/\//, '')
  const modules = path.lastIndexOf('/node_modules/')
  if (modules !== -1) {
    const rest = path.slice(modules + '/node_modules/'.length).split('/')
    return rest[0].startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0]
  }
  if (path.startsWith(join(ROOT, 'dist'))) return 'fastify-ajaxutils (dist/)'
  if (path.startsWith(join(ROOT, 'bench'))) return 'bench app'
  return path
}

function where (frame) {
  if (frame.url === '') return ''
  const path = frame.url.replace(/^file:\/\//, '')
  const shown = path.startsWith(ROOT) ? relative(ROOT, path) : path
  return `${shown}:${frame.lineNumber + 1}`
}

/** Self time per function and per package from a .cpuprofile. */
function summarizeProfile (profile) {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]))
  const selfMicros = new Map()
  profile.samples.forEach((id, index) => {
    selfMicros.set(id, (selfMicros.get(id) ?? 0) + (profile.timeDeltas[index] ?? 0))
  })
  const functions = new Map()
  const packages = new Map()
  let total = 0
  let idle = 0
  for (const [id, micros] of selfMicros) {
    const frame = byId.get(id).callFrame
    if (frame.functionName === '(idle)') {
      idle += micros
      continue
    }
    total += micros
    const name = frame.functionName || '(anonymous)'
    const key = `${name} ${where(frame)}`
    const entry = functions.get(key) ?? { name, where: where(frame), pkg: packageOf(frame.url), micros: 0 }
    entry.micros += micros
    functions.set(key, entry)
    const pkg = frame.url === '' && name.startsWith('(') ? name : packageOf(frame.url)
    packages.set(pkg, (packages.get(pkg) ?? 0) + micros)
  }
  return { total, idle, functions: [...functions.values()].sort((a, b) => b.micros - a.micros), packages: [...packages].sort((a, b) => b[1] - a[1]) }
}

function printSummary (summary, requests, top) {
  const share = (micros) => `${(100 * micros / summary.total).toFixed(1)} %`
  const perRequest = (micros) => `${(micros / requests * 1000).toFixed(0)} ns`
  const lines = [
    `busy ${(summary.total / 1000).toFixed(0)} ms (idle ${(summary.idle / 1000).toFixed(0)} ms) for ${requests} requests: ` +
      `${(summary.total / requests).toFixed(2)} µs/request sampled`,
    '',
    '| package | self | per request |',
    '| --- | --- | --- |',
    ...summary.packages.map(([pkg, micros]) => `| ${pkg} | ${share(micros)} | ${perRequest(micros)} |`),
    '',
    `| function (top ${top}) | where | self | per request |`,
    '| --- | --- | --- | --- |',
    ...summary.functions.slice(0, top).map((fn) => `| ${fn.pkg.startsWith('fastify-ajaxutils') ? '**' + fn.name + '**' : fn.name} | ${fn.where} | ${share(fn.micros)} | ${perRequest(fn.micros)} |`),
    '',
    '| plugin function | where | self | per request |',
    '| --- | --- | --- | --- |',
    ...summary.functions.filter((fn) => fn.pkg.startsWith('fastify-ajaxutils')).map((fn) => `| ${fn.name} | ${fn.where} | ${share(fn.micros)} | ${perRequest(fn.micros)} |`)
  ]
  process.stdout.write(lines.join('\n') + '\n')
}

async function main () {
  const { values } = parseArgs({
    options: {
      candidate: { type: 'string', default: 'ajax' },
      scenario: { type: 'string', default: 'success' },
      seconds: { type: 'string', default: '5' },
      top: { type: 'string', default: '25' },
      keep: { type: 'string' }
    }
  })
  const scenario = SCENARIOS.find((candidate) => candidate.id === values.scenario)
  if (scenario === undefined) throw new Error(`unknown scenario '${values.scenario}': ${SCENARIOS.map((s) => s.id).join(', ')}`)
  if (!scenario.candidates.includes(values.candidate)) throw new Error(`'${values.candidate}' is not measured on '${scenario.id}'`)
  const name = serverOf(scenario, values.candidate)
  const dir = values.keep === undefined ? mkdtempSync(join(tmpdir(), 'ajaxutils-prof-')) : resolve(values.keep)
  mkdirSync(dir, { recursive: true })
  const server = new ServerProcess(name, { ...SERVERS[name], execArgv: ['--cpu-prof', '--cpu-prof-dir', dir] })
  await server.start()
  const request = [loadRequest(scenario)]
  await runLoad({ port: server.port, requests: request, duration: 1, connections: 10 })
  const load = await runLoad({ port: server.port, requests: request, duration: Number(values.seconds), connections: 10 })
  await server.close()
  const file = readdirSync(dir).filter((entry) => entry.endsWith('.cpuprofile')).sort().pop()
  if (file === undefined) throw new Error(`no profile was written to ${dir}`)
  process.stdout.write(`## ${values.candidate} on ${scenario.id}\n\nprofile: ${values.keep === undefined ? '(deleted)' : join(dir, file)}; ` +
    'the warm-up second is included in the profile but not in the request count below\n\n')
  printSummary(summarizeProfile(JSON.parse(readFileSync(join(dir, file), 'utf8'))), load.responses, Number(values.top))
  if (values.keep === undefined) rmSync(dir, { recursive: true, force: true })
}

main().catch((error) => {
  process.stderr.write(`profile: ${error.message}\n`)
  process.exitCode = 1
}).finally(() => require('./lib/children').killAll())
