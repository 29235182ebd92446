'use strict'

// One candidate server in its own process. The parent talks to it over IPC:
//   start  -> remember process.cpuUsage()          -> started
//   stop   -> CPU time used since start (µs)        -> stopped
//   memory -> forced GC (needs --expose-gc), usage  -> memory
//   close  -> close the server and exit
// It exits by itself when the parent goes away, so no server outlives a bench run.

const APPS = {
  'fastify-bare': require('./apps/fastify-bare'),
  'fastify-ajax': require('./apps/fastify-ajax'),
  'fastify-default': require('./apps/fastify-default'),
  express: require('./apps/express'),
  'node-http': require('./apps/node-http')
}

process.on('disconnect', () => process.exit(0))

function reply (message) {
  if (process.connected) process.send(message)
}

function settle () {
  return new Promise((resolve) => setImmediate(resolve))
}

async function collectGarbage () {
  // Several passes with turns of the event loop between them, so that weak references and
  // finalizers released by one pass are collected by the next.
  for (let pass = 0; pass < 4; pass++) {
    global.gc()
    await settle()
  }
}

async function main () {
  const [appName, optionsJson] = process.argv.slice(2)
  const startApp = APPS[appName]
  if (startApp === undefined) throw new Error(`unknown app '${appName}'`)
  const server = await startApp(JSON.parse(optionsJson ?? '{}'))
  let cpuAtStart = null

  process.on('message', async (message) => {
    switch (message.cmd) {
      case 'start':
        cpuAtStart = process.cpuUsage()
        reply({ event: 'started' })
        break
      case 'stop': {
        const used = process.cpuUsage(cpuAtStart)
        reply({ event: 'stopped', cpuMicros: used.user + used.system })
        break
      }
      case 'memory':
        if (typeof global.gc !== 'function') {
          reply({ event: 'failed', message: 'memory needs the server started with --expose-gc' })
          break
        }
        await collectGarbage()
        reply({ event: 'memory', usage: process.memoryUsage() })
        break
      case 'close':
        await server.close()
        process.exit(0)
    }
  })
  reply({ event: 'ready', port: server.port })
}

main().catch((error) => {
  reply({ event: 'failed', message: error.stack ?? String(error) })
  process.exit(1)
})
