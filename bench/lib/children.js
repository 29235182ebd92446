'use strict'

// Starts candidate servers as child processes and makes sure none outlives the bench:
// every child is killed when the bench exits, is interrupted or fails.

const { fork } = require('node:child_process')
const { join } = require('node:path')

const SERVER = join(__dirname, '..', 'server.js')
const START_TIMEOUT_MS = 30_000
const REPLY_TIMEOUT_MS = 60_000

const live = new Set()

function killAll () {
  for (const child of live) {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
  }
  live.clear()
}

let installed = false

/** Kills every child on exit, on SIGINT/SIGTERM/SIGHUP and on an uncaught error. */
function installCleanup () {
  if (installed) return
  installed = true
  process.on('exit', killAll)
  for (const [signal, code] of [['SIGINT', 130], ['SIGTERM', 143], ['SIGHUP', 129]]) {
    process.on(signal, () => {
      process.stderr.write(`\nbench: ${signal}, stopping every server\n`)
      killAll()
      process.exit(code)
    })
  }
  process.on('uncaughtException', (error) => {
    process.stderr.write(`bench: ${error.stack ?? error}\n`)
    killAll()
    process.exit(1)
  })
  process.on('unhandledRejection', (error) => {
    process.stderr.write(`bench: ${error?.stack ?? error}\n`)
    killAll()
    process.exit(1)
  })
}

class ServerFailed extends Error {}

/**
 * A candidate server in its own process. `app` names a module of bench/apps, `options` go to it,
 * `execArgv` to node (`--expose-gc`, `--cpu-prof` ...).
 */
class ServerProcess {
  constructor (name, { app, options = {}, execArgv = [] }) {
    this.name = name
    this.app = app
    this.options = options
    this.execArgv = execArgv
    this.child = null
    this.port = null
    this.waiting = null
  }

  start () {
    installCleanup()
    const child = fork(SERVER, [this.app, JSON.stringify(this.options)], {
      execArgv: this.execArgv,
      stdio: ['ignore', 'inherit', 'inherit', 'ipc']
    })
    this.child = child
    live.add(child)
    child.on('message', (message) => this.receive(message))
    child.on('exit', (code, signal) => {
      live.delete(child)
      this.fail(new ServerFailed(`server '${this.name}' (${this.app}) exited unexpectedly (${signal ?? `code ${code}`})`))
    })
    child.on('error', (error) => this.fail(new ServerFailed(`server '${this.name}' could not run: ${error.message}`)))
    return this.await('ready', START_TIMEOUT_MS).then((message) => {
      this.port = message.port
      return this
    })
  }

  receive (message) {
    if (message.event === 'failed') {
      this.fail(new ServerFailed(`server '${this.name}' (${this.app}) failed: ${message.message}`))
      return
    }
    const waiting = this.waiting
    if (waiting === null || waiting.event !== message.event) return
    this.waiting = null
    clearTimeout(waiting.timer)
    waiting.resolve(message)
  }

  fail (error) {
    const waiting = this.waiting
    this.failure = this.failure ?? error
    if (waiting === null) return
    this.waiting = null
    clearTimeout(waiting.timer)
    waiting.reject(error)
  }

  await (event, timeoutMs) {
    if (this.failure !== undefined) return Promise.reject(this.failure)
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => this.fail(new ServerFailed(`server '${this.name}' did not answer '${event}' within ${timeoutMs} ms`)), timeoutMs)
      this.waiting = { event, resolve, reject, timer }
    })
  }

  ask (cmd, event) {
    if (this.failure !== undefined) return Promise.reject(this.failure)
    const answer = this.await(event, REPLY_TIMEOUT_MS)
    this.child.send({ cmd })
    return answer
  }

  /** Marks the start of a measurement: the server notes its CPU time. */
  async startMeasuring () {
    await this.ask('start', 'started')
  }

  /** Ends a measurement: the server's CPU time (user + system, µs) since startMeasuring. */
  async stopMeasuring () {
    return (await this.ask('stop', 'stopped')).cpuMicros
  }

  /** `process.memoryUsage()` of the server after forced garbage collection. */
  async memory () {
    return (await this.ask('memory', 'memory')).usage
  }

  /** Closes the server and waits for its process to end. */
  async close () {
    const child = this.child
    if (child === null || child.exitCode !== null || child.signalCode !== null) return
    this.failure = this.failure ?? new ServerFailed(`server '${this.name}' is closed`)
    const exited = new Promise((resolve) => child.once('exit', resolve))
    const timer = setTimeout(() => child.kill('SIGKILL'), 5_000)
    child.send({ cmd: 'close' })
    await exited
    clearTimeout(timer)
  }
}

/**
 * Runs a script in a child process until it sends its one message (`event` as named) and exits.
 * The child is killed with the rest if the bench stops first.
 */
function runOnce (script, args, event, timeoutMs = 120_000) {
  installCleanup()
  return new Promise((resolve, reject) => {
    const child = fork(script, args, { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] })
    live.add(child)
    let answer = null
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs)
    child.on('message', (message) => {
      if (message.event === event) answer = message
    })
    child.on('exit', (code, signal) => {
      clearTimeout(timer)
      live.delete(child)
      if (answer !== null && code === 0) resolve(answer)
      else reject(new ServerFailed(`${script} ${args.join(' ')} failed (${signal ?? `code ${code}`})`))
    })
  })
}

module.exports = { ServerProcess, ServerFailed, runOnce, installCleanup, killAll }
