'use strict'

// From per-round records to ratios, the run's noise floor and the targets.

const { SCENARIOS } = require('./plan')
const { pairedRatio, medianOf } = require('./stats')

const MB = 1024 * 1024
const MEMORY_LIMIT = 5 * MB
const SUCCESS_PATHS = ['success', 'post-json', 'schema', 'many-routes']
const ERROR_PATHS = ['unauthorized', 'not-found', 'method-route', 'method-router', 'error']

/** Medians and ratios against the scenario's reference (bare Fastify on the same server kind). */
function summarize (results) {
  const scenarios = {}
  for (const scenario of SCENARIOS) {
    const runs = results[scenario.id]
    const reference = runs.bare
    const rows = {}
    for (const candidate of scenario.candidates) {
      const rounds = runs[candidate]
      rows[candidate] = {
        rps: medianOf(rounds, 'rps'),
        p99Ms: medianOf(rounds, 'p99Ms'),
        cpuUs: medianOf(rounds, 'cpuUs'),
        rpsRatio: pairedRatio(rounds, reference, 'rps'),
        p99Ratio: pairedRatio(rounds, reference, 'p99Ms'),
        cpuRatio: pairedRatio(rounds, reference, 'cpuUs'),
        rounds
      }
    }
    scenarios[scenario.id] = { scenario, rows }
  }
  return scenarios
}

/**
 * The noise floor: how far the A/A pair (two identical servers) strays from 1.00, at worst over
 * the scenarios, per metric. A run whose floor exceeds `limit` is refused.
 */
function noiseFloor (scenarios, limit) {
  const pairs = Object.values(scenarios).filter(({ rows }) => rows['bare-aa'] !== undefined)
  const deviation = (metric) => Math.max(...pairs.map(({ rows }) => Math.abs(rows['bare-aa'][metric] - 1)))
  const rps = deviation('rpsRatio')
  const cpu = deviation('cpuRatio')
  return { rps, cpu, limit, ok: rps <= limit && cpu <= limit }
}

/** How `candidate` compares with `other` in one scenario: paired ratios of req/s and CPU. */
function versus (scenarios, scenarioId, candidate, other) {
  const { rows } = scenarios[scenarioId]
  return {
    rps: pairedRatio(rows[candidate].rounds, rows[other].rounds, 'rps'),
    cpu: pairedRatio(rows[candidate].rounds, rows[other].rounds, 'cpuUs')
  }
}

/** Per-request cost of the many-routes app relative to the one-route app, per candidate. */
function routeGrowth (scenarios) {
  const many = scenarios['many-routes'].rows
  const one = scenarios.success.rows
  return Object.fromEntries(Object.keys(many).map((candidate) => [candidate, {
    rps: pairedRatio(many[candidate].rounds, one[candidate].rounds, 'rps'),
    cpu: pairedRatio(many[candidate].rounds, one[candidate].rounds, 'cpuUs')
  }]))
}

function x (value) {
  return `${value.toFixed(2)}×`
}

function pct (value) {
  return `${(value * 100).toFixed(1)} %`
}

/** Each target as { target, measured, required, met }. */
function evaluateTargets (scenarios, noise, memory) {
  const targets = []
  const add = (target, measured, required, met) => targets.push({ target, measured, required, met })

  for (const id of SUCCESS_PATHS) {
    const { rpsRatio, cpuRatio } = scenarios[id].rows.ajax
    add(`${id}: ajax req/s vs bare Fastify`, x(rpsRatio), '≥ 0.97×', rpsRatio >= 0.97)
    add(`${id}: ajax CPU/request vs bare Fastify`, x(cpuRatio), '≤ 1.03×', cpuRatio <= 1.03)
  }

  const notAjax = scenarios.success.rows['not-ajax']
  add('success: plugin registered, route not ajax, req/s vs bare', x(notAjax.rpsRatio), `1.00× ± ${pct(noise.rps)} (A/A)`,
    Math.abs(notAjax.rpsRatio - 1) <= noise.rps)
  add('success: plugin registered, route not ajax, CPU/request vs bare', x(notAjax.cpuRatio), `1.00× ± ${pct(noise.cpu)} (A/A)`,
    Math.abs(notAjax.cpuRatio - 1) <= noise.cpu)

  for (const id of ERROR_PATHS) {
    const others = scenarios[id].rows.default === undefined ? ['bare'] : ['bare', 'default']
    for (const other of others) {
      const name = other === 'bare' ? 'bare Fastify' : 'Fastify default error handler'
      const ratio = versus(scenarios, id, 'ajax', other)
      add(`${id}: ajax req/s vs ${name}`, x(ratio.rps), `≥ ${x(1 - noise.rps)} (1 − A/A)`, ratio.rps >= 1 - noise.rps)
      add(`${id}: ajax CPU/request vs ${name}`, x(ratio.cpu), `≤ ${x(1 + noise.cpu)} (1 + A/A)`, ratio.cpu <= 1 + noise.cpu)
    }
  }

  // Measured req/s is capped by the load generator sharing the cores; server capacity (the
  // inverse of CPU per request) is what the server itself could do. Both are reported.
  for (const { id } of SCENARIOS) {
    const ratio = versus(scenarios, id, 'ajax', 'express')
    add(`${id}: ajax req/s vs Express 5`, x(ratio.rps), '≥ 3×', ratio.rps >= 3)
    add(`${id}: ajax capacity (1 / CPU per request) vs Express 5`, x(1 / ratio.cpu), '≥ 3×', 1 / ratio.cpu >= 3)
  }

  // The plugin's overhead with 1,000 ajax routes must be no larger than with one. Both sides are
  // ratios of two servers, each as noisy as the A/A pair, so their difference may stray twice as far.
  const overheadOne = scenarios.success.rows.ajax.cpuRatio
  const overheadMany = scenarios['many-routes'].rows.ajax.cpuRatio
  add('many-routes: ajax CPU/request overhead vs the one-route app', `${x(overheadMany)} vs ${x(overheadOne)}`,
    `≤ ${x(overheadOne + 2 * noise.cpu)} (one-route + 2 × A/A)`, overheadMany <= overheadOne + 2 * noise.cpu)

  if (memory !== null) {
    const rss = memory.after.rss - memory.before.rss
    const heap = memory.after.heapUsed - memory.before.heapUsed
    add(`memory: RSS growth over ${memory.requests.toLocaleString('en')} requests`, mb(rss), '≤ 5 MB', rss <= MEMORY_LIMIT)
    add(`memory: heap growth over ${memory.requests.toLocaleString('en')} requests`, mb(heap), '≤ 5 MB', heap <= MEMORY_LIMIT)
  }
  return targets
}

function mb (bytes) {
  return `${(bytes / MB).toFixed(2)} MB`
}

module.exports = { summarize, noiseFloor, versus, routeGrowth, evaluateTargets, x, pct, mb }
