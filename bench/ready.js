'use strict'

// Startup cost of an app with N routes, in a fresh process so that nothing is warm:
//   node bench/ready.js <bare|ajax> <routes>
// Reports over IPC (or prints, run by hand) how long registering the routes and app.ready() took.

const { performance } = require('node:perf_hooks')
const Fastify = require('fastify')
const ajaxutils = require('..')
const { HELLO } = require('./lib/fixtures')

async function measureStartup (kind, routes) {
  const started = performance.now()
  const app = Fastify({ logger: false })
  if (kind === 'ajax') await app.register(ajaxutils)
  const options = kind === 'ajax' ? { config: { ajax: true } } : {}
  const handler = async () => HELLO
  for (let n = 0; n < routes; n++) app.get(`/r/${n}`, options, handler)
  const registered = performance.now()
  await app.ready()
  const ready = performance.now()
  await app.close()
  return { registerMs: registered - started, readyMs: ready - registered, totalMs: ready - started }
}

const [kind, routes] = process.argv.slice(2)
if ((kind !== 'bare' && kind !== 'ajax') || !(Number(routes) > 0)) {
  process.stderr.write('usage: node bench/ready.js <bare|ajax> <routes>\n')
  process.exit(1)
}
measureStartup(kind, Number(routes)).then((result) => {
  if (process.send) process.send({ event: 'startup', result })
  else process.stdout.write(JSON.stringify(result) + '\n')
  process.exit(0)
}, (error) => {
  process.stderr.write(`${error.stack}\n`)
  process.exit(1)
})
