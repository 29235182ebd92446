'use strict'

// Load from autocannon's programmatic API, in this (the parent) process: keep-alive connections,
// no pipelining. Requests per second and p99 come from every single response (autocannon's own
// latency histogram has whole-millisecond buckets, too coarse for sub-millisecond answers).

const autocannon = require('autocannon')

function percentile (sorted, fraction) {
  if (sorted.length === 0) return NaN
  return sorted[Math.min(sorted.length - 1, Math.ceil(fraction * sorted.length) - 1)]
}

/**
 * Sends `requests` (autocannon request objects, cycled per connection) to 127.0.0.1:port for
 * `duration` seconds, or `amount` requests in all when given.
 * Resolves with { responses, seconds, rps, p99Ms, statuses, errors, timeouts }.
 */
function runLoad ({ port, requests, duration, amount, connections }) {
  return new Promise((resolve, reject) => {
    let latencies = new Float64Array(1 << 16)
    let responses = 0
    const statuses = {}
    const started = process.hrtime.bigint()
    const instance = autocannon({
      url: `http://127.0.0.1:${port}`,
      requests,
      connections,
      pipelining: 1,
      ...(amount === undefined ? { duration } : { amount }),
      timeout: 10,
      // autocannon checks for the end of the run only at each sample tick: tick often, so that
      // a run lasts its duration and not up to a whole second more.
      sampleInt: 20
    }, (error, result) => {
      if (error) {
        reject(error)
        return
      }
      const seconds = Number(process.hrtime.bigint() - started) / 1e9
      const sorted = latencies.subarray(0, responses).sort()
      resolve({
        responses,
        seconds,
        rps: responses / seconds,
        p99Ms: percentile(sorted, 0.99),
        statuses,
        errors: result.errors,
        timeouts: result.timeouts
      })
    })
    instance.on('response', (client, statusCode, bytes, responseTime) => {
      if (responses === latencies.length) {
        const grown = new Float64Array(latencies.length * 2)
        grown.set(latencies)
        latencies = grown
      }
      latencies[responses++] = responseTime
      statuses[statusCode] = (statuses[statusCode] ?? 0) + 1
    })
  })
}

module.exports = { runLoad, percentile }
