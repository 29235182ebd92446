'use strict'

function median (values) {
  const sorted = [...values].sort((a, b) => a - b)
  const middle = sorted.length >> 1
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
}

/**
 * The median over rounds of the per-round ratio a/b. Pairing by round cancels drift that hits
 * both sides of a round alike (another process waking up, thermal or frequency changes).
 */
function pairedRatio (a, b, metric) {
  return median(a.map((round, index) => round[metric] / b[index][metric]))
}

function medianOf (rounds, metric) {
  return median(rounds.map((round) => round[metric]))
}

module.exports = { median, pairedRatio, medianOf }
