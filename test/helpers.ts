import { Writable } from 'node:stream'
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify'
import type { Test } from 'tap'
import ajaxutils from '../index'

/** A new Fastify app with the plugin registered at the root, closed when the test ends. */
export async function buildApp (t: Test, options: ajaxutils.AjaxutilsOptions = {}, server: FastifyServerOptions = {}): Promise<FastifyInstance> {
  const app = Fastify(server)
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

const [major, minor] = (require('fastify/package.json') as { version: string }).version.split('.').map(Number)

/**
 * Router settings as server options: under `routerOptions` from Fastify 5.5, at the top level
 * before (the compatibility run uses Fastify 5.0).
 */
export function routerSettings (settings: Record<string, boolean | number>): FastifyServerOptions {
  return major > 5 || minor >= 5 ? { routerOptions: settings } : settings
}
