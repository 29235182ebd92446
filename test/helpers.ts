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
