'use strict'

// The bench's phases: start the servers, check their answers, load them in rounds, time their
// startup and watch their memory. Progress goes to stderr; results are returned as data.

const { join } = require('node:path')
const { ServerProcess, runOnce } = require('./children')
const { runLoad } = require('./load')
const { SERVERS, SCENARIOS, serverOf, expectationOf, loadRequest } = require('./plan')
const { verifyAnswer } = require('./verify')
const { median } = require('./stats')

class BenchFailed extends Error {}

function log (message) {
  process.stderr.write(message + '\n')
}

/** Every (scenario, candidate) pair that is measured, with the server it runs on. */
function measurementPairs () {
  return SCENARIOS.flatMap((scenario) => scenario.candidates.map((candidate) => ({
    scenario,
    candidate,
    server: serverOf(scenario, candidate)
  })))
}

/**
 * Starts every candidate server, each in `replicas` processes: one process can run a few percent
 * faster or slower than its twin for the whole run (where the JIT and the OS placed it), so each
 * round measures the next replica and the medians mix them. A server that does not come up fails
 * the whole bench.
 */
async function startServers (names, replicas) {
  const servers = new Map(names.map((name) => [name, Array.from({ length: replicas }, () => new ServerProcess(name, SERVERS[name]))]))
  const started = await Promise.allSettled([...servers.values()].flat().map((server) => server.start()))
  const failures = started.filter((outcome) => outcome.status === 'rejected').map((outcome) => outcome.reason.message)
  if (failures.length > 0) throw new BenchFailed(`a server failed to start:\n  ${failures.join('\n  ')}`)
  return servers
}

/** One request per scenario, candidate and replica, checked before anything is measured. */
async function verifyAnswers (pairs, servers) {
  const problems = []
  for (const { scenario, candidate, server } of pairs) {
    for (const replica of servers.get(server)) {
      const found = await verifyAnswer(replica.port, scenario.request, expectationOf(scenario, candidate))
      for (const problem of found) problems.push(`${scenario.id} / ${candidate}: ${problem}`)
    }
  }
  if (problems.length > 0) throw new BenchFailed(`wrong answers, nothing was measured:\n  ${problems.join('\n  ')}`)
}

/** Every response of a load must have the status the checked response had, without errors. */
function checkLoad (what, load, expectedStatuses) {
  const unexpected = Object.keys(load.statuses).filter((status) => !expectedStatuses.includes(Number(status)))
  if (unexpected.length > 0 || load.errors > 0 || load.timeouts > 0 || load.responses === 0) {
    throw new BenchFailed(`${what}: under load got statuses ${JSON.stringify(load.statuses)}, ` +
      `${load.errors} errors, ${load.timeouts} timeouts (expected only ${expectedStatuses.join(', ')})`)
  }
}

async function measurePair (pair, servers, settings, duration, replica) {
  const server = servers.get(pair.server)[replica]
  await server.startMeasuring()
  const load = await runLoad({ port: server.port, requests: [loadRequest(pair.scenario)], duration, connections: settings.connections })
  const cpuMicros = await server.stopMeasuring()
  checkLoad(`${pair.scenario.id} / ${pair.candidate}`, load, [expectationOf(pair.scenario, pair.candidate).status])
  return { rps: load.rps, p99Ms: load.p99Ms, cpuUs: cpuMicros / load.responses, responses: load.responses }
}

function rotate (list, by) {
  const shift = by % list.length
  return [...list.slice(shift), ...list.slice(0, shift)]
}

/**
 * A warm-up pass over every pair and replica, then `rounds` rounds. In each round every scenario
 * loads its candidates one after another, starting one candidate later than in the round before,
 * so that no candidate always runs first or right after the same neighbour; all of a round's
 * candidates run on the round's replica.
 * Returns results[scenarioId][candidate] = one record per round.
 */
async function measureRounds (pairs, servers, settings) {
  log(`warm-up: ${pairs.length} scenario/candidate pairs, ${settings.warmup} s each`)
  for (const pair of pairs) {
    for (let replica = 0; replica < settings.replicas; replica++) await measurePair(pair, servers, settings, settings.warmup, replica)
  }

  const results = {}
  for (const scenario of SCENARIOS) results[scenario.id] = Object.fromEntries(scenario.candidates.map((candidate) => [candidate, []]))
  for (let round = 0; round < settings.rounds; round++) {
    const started = Date.now()
    for (const scenario of SCENARIOS) {
      for (const candidate of rotate(scenario.candidates, round)) {
        const pair = { scenario, candidate, server: serverOf(scenario, candidate) }
        results[scenario.id][candidate].push(await measurePair(pair, servers, settings, settings.duration, round % settings.replicas))
      }
    }
    log(`round ${round + 1}/${settings.rounds} done in ${((Date.now() - started) / 1000).toFixed(0)} s`)
  }
  return results
}

/** Startup time of bare Fastify and of ajax routes, each in fresh processes, alternating. */
async function measureStartup (settings) {
  const script = join(__dirname, '..', 'ready.js')
  const rows = []
  for (const routes of settings.startup.routes) {
    const runs = { bare: [], ajax: [] }
    for (let repeat = 0; repeat < settings.startup.repeats; repeat++) {
      for (const kind of repeat % 2 === 0 ? ['bare', 'ajax'] : ['ajax', 'bare']) {
        runs[kind].push((await runOnce(script, [kind, String(routes)], 'startup')).result)
      }
    }
    log(`startup with ${routes} routes measured`)
    const summary = (kind) => ({
      registerMs: median(runs[kind].map((run) => run.registerMs)),
      readyMs: median(runs[kind].map((run) => run.readyMs)),
      totalMs: median(runs[kind].map((run) => run.totalMs))
    })
    rows.push({ routes, bare: summary('bare'), ajax: summary('ajax') })
  }
  return rows
}

/**
 * Every scenario's request, cycled by every connection, against one ajax server (the one with
 * the many routes, so it serves every scenario): memory after forced GC once warm, and again
 * after `settings.memory.requests` more requests.
 */
async function measureMemory (settings) {
  const name = 'ajax@many'
  const server = new ServerProcess(`${name} (memory)`, { ...SERVERS[name], execArgv: ['--expose-gc'] })
  await server.start()
  try {
    const requests = SCENARIOS.map(loadRequest)
    const statuses = [...new Set(SCENARIOS.map((scenario) => expectationOf(scenario, 'ajax').status))]
    const load = async (amount) => {
      const result = await runLoad({ port: server.port, requests, amount, connections: settings.connections })
      checkLoad(`memory / ${name}`, result, statuses)
      return result
    }
    await load(settings.memory.warmup)
    const before = await server.memory()
    const run = await load(settings.memory.requests)
    const after = await server.memory()
    log(`memory: ${run.responses} requests in ${run.seconds.toFixed(1)} s`)
    return { server: name, scenarios: SCENARIOS.length, warmup: settings.memory.warmup, requests: run.responses, before, after }
  } finally {
    await server.close()
  }
}

module.exports = { BenchFailed, log, measurementPairs, startServers, verifyAnswers, measureRounds, measureStartup, measureMemory }
