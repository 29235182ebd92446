'use strict'

// npm run bench [-- --quick] [--out FILE] [--strict] [--rounds N] [--duration S] [--noise-limit PCT]
//
// Measures the plugin against bare Fastify (and Express 5, node:http) in one run and prints
// markdown tables of ratios. Exit codes: 0 done; 1 a server failed to start, answered wrongly or
// failed under load; 2 the run was noisier than the A/A pair allows; 3 a target was missed
// (only with --strict).

const { existsSync, writeFileSync } = require('node:fs')
const os = require('node:os')
const { join, resolve } = require('node:path')
const { execFileSync } = require('node:child_process')
const { parseArgs } = require('node:util')

const ROOT = join(__dirname, '..')

const PROFILES = {
  full: {
    rounds: 45,
    replicas: 3,
    duration: 0.15,
    warmup: 0.5,
    connections: 10,
    noiseLimit: 0.03,
    memory: { warmup: 20_000, requests: 200_000 },
    startup: { routes: [1000, 10000], repeats: 5 }
  },
  quick: {
    rounds: 8,
    replicas: 1,
    duration: 0.06,
    warmup: 0.15,
    connections: 10,
    noiseLimit: 0.15,
    memory: { warmup: 10_000, requests: 200_000 },
    startup: { routes: [1000, 10000], repeats: 1 }
  }
}

function readSettings () {
  const { values } = parseArgs({
    options: {
      quick: { type: 'boolean', default: false },
      strict: { type: 'boolean', default: false },
      out: { type: 'string' },
      rounds: { type: 'string' },
      duration: { type: 'string' },
      'noise-limit': { type: 'string' }
    }
  })
  const settings = { ...PROFILES[values.quick ? 'quick' : 'full'], quick: values.quick, strict: values.strict, out: values.out }
  if (values.rounds !== undefined) settings.rounds = positive('--rounds', values.rounds)
  if (values.duration !== undefined) settings.duration = positive('--duration', values.duration)
  if (values['noise-limit'] !== undefined) settings.noiseLimit = positive('--noise-limit', values['noise-limit']) / 100
  return settings
}

function positive (name, text) {
  const value = Number(text)
  if (!(value > 0)) throw new Error(`${name} must be a positive number, got '${text}'`)
  return value
}

function commandLine () {
  const args = process.argv.slice(2)
  if (process.env.npm_lifecycle_event === 'bench') return `npm run bench${args.length > 0 ? ' -- ' + args.join(' ') : ''}`
  return ['node', 'bench/run.js', ...args].join(' ')
}

function loadAverage () {
  return os.loadavg().map((load) => load.toFixed(2)).join(' ')
}

function nproc () {
  try {
    return execFileSync('nproc', { encoding: 'utf8' }).trim()
  } catch {
    return 'n/a'
  }
}

/** The plugin revision measured: the commit, and whether its sources differ from it. */
function revision () {
  try {
    const git = (...args) => execFileSync('git', args, { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim()
    const dirty = git('status', '--porcelain', '--', 'index.ts', 'lib') !== ''
    return `${git('rev-parse', '--short', 'HEAD')}${dirty ? ' with uncommitted changes in lib/' : ''}`
  } catch {
    return 'unknown (not a git checkout)'
  }
}

function describeMachine () {
  const cpus = os.cpus()
  const version = (name) => require(`${name}/package.json`).version
  return {
    cores: cpus.length,
    nproc: nproc(),
    cpu: cpus[0]?.model.trim() ?? 'unknown CPU',
    memoryGb: Math.round(os.totalmem() / 2 ** 30),
    os: `${os.type()} ${os.release()}`,
    node: process.version,
    versions: { fastify: version('fastify'), express: version('express'), autocannon: version('autocannon') },
    loadBefore: loadAverage(),
    revision: revision()
  }
}

async function main () {
  const settings = readSettings()
  if (!existsSync(join(ROOT, 'dist', 'index.js'))) {
    throw new Error('dist/index.js is missing: run `npm run build` first (`npm run bench` does)')
  }
  // Loaded only now, so that a missing build is reported as such.
  const measure = require('./lib/measure')
  const { measurementPairs, startServers, verifyAnswers, measureRounds, measureStartup, measureMemory, log } = measure
  const { summarize, noiseFloor, evaluateTargets } = require('./lib/analyze')
  const { fullReport, noisyReport } = require('./lib/report')

  const began = Date.now()
  const machine = describeMachine()
  const context = { settings, machine, command: commandLine() }
  const pairs = measurementPairs()
  const servers = await startServers([...new Set(pairs.map((pair) => pair.server))], settings.replicas)
  log(`${servers.size} servers up, ${settings.replicas} process(es) each; checking one answer per scenario and candidate`)
  await verifyAnswers(pairs, servers)
  const results = await measureRounds(pairs, servers, settings)
  await Promise.all([...servers.values()].flat().map((server) => server.close()))

  context.scenarios = summarize(results)
  context.noise = noiseFloor(context.scenarios, settings.noiseLimit)
  if (!context.noise.ok) {
    context.finished = new Date().toISOString()
    machine.loadAfter = loadAverage()
    process.stdout.write(noisyReport(context))
    log(`bench: refused, the A/A pair differs by up to ${(100 * Math.max(context.noise.rps, context.noise.cpu)).toFixed(1)} % ` +
      `(limit ${(100 * settings.noiseLimit).toFixed(0)} %)`)
    return 2
  }

  context.startup = await measureStartup(settings)
  context.memory = await measureMemory(settings)
  context.targets = evaluateTargets(context.scenarios, context.noise, context.memory)
  log('payloads: the JSON writer at real sizes, and whole requests answering them')
  const { measurePayloads, payloadsReport } = require('./payloads')
  const payloads = await measurePayloads({ quick: settings.quick })
  context.finished = new Date().toISOString()
  machine.loadAfter = loadAverage()

  const report = `${fullReport(context)}\n${payloadsReport(payloads)}`
  process.stdout.write(report)
  if (settings.out !== undefined) writeFileSync(resolve(settings.out), report)
  const targets = [...context.targets, ...payloads.writer.map((row) => ({ met: row.ratio <= row.target }))]
  const missed = targets.filter((target) => !target.met)
  log(`bench: ${targets.length - missed.length}/${targets.length} targets met in ${((Date.now() - began) / 1000).toFixed(0)} s`)
  return missed.length > 0 && settings.strict ? 3 : 0
}

main().then((code) => {
  process.exitCode = code
}, (error) => {
  process.stderr.write(`bench: ${error instanceof Error ? error.message : error}\n`)
  process.exitCode = 1
}).finally(() => {
  require('./lib/children').killAll()
})
