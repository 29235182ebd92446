import { connect } from 'node:net'
import { Writable } from 'node:stream'
import Fastify, { type FastifyInstance, type FastifyServerOptions, type InjectOptions, type LightMyRequestResponse } from 'fastify'
import type { Test } from 'tap'
import ajaxutils from '../index'

/** A new Fastify app with the plugin registered at the root, closed when the test ends. */
export async function buildApp (t: Test, options: ajaxutils.AjaxutilsOptions = {}, server: FastifyServerOptions = {}): Promise<FastifyInstance> {
  // A copy: Fastify 5.0 writes its resolved settings (the logger instance too) back into the object.
  const app = Fastify({ ...server })
  t.teardown(() => app.close())
  await app.register(ajaxutils, options)
  return app
}

export const JSON_TYPE = 'application/json; charset=utf-8'

/** A pino destination that keeps every log entry, parsed. */
export function logCapture (): { stream: Writable, entries: Array<Record<string, any>> } {
  const entries: Array<Record<string, any>> = []
  const stream = new Writable({
    write (chunk, _encoding, done) {
      for (const line of chunk.toString().split('\n')) if (line !== '') entries.push(JSON.parse(line))
      done()
    }
  })
  return { stream, entries }
}

/** The installed Fastify: the locked one, or the oldest supported one in the compatibility run (.ci/compat.sh). */
export const FASTIFY_VERSION = (require('fastify/package.json') as { version: string }).version

const [major, minor, patch] = FASTIFY_VERSION.split('.').map((part) => Number.parseInt(part, 10))

/** True when the installed Fastify is `version` (`'5.8.0'`) or newer. */
export function fastifyAtLeast (version: string): boolean {
  const [wantMajor, wantMinor, wantPatch] = version.split('.').map(Number)
  if (major !== wantMajor) return major > wantMajor
  if (minor !== wantMinor) return minor > wantMinor
  return patch >= wantPatch
}

/**
 * Router settings as server options: under `routerOptions` from Fastify 5.5, at the top level
 * before (the compatibility run uses Fastify 5.0).
 */
export function routerSettings (settings: Record<string, boolean | number>): FastifyServerOptions {
  return fastifyAtLeast('5.5.0') ? { routerOptions: settings } : settings
}

/**
 * What Fastify itself answers to `request`: a new app of the installed version, without the plugin,
 * with the routes `setup` adds and the same server options. Fastify's own messages and its answers
 * to malformed URLs change between 5.x minors; a test compares the plugin's answer with this one
 * instead of writing one version's text down.
 */
export async function bareAnswer (t: Test, setup: (app: FastifyInstance) => void | Promise<void>, request: InjectOptions | string, server: FastifyServerOptions = {}): Promise<LightMyRequestResponse> {
  const bare = Fastify({ ...server })
  t.teardown(() => bare.close())
  await setup(bare)
  return bare.inject(request)
}

/** What a request must get: its status, content type (JSON's unless said) and exact body. */
export interface ExpectedAnswer {
  status: number
  body: string
  type?: string
  /** Further headers it must carry; `undefined` for one it must not. */
  headers?: Record<string, string | undefined>
}

/** Sends `url` to `app` and checks the whole answer against `expected`. */
export async function expectAnswer (t: Test, app: FastifyInstance, url: string, expected: ExpectedAnswer): Promise<void> {
  const res = await app.inject(url)
  t.equal(res.statusCode, expected.status, `${url}: status`)
  t.equal(res.headers['content-type'], expected.type ?? JSON_TYPE, `${url}: content type`)
  for (const [name, value] of Object.entries(expected.headers ?? {})) t.equal(res.headers[name], value, `${url}: ${name}`)
  t.equal(res.body, expected.body, `${url}: body`)
}

export interface RawResponse {
  status: number
  /** By lower-case name; a repeated header keeps its last value. */
  headers: Record<string, string>
  body: string
}

/**
 * One HTTP/1.1 request written by hand over a real socket, its head lines exactly as given (a
 * method, a path or a repeated header no client would send), then `body`.
 */
export function rawRequest (port: number, lines: string[], body = ''): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1')
    socket.on('connect', () => socket.write([...lines, 'Connection: close'].join('\r\n') + '\r\n\r\n' + body))
    let text = ''
    socket.setEncoding('latin1')
    socket.on('data', (chunk: string) => { text += chunk })
    socket.on('error', reject)
    socket.on('end', () => {
      const split = text.indexOf('\r\n\r\n')
      const [statusLine, ...headerLines] = text.slice(0, split).split('\r\n')
      const headers: Record<string, string> = {}
      for (const line of headerLines) {
        const colon = line.indexOf(':')
        headers[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).trim()
      }
      resolve({ status: Number(statusLine.split(' ')[1]), headers, body: text.slice(split + 4) })
    })
  })
}
