// Types of the demo server (server.js), for the tests that start it.
import type { FastifyInstance, FastifyServerOptions } from 'fastify'

export interface DemoOptions {
  /** Fastify's logger option. @default false (start(): warnings and errors) */
  logger?: FastifyServerOptions['logger']
  /** How long a polling task stays pending, in milliseconds. @default 3000 */
  taskMs?: number
  /** The session secret, at least 32 characters. @default random per process */
  sessionSecret?: string
}

/** Builds the demo app without listening. */
export function build (options?: DemoOptions): Promise<FastifyInstance>

/** Builds the demo and listens on PORT and HOST from `env` (default 127.0.0.1:3000), printing the URL and the demo login. */
export function start (options?: DemoOptions, env?: Record<string, string | undefined>): Promise<FastifyInstance>

/** The demo account. */
export const DEMO_USER: Readonly<{ username: string, password: string }>
