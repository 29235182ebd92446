import { subscribe } from 'node:diagnostics_channel'
import type { FastifyInstance, RouteOptions } from 'fastify'
import { FST_AJAX_UNSEEN_ROUTE } from './errors'
import { routeMethods } from './options'

/** A route as the recorder keeps it: Fastify's route options object, which every onRoute hook gets. */
type Route = RouteOptions & { config?: { ajax?: unknown } }

/** Every route of one app, checked at ready: an onRoute hook added later may still set `config.ajax`. */
export interface Registry {
  readonly routes: Route[]
  /** Per instance, the first route without `config.ajax` registered on it (for the `all` warning). */
  readonly plainRoutes: WeakMap<object, string>
  checking: boolean
}

const registries = new WeakMap<object, Registry>()

function routeName (route: Route): string {
  return `${routeMethods(route.method).join(',')} ${route.url}`
}

function carriesAjax (route: Route): boolean {
  const ajax = route.config?.ajax
  return ajax !== undefined && ajax !== false
}

function createRegistry (instance: FastifyInstance): Registry {
  const registry: Registry = { routes: [], plainRoutes: new WeakMap(), checking: false }
  registries.set(instance.server, registry)
  // Registration-time work only: requests never reach this hook.
  instance.addHook('onRoute', function recordRoute (this: FastifyInstance, routeOptions) {
    const route = routeOptions as Route
    registry.routes.push(route)
    if (!carriesAjax(route) && !registry.plainRoutes.has(this)) registry.plainRoutes.set(this, routeName(route))
  })
  return registry
}

// Fastify publishes every new instance here: the recorder is then its first onRoute hook, and sees
// the routes added before the plugin loads. An app that never registers the plugin is not checked.
subscribe('fastify.initialization', (message) => {
  createRegistry((message as { fastify: FastifyInstance }).fastify)
})

/**
 * The root instance of `fastify`'s app: Fastify makes a child context with Object.create() on its
 * parent (not public API), and all share one server. Only for an app created before this module
 * was loaded; should that change, the recorder sits on the context itself and sees less.
 */
function rootOf (fastify: FastifyInstance): FastifyInstance {
  let root = fastify
  for (let parent = Object.getPrototypeOf(root); parent !== null && parent.server === fastify.server; parent = Object.getPrototypeOf(parent)) {
    root = parent
  }
  return root
}

/**
 * The registry of `fastify`'s app. An app created before the plugin was imported (a plugin file
 * loaded by @fastify/autoload) gets its recorder now, at the root: it sees the routes added from
 * here on, not those already there.
 */
export function registryOf (fastify: FastifyInstance): Registry {
  const registry = registries.get(fastify.server)
  if (registry !== undefined) return registry
  fastify.log.warn('fastify-ajaxutils was first loaded after this app was created: routes added before that are not checked. Import it at the top of the file that creates the app')
  return createRegistry(rootOf(fastify))
}

/**
 * Once per app, when it is ready: a route that carries `config.ajax` but that no registration made
 * an ajax route stops the app, naming the route and what to change.
 */
export function checkAtReady (fastify: FastifyInstance, registry: Registry, installed: (route: object) => boolean): void {
  if (registry.checking) return
  registry.checking = true
  fastify.addHook('onReady', async function checkAjaxRoutes () {
    const unseen = registry.routes.filter((route) => carriesAjax(route) && !installed(route)).map(routeName)
    registry.routes.length = 0
    if (unseen.length === 0) return
    // Fastify adds a HEAD route for each GET one: name the route the user wrote.
    const named = unseen.filter((name) => !(name.startsWith('HEAD ') && unseen.includes(`GET ${name.slice(5)}`)))
    const subject = named.length === 1 ? `route ${named[0]} has` : `routes ${named.join(', ')} have`
    throw new FST_AJAX_UNSEEN_ROUTE(subject, named.length === 1 ? 'it' : 'them')
  })
}

/**
 * Warns when `all: { loginRequired: true }` is registered on an instance that already has routes
 * without `config.ajax`: `all` covers only the routes added after it.
 */
export function warnUncovered (fastify: FastifyInstance, registry: Registry): void {
  const plain = registry.plainRoutes.get(fastify)
  if (plain === undefined) return
  fastify.log.warn(`fastify-ajaxutils: option all { loginRequired: true } does not cover the routes registered before the plugin in this context (${plain}, …): register the plugin first`)
}
