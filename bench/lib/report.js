'use strict'

// The bench's output: markdown tables, all ratios from the same run.

const { CANDIDATES, SCENARIOS, MANY_ROUTES } = require('./plan')
const { versus, routeGrowth, x, pct, mb } = require('./analyze')

const NOISE_RULE = [
  'Noise rule: the A/A pair is two identical hand-written Fastify servers, measured like every other',
  'candidate. Its paired ratio (the median over rounds of the per-round ratio) should be 1.00; the',
  'noise floor of a metric is its largest distance from 1.00 over the scenarios. A run whose floor for',
  'req/s or CPU/request exceeds the limit (3 % for a full run, whose tightest targets are 0.97× and',
  '1.03×; 15 % for `--quick`) is refused with exit code 2 and no result tables. Inside a valid run,',
  '"within noise" means no further from 1.00 than that floor.'
].join('\n')

function table (header, rows) {
  const line = (cells) => `| ${cells.join(' | ')} |`
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n')
}

function int (value) {
  return Math.round(value).toLocaleString('en')
}

function ms (value) {
  return value.toFixed(2)
}

function header (context) {
  const { machine, settings, command } = context
  return [
    `Command: \`${command}\` (${settings.quick ? 'quick' : 'full'} run, ${context.finished}), ` +
      `plugin at ${machine.revision}`,
    '',
    `Machine: ${machine.cores} cores (\`nproc\`: ${machine.nproc}), ${machine.cpu}, ${machine.memoryGb} GB RAM, ` +
      `${machine.os}; Node ${machine.node}; fastify ${machine.versions.fastify}, express ${machine.versions.express}, ` +
      `autocannon ${machine.versions.autocannon}. Load average ${machine.loadBefore} before, ${machine.loadAfter} after.`,
    '',
    `Load: autocannon in the bench process, ${settings.connections} keep-alive connections, no pipelining; ` +
      `every server in ${settings.replicas === 1 ? 'its own process' : `${settings.replicas} processes of its own, each round measuring the next one (one process can run a few percent off its twin for a whole run)`} on 127.0.0.1; ` +
      `a ${settings.warmup} s warm-up per server process and scenario, ` +
      `then ${settings.rounds} rounds of ${settings.duration} s per candidate and scenario, candidates rotated ` +
      'each round; medians over rounds, ratios paired by round. The load generator and the servers share ' +
      'the machine\'s cores (no pinning is possible here), so req/s is partly bounded by autocannon ' +
      'itself; CPU/request is measured inside each server and is the sharper measure.',
    ...(settings.quick
      ? ['', '**Quick run**: few short rounds and a 15 % noise limit; indicative only, too coarse to decide ' +
        'the 3 % targets. Use the full run (`npm run bench`) for claims.']
      : [])
  ].join('\n')
}

function noiseTable (scenarios, noise) {
  const rows = Object.values(scenarios)
    .filter(({ rows }) => rows['bare-aa'] !== undefined)
    .map(({ scenario, rows }) => {
      const aa = rows['bare-aa']
      const spread = (metric) => {
        const ratios = aa.rounds.map((round, index) => round[metric] / rows.bare.rounds[index][metric])
        return `${Math.min(...ratios).toFixed(2)}–${Math.max(...ratios).toFixed(2)}`
      }
      return [scenario.id, x(aa.rpsRatio), spread('rps'), x(aa.cpuRatio), spread('cpuUs')]
    })
  return [
    `Noise floor (A/A): req/s ${pct(noise.rps)}, CPU/request ${pct(noise.cpu)}; limit ${pct(noise.limit)}.`,
    '',
    table(['scenario', 'A/A req/s', 'per round', 'A/A CPU/request', 'per round'], rows)
  ].join('\n')
}

function headlineTable (scenarios) {
  const rows = SCENARIOS.map(({ id, title }) => {
    const { rows } = scenarios[id]
    const notAjax = rows['not-ajax']
    const express = versus(scenarios, id, 'ajax', 'express')
    return [
      title,
      x(rows.ajax.rpsRatio),
      x(rows.ajax.cpuRatio),
      notAjax === undefined ? '–' : x(notAjax.rpsRatio),
      notAjax === undefined ? '–' : x(notAjax.cpuRatio),
      `${x(express.rps)} / ${x(1 / express.cpu)}`,
      rows['bare-aa'] === undefined ? '–' : `${x(rows['bare-aa'].rpsRatio)} / ${x(rows['bare-aa'].cpuRatio)}`
    ]
  })
  return table([
    'scenario',
    'ajax req/s ÷ bare',
    'ajax CPU/req ÷ bare',
    'not-ajax req/s ÷ bare',
    'not-ajax CPU/req ÷ bare',
    'ajax vs Express (req/s, CPU)',
    'A/A (req/s, CPU)'
  ], rows)
}

function targetsTable (targets) {
  const met = targets.filter((target) => target.met).length
  return [
    `${met} of ${targets.length} targets met.`,
    '',
    table(['target', 'measured', 'required', 'met'], targets.map((target) => [
      target.target, target.measured, target.required, target.met ? 'yes' : '**NO**'
    ]))
  ].join('\n')
}

function scenarioTables (scenarios) {
  return SCENARIOS.map(({ id, title }) => {
    const { rows } = scenarios[id]
    const reference = id === 'many-routes' ? `bare Fastify with ${MANY_ROUTES} routes` : 'bare Fastify'
    return [
      `### ${title}`,
      '',
      table(['candidate', 'req/s', `× ${reference}`, 'p99 (ms)', '×', 'CPU µs/request', '×'],
        Object.entries(rows).map(([candidate, row]) => [
          CANDIDATES[candidate], int(row.rps), x(row.rpsRatio), ms(row.p99Ms), x(row.p99Ratio), row.cpuUs.toFixed(1), x(row.cpuRatio)
        ]))
    ].join('\n')
  }).join('\n\n')
}

function growthTable (scenarios) {
  const growth = routeGrowth(scenarios)
  return table(['candidate', `req/s, ${MANY_ROUTES} routes ÷ 1 route`, `CPU/request, ${MANY_ROUTES} routes ÷ 1 route`],
    Object.entries(growth).map(([candidate, ratio]) => [CANDIDATES[candidate], x(ratio.rps), x(ratio.cpu)]))
}

function startupTable (startup) {
  return table(['routes', 'bare: routes + ready() (ms)', 'ajax: routes + ready() (ms)', '×', 'bare: ready() (ms)', 'ajax: ready() (ms)', '×'],
    startup.map(({ routes, bare, ajax }) => [
      int(routes), int(bare.totalMs), int(ajax.totalMs), x(ajax.totalMs / bare.totalMs),
      int(bare.readyMs), int(ajax.readyMs), x(ajax.readyMs / bare.readyMs)
    ]))
}

function memoryTable (memory) {
  const row = (name, key) => [name, mb(memory.before[key]), mb(memory.after[key]), mb(memory.after[key] - memory.before[key])]
  return [
    `${memory.requests.toLocaleString('en')} requests cycling through all ${memory.scenarios} scenarios on one ajax server ` +
      `(\`${memory.server}\`), after a ${memory.warmup.toLocaleString('en')}-request warm-up; memory read after forced GC ` +
      '(`--expose-gc`, four passes).',
    '',
    table(['', 'after warm-up', `after ${memory.requests.toLocaleString('en')} more`, 'growth'], [
      row('RSS', 'rss'), row('heap used', 'heapUsed'), row('external', 'external')
    ])
  ].join('\n')
}

function fullReport (context) {
  const { scenarios, noise, targets, startup, memory } = context
  return [
    '# Benchmark results',
    '',
    header(context),
    '',
    '## Headline: ratios against bare Fastify from the same run',
    '',
    'Ratios above 1.00× mean more req/s or more CPU per request than the hand-written bare Fastify app ' +
      'answering the same request; "ajax vs Express" is how many times the ajax route\'s req/s (and how ' +
      'many times less CPU per request) Express 5 achieves.',
    '',
    headlineTable(scenarios),
    '',
    '## Targets',
    '',
    targetsTable(targets),
    '',
    '## Noise',
    '',
    noiseTable(scenarios, noise),
    '',
    NOISE_RULE,
    '',
    '## Every scenario',
    '',
    scenarioTables(scenarios),
    '',
    `## Route count: per-request cost with ${MANY_ROUTES} routes against one`,
    '',
    growthTable(scenarios),
    '',
    '## Startup: registering the routes and `app.ready()`',
    '',
    `Each a fresh process, median of ${context.settings.startup.repeats}; \`bench/ready.js\`.`,
    '',
    startupTable(startup),
    '',
    '## Memory',
    '',
    memoryTable(memory),
    ''
  ].join('\n')
}

function noisyReport (context) {
  return [
    '# Benchmark refused: the run was too noisy',
    '',
    header(context),
    '',
    noiseTable(context.scenarios, context.noise),
    '',
    NOISE_RULE,
    '',
    'Nothing else is reported: on this run two identical servers differed by more than the limit, so no ' +
      'ratio from it can be trusted to that precision. Rerun on a quieter machine (or with fewer other ' +
      'processes running).',
    ''
  ].join('\n')
}

module.exports = { fullReport, noisyReport, NOISE_RULE }
