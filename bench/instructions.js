'use strict'

// Instructions per request, counted by valgrind's callgrind in each candidate server: a count
// that does not depend on how busy the machine is, where CPU time per request varies by a few
// percent from one process to the next. Two runs of the same code still differ by 1-3 %: Node
// does some work by the clock (the Date header it caches per second, timers), and the clock runs
// differently under valgrind each time. It counts user-space instructions only (no kernel time,
// no cache misses), so it complements the CPU ratios of `npm run bench` rather than replacing them.
//
//   node bench/instructions.js [--scenarios error,success] [--candidates bare,ajax] [--out FILE]
//
// Besides the scenarios of `npm run bench`, two same-origin browser POSTs measure the cross-origin
// check (SPEC §8): candidate `ajax-csrf-off` is the ajax app registered with `csrf: false`.
//
// Each server runs under callgrind with V8 made deterministic (--predictable, fixed seeds). It
// is driven twice, over one keep-alive connection: `warmup` requests, then `warmup + requests`;
// the difference of the two totals divided by `requests` is the steady cost of one request,
// startup and JIT compilation left out. Every answer's status is checked.

const { spawn, spawnSync } = require('node:child_process')
const { writeFileSync } = require('node:fs')
const http = require('node:http')
const { join } = require('node:path')
const { parseArgs } = require('node:util')
const { SERVERS: BENCH_SERVERS, SCENARIOS: BENCH_SCENARIOS, serverOf, expectationOf } = require('./lib/plan')
const { POSTED, PATHS } = require('./lib/fixtures')
const { requestOnce, verifyAnswer } = require('./lib/verify')

const SERVER = join(__dirname, 'server.js')
const V8_FLAGS = ['--predictable', '--hash-seed=1', '--random-seed=1']
const MEASURED = ['bare', 'ajax', 'ajax-csrf-off', 'not-ajax', 'default']

const SERVERS = { ...BENCH_SERVERS, 'ajax-csrf-off': { app: 'fastify-ajax', options: { csrf: false } } }
// What a page's fetch() sends: Sec-Fetch-Site (every browser since 2023), or an older browser's
// Origin alone, which the check compares with the Host header.
const SAME_ORIGIN_POST = { method: 'POST', path: PATHS.echo, body: JSON.stringify(POSTED) }
const CSRF_SCENARIOS = [
  {
    id: 'post-same-origin',
    title: 'JSON POST from the app\'s page (`Sec-Fetch-Site: same-origin`): 200',
    request: { ...SAME_ORIGIN_POST, headers: { 'content-type': 'application/json', 'sec-fetch-site': 'same-origin', origin: 'http://app.example' } },
    expect: { status: 200, body: POSTED },
    candidates: ['bare', 'ajax', 'ajax-csrf-off']
  },
  {
    id: 'post-origin-only',
    title: 'JSON POST, `Origin` equal to `Host`, no `Sec-Fetch-Site`: 200',
    request: { ...SAME_ORIGIN_POST, headers: { 'content-type': 'application/json', host: 'app.example', origin: 'http://app.example' } },
    expect: { status: 200, body: POSTED },
    candidates: ['bare', 'ajax', 'ajax-csrf-off']
  }
]
const SCENARIOS = [...BENCH_SCENARIOS, ...CSRF_SCENARIOS]

const { values: args } = parseArgs({
  options: {
    scenarios: { type: 'string' },
    candidates: { type: 'string' },
    warmup: { type: 'string', default: '15000' },
    requests: { type: 'string', default: '5000' },
    out: { type: 'string' }
  }
})

function fail (message) {
  process.stderr.write(`instructions: ${message}\n`)
  process.exit(1)
}

function listArg (value, known, what) {
  if (value === undefined) return known
  const wanted = value.split(',')
  for (const name of wanted) if (!known.includes(name)) fail(`unknown ${what} '${name}' (known: ${known.join(', ')})`)
  return wanted
}

const scenarios = listArg(args.scenarios, SCENARIOS.map((scenario) => scenario.id), 'scenario')
  .map((id) => SCENARIOS.find((scenario) => scenario.id === id))
const candidates = listArg(args.candidates, MEASURED, 'candidate')
const warmup = Number(args.warmup)
const requests = Number(args.requests)
if (!Number.isInteger(warmup) || warmup < 1000) fail('--warmup must be an integer of at least 1000 (the JIT must settle)')
if (!Number.isInteger(requests) || requests < 100) fail('--requests must be an integer of at least 100')
if (spawnSync('valgrind', ['--version']).status !== 0) fail('needs valgrind (Debian: apt-get install valgrind)')

/** Runs one server under callgrind, sends it `count` requests, and gives its instruction total. */
function countInstructions (serverName, scenario, expected, count) {
  const server = SERVERS[serverName]
  const child = spawn('valgrind', [
    '--tool=callgrind', '--callgrind-out-file=/dev/null', '--smc-check=all-non-file',
    process.execPath, ...V8_FLAGS, SERVER, server.app, JSON.stringify(server.options ?? {})
  ], { stdio: ['ignore', 'ignore', 'pipe', 'ipc'] })
  let log = ''
  child.stderr.on('data', (chunk) => { log += chunk })
  const exited = new Promise((resolve) => child.on('exit', resolve))
  return new Promise((resolve, reject) => {
    child.on('message', async (message) => {
      if (message.event === 'failed') return reject(new Error(`${serverName}: ${message.message}`))
      if (message.event !== 'ready') return
      const agent = new http.Agent({ keepAlive: true, maxSockets: 1 })
      try {
        // One whole answer checked first (status, headers, body), then every status.
        const problems = await verifyAnswer(message.port, scenario.request, expected)
        if (problems.length > 0) throw new Error(`${serverName} answered ${scenario.id} wrongly: ${problems.join('; ')}`)
        for (let n = 1; n < count; n++) {
          const { status } = await requestOnce(message.port, scenario.request, agent)
          if (status !== expected.status) throw new Error(`${serverName} answered ${scenario.id} with ${status}, not ${expected.status}`)
        }
      } catch (error) {
        child.kill('SIGKILL')
        return reject(error)
      } finally {
        agent.destroy()
      }
      child.send({ cmd: 'close' })
      await exited
      const total = /Collected : (\d+)/.exec(log)
      if (total === null) return reject(new Error(`${serverName}: callgrind reported no total:\n${log}`))
      resolve(Number(total[1]))
    })
    child.on('exit', (code) => {
      if (code !== 0) reject(new Error(`${serverName} exited with ${code}:\n${log}`))
    })
  })
}

async function perRequest (scenario, candidate) {
  const serverName = serverOf(scenario, candidate)
  const expected = expectationOf(scenario, candidate)
  // The two runs are independent processes: run them side by side.
  const [base, measured] = await Promise.all([
    countInstructions(serverName, scenario, expected, warmup),
    countInstructions(serverName, scenario, expected, warmup + requests)
  ])
  return (measured - base) / requests
}

function format (count) {
  return Math.round(count).toLocaleString('en')
}

async function main () {
  const rows = []
  for (const scenario of scenarios) {
    const counts = {}
    for (const candidate of candidates) {
      if (!scenario.candidates.includes(candidate)) continue
      process.stderr.write(`instructions: ${scenario.id} / ${candidate}\n`)
      counts[candidate] = await perRequest(scenario, candidate)
    }
    rows.push({ scenario, counts })
  }
  const head = candidates.map((candidate) => candidate === 'bare' ? 'bare' : `${candidate} (÷ bare)`)
  const lines = [
    '# Instructions per request',
    '',
    `Command: \`${['node bench/instructions.js', ...process.argv.slice(2)].join(' ')}\` (${new Date().toISOString()}); ${warmup.toLocaleString('en')} requests of warm-up, ` +
      `${requests.toLocaleString('en')} counted; Node ${process.version}, V8 flags \`${V8_FLAGS.join(' ')}\`. ` +
      'User-space instructions of the server process only, counted by callgrind; two runs of the same code differ by 1–3 % (work Node does by the clock).',
    '',
    `| scenario | ${head.join(' | ')} |`,
    `| --- |${' --- |'.repeat(candidates.length)}`
  ]
  for (const { scenario, counts } of rows) {
    const cells = candidates.map((candidate) => {
      const count = counts[candidate]
      if (count === undefined) return '–'
      if (candidate === 'bare' || counts.bare === undefined) return format(count)
      return `${format(count)} (${(count / counts.bare).toFixed(3)}×)`
    })
    lines.push(`| ${scenario.title} | ${cells.join(' | ')} |`)
  }
  const report = lines.join('\n') + '\n'
  process.stdout.write(report)
  if (args.out !== undefined) writeFileSync(args.out, report)
}

main().catch((error) => fail(error.stack ?? String(error)))
