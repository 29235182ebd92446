'use strict'

// node bench/payloads.js [--quick] [--writer-only]   (npm run bench runs it too, as its "payloads" section)
//
// The plugin's JSON writer at real payload sizes, against native JSON.stringify on the same data
// in the same process (with a BigInt replacer where the data holds BigInts): rows, deep documents
// and a wide object; how its time grows when the data doubles; and the CPU of a whole request to
// an ajax route answering 100 and 10,000 rows against bare Fastify answering the same rows.

const { fork } = require('node:child_process')
const { parseArgs } = require('node:util')
const { installCleanup } = require('./lib/children')
const { runLoad } = require('./lib/load')
const { median } = require('./lib/stats')

const PROFILES = {
  full: { rounds: 21, batchMs: 40, loadRounds: 15, loadSeconds: 1, warmupSeconds: 1 },
  quick: { rounds: 7, batchMs: 15, loadRounds: 5, loadSeconds: 0.4, warmupSeconds: 0.4 }
}

/** A database row as a driver gives it: plain fields, a Date, a small array, a nested object. */
function rowFields (n) {
  return {
    id: n,
    name: `user ${n}`,
    email: `user${n}@example.com`,
    active: n % 3 === 0,
    score: n * 0.75,
    createdAt: new Date(Date.UTC(2024, 0, 1) + n * 60_000),
    tags: ['alpha', 'beta'],
    address: { city: 'Lyon', zip: String(69000 + (n % 100)) }
  }
}

/** An ORM model instance (Sequelize/Mongoose style): its toJSON gives a fresh plain object. */
class Row {
  constructor (values) {
    this.dataValues = values
    this.isNewRecord = false
  }

  toJSON () {
    return { ...this.dataValues }
  }
}

/** A decimal.js-like number: digits inside, a string out. */
class Decimal {
  constructor (text) {
    this.sign = 1
    this.digits = text.replace('.', '').split('').map(Number)
    this.text = text
  }

  toJSON () {
    return this.text
  }
}

/** The same row without its Date: here JSON.stringify has no Date to call back for, so it is at its fastest. */
function dateless (n) {
  const { createdAt, ...fields } = rowFields(n)
  return fields
}

/** Flat rows: strings, numbers, booleans and null only. */
function flatFields (n) {
  return { id: n, name: `user ${n}`, email: `user${n}@example.com`, active: n % 3 === 0, score: n * 0.75, note: null }
}

const rows = {
  plain: (count) => Array.from({ length: count }, (_, n) => rowFields(n)),
  'plain, no Date': (count) => Array.from({ length: count }, (_, n) => dateless(n)),
  'plain, no Date, spread': (count) => Array.from({ length: count }, (_, n) => ({ ...dateless(n) })),
  flat: (count) => Array.from({ length: count }, (_, n) => flatFields(n)),
  'toJSON class': (count) => Array.from({ length: count }, (_, n) => new Row(rowFields(n))),
  'BigInt id': (count) => Array.from({ length: count }, (_, n) => ({ ...rowFields(n), id: 9007199254740993n + BigInt(n) })),
  'Decimal field': (count) => Array.from({ length: count }, (_, n) => ({ ...rowFields(n), price: new Decimal(`${n}.${String(n % 100).padStart(2, '0')}`) }))
}

/** A stored document `depth` levels deep, about 250 bytes a level (1 MB at 4,000). */
function deepDocument (depth) {
  let node = null
  for (let level = depth; level > 0; level--) {
    node = { level, title: `section ${level}`, text: 'lorem ipsum dolor sit amet '.repeat(6), tags: ['a', 'b', 'c'], meta: { draft: false, words: level * 7 }, child: node }
  }
  return node
}

function wideObject (keys) {
  const object = {}
  for (let n = 0; n < keys; n++) object[`key${n}`] = n % 2 === 0 ? n : `value ${n}`
  return object
}

const bigintReplacer = (key, value) => typeof value === 'bigint' ? value.toString() : value
const nativeFor = (replacer) => replacer === undefined ? (data) => JSON.stringify(data) : (data) => JSON.stringify(data, replacer)

/** The shapes measured: data of a given size, and native JSON.stringify as the reference. */
const SHAPES = [
  ...Object.entries(rows).flatMap(([kind, build]) => [100, 10_000].map((size) => ({
    name: `${size.toLocaleString('en')} rows, ${kind}`,
    build: () => build(size),
    grow: size === 10_000 ? () => build(2 * size) : undefined,
    replacer: kind === 'BigInt id' ? bigintReplacer : undefined,
    target: 1.2
  }))),
  ...[1000, 4000].map((depth) => ({
    name: `document ${depth.toLocaleString('en')} levels deep`,
    build: () => deepDocument(depth),
    grow: () => deepDocument(2 * depth),
    target: 3
  })),
  { name: 'object with 10,000 keys', build: () => wideObject(10_000), grow: () => wideObject(20_000), target: 3 }
]

/**
 * CPU milliseconds per call of `fn(data)`, over a batch of `calls`: the process's CPU time, not
 * the clock, so that other processes taking turns on the cores do not count (GC threads do).
 */
function timeBatch (fn, data, calls) {
  const started = process.cpuUsage()
  for (let call = 0; call < calls; call++) fn(data)
  const used = process.cpuUsage(started)
  return (used.user + used.system) / 1e3 / calls
}

/** How many calls of the slower function fill a batch of about `batchMs`. */
function calibrate (fns, data, batchMs) {
  for (const fn of fns) timeBatch(fn, data, 5)
  const slowest = Math.max(...fns.map((fn) => timeBatch(fn, data, 5)), 0.01)
  return Math.max(1, Math.round(batchMs / slowest))
}

/**
 * Median over rounds of the per-round ratio a/b, each round timing both on the same data in
 * alternating order, so that drift and GC hit both alike. Returns { a, b, ratio } (ms per call).
 */
function compare (fa, da, fb, db, settings) {
  const calls = calibrate([fa, fb], da, settings.batchMs)
  const times = { a: [], b: [], ratio: [] }
  for (let round = 0; round < settings.rounds; round++) {
    let a, b
    if (round % 2 === 0) {
      a = timeBatch(fa, da, calls)
      b = timeBatch(fb, db, calls)
    } else {
      b = timeBatch(fb, db, calls)
      a = timeBatch(fa, da, calls)
    }
    times.a.push(a)
    times.b.push(b)
    times.ratio.push(a / b)
  }
  return { a: median(times.a), b: median(times.b), ratio: median(times.ratio) }
}

/** The writer against JSON.stringify for every shape, and its growth when the data doubles. */
function measureWriter (settings, stringify) {
  return SHAPES.map((shape) => {
    const data = shape.build()
    const native = nativeFor(shape.replacer)
    const expected = native(data)
    if (stringify(data) !== expected) throw new Error(`${shape.name}: the writer does not write what JSON.stringify writes`)
    const { a: writerMs, b: nativeMs, ratio } = compare(stringify, data, native, data, settings)
    const growth = shape.grow === undefined ? undefined : compare(stringify, shape.grow(), stringify, data, settings).ratio
    process.stderr.write(`payloads: ${shape.name}: ${ratio.toFixed(2)}×\n`)
    return { name: shape.name, bytes: expected.length, writerMs, nativeMs, ratio, target: shape.target, growth }
  })
}

// Whole requests: one server process per candidate, the bench's load generator, server CPU per response.

const ROUTE_ROWS = [100, 10_000]

async function serve (kind) {
  const Fastify = require('fastify')
  const app = Fastify({ logger: false })
  if (kind === 'ajax') await app.register(require('..'))
  const route = kind === 'ajax' ? { config: { ajax: true } } : {}
  for (const count of ROUTE_ROWS) {
    const data = rows.plain(count)
    app.get(`/rows/${count}`, route, async () => data)
  }
  await app.listen({ host: '127.0.0.1', port: 0 })
  let cpuAtStart = null
  process.on('disconnect', () => process.exit(0))
  process.on('message', (message) => {
    if (message.cmd === 'start') {
      cpuAtStart = process.cpuUsage()
      process.send({ event: 'started' })
    } else if (message.cmd === 'stop') {
      const used = process.cpuUsage(cpuAtStart)
      process.send({ event: 'stopped', cpuMicros: used.user + used.system })
    }
  })
  process.send({ event: 'ready', port: app.server.address().port })
}

function startServer (kind) {
  installCleanup()
  const child = fork(__filename, ['--serve', kind], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] })
  const next = (event) => new Promise((resolve, reject) => {
    const onMessage = (message) => {
      if (message.event !== event) return
      child.off('message', onMessage)
      child.off('exit', onExit)
      resolve(message)
    }
    const onExit = (code) => reject(new Error(`payloads: the ${kind} server exited (code ${code})`))
    child.on('message', onMessage)
    child.once('exit', onExit)
  })
  return next('ready').then(({ port }) => ({
    port,
    async measure (path, duration) {
      const started = next('started')
      child.send({ cmd: 'start' })
      await started
      const load = await runLoad({ port, requests: [{ method: 'GET', path }], duration, connections: 10 })
      const stopped = next('stopped')
      child.send({ cmd: 'stop' })
      const { cpuMicros } = await stopped
      if (load.errors > 0 || load.timeouts > 0 || Object.keys(load.statuses).join() !== '200') {
        throw new Error(`payloads: ${kind} ${path}: statuses ${JSON.stringify(load.statuses)}, ${load.errors} errors, ${load.timeouts} timeouts`)
      }
      return cpuMicros / load.responses
    },
    close: () => child.kill()
  }))
}

async function measureRequests (settings) {
  const servers = { bare: await startServer('bare'), ajax: await startServer('ajax') }
  try {
    const results = []
    for (const count of ROUTE_ROWS) {
      const path = `/rows/${count}`
      for (const server of Object.values(servers)) await server.measure(path, settings.warmupSeconds)
      const cpu = { bare: [], ajax: [], ratio: [] }
      for (let round = 0; round < settings.loadRounds; round++) {
        const order = round % 2 === 0 ? ['bare', 'ajax'] : ['ajax', 'bare']
        const used = {}
        for (const kind of order) used[kind] = await servers[kind].measure(path, settings.loadSeconds)
        cpu.bare.push(used.bare)
        cpu.ajax.push(used.ajax)
        cpu.ratio.push(used.ajax / used.bare)
      }
      process.stderr.write(`payloads: ${count} rows per request measured\n`)
      results.push({ rows: count, bareUs: median(cpu.bare), ajaxUs: median(cpu.ajax), ratio: median(cpu.ratio) })
    }
    return results
  } finally {
    for (const server of Object.values(servers)) server.close()
  }
}

async function measurePayloads ({ quick = false, writerOnly = false } = {}) {
  const settings = PROFILES[quick ? 'quick' : 'full']
  const { json } = require('..')
  const writer = measureWriter(settings, json.stringify)
  return { quick, rounds: settings.rounds, writer, requests: writerOnly ? [] : await measureRequests(settings) }
}

function payloadsReport ({ quick, rounds, writer, requests }) {
  const line = (cells) => `| ${cells.join(' | ')} |`
  return [
    '## Payloads: the JSON writer at real sizes',
    '',
    `\`node bench/payloads.js${quick ? ' --quick' : ''}\`: the plugin's \`json.stringify\` against native \`JSON.stringify\` ` +
      '(with a BigInt replacer for the BigInt rows) on the same data in one process; median over ' +
      `${rounds} alternated rounds of the per-round ratio. "×2 data" is the writer's time on twice the data ` +
      '(twice the rows, levels or keys) over its time on this data: 2.00 is linear.',
    '',
    line(['payload', 'JSON bytes', 'writer ms', 'JSON.stringify ms', 'ratio', 'target', '×2 data']),
    line(['---', '---:', '---:', '---:', '---:', '---:', '---:']),
    ...writer.map((row) => line([
      row.name,
      row.bytes.toLocaleString('en'),
      row.writerMs.toFixed(3),
      row.nativeMs.toFixed(3),
      `${row.ratio.toFixed(2)}×`,
      `≤ ${row.target}×${row.ratio <= row.target ? '' : ' **missed**'}`,
      row.growth === undefined ? '' : row.growth.toFixed(2)
    ])),
    '',
    'Whole requests: server CPU per response (µs) of an ajax route answering plain rows against bare ' +
      'Fastify answering the same rows (its default serializer, JSON.stringify); 10 connections, medians ' +
      'over alternated rounds.',
    '',
    line(['route', 'bare Fastify µs', 'ajax route µs', 'ratio']),
    line(['---', '---:', '---:', '---:']),
    ...requests.map((row) => line([`${row.rows.toLocaleString('en')} rows`, row.bareUs.toFixed(0), row.ajaxUs.toFixed(0), `${row.ratio.toFixed(2)}×`])),
    ''
  ].join('\n')
}

module.exports = { measurePayloads, payloadsReport, SHAPES }

if (require.main === module) {
  const { values } = parseArgs({ options: { quick: { type: 'boolean', default: false }, 'writer-only': { type: 'boolean', default: false }, serve: { type: 'string' } } })
  if (values.serve !== undefined) {
    serve(values.serve)
  } else {
    measurePayloads({ quick: values.quick, writerOnly: values['writer-only'] }).then((result) => {
      process.stdout.write(payloadsReport(result))
    }, (error) => {
      process.stderr.write(`payloads: ${error.stack ?? error}\n`)
      process.exitCode = 1
    })
  }
}
