import { subscribe } from 'node:diagnostics_channel'
import type { FastifyInstance, RouteOptions } from 'fastify'
import { FST_AJAX_UNSEEN_ROUTE } from './errors'
import { routeMethods } from './options'

type Route = RouteOptions & { config?: { ajax?: unknown } }

/** Every route of one app, checked at ready: an onRoute hook added later may still set `config.ajax`. */
interface Registry {
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
  instance.addHook('onRoute', function recordRoute (this: FastifyInstance, routeOptions) {
    const route = routeOptions as Route
    registry.routes.push(route)
    if (!carriesAjax(route) && !registry.plainRoutes.has(this)) registry.plainRoutes.set(this, routeName(route))
  })
  return registry
}

// The recorder becomes every new instance's first onRoute hook.
subscribe('fastify.initialization', (message) => {
  createRegistry((message as { fastify: FastifyInstance }).fastify)
})

/** The root instance of `fastify`'s app, through prototype-based contexts (internal 8). */
function rootOf (fastify: FastifyInstance): FastifyInstance {
  let root = fastify
  for (let parent = Object.getPrototypeOf(root); parent !== null && parent.server === fastify.server; parent = Object.getPrototypeOf(parent)) {
    root = parent
  }
  return root
}

/** The registry of `fastify`'s app; one created before this module loaded gets it now, at the root. */
export function registryOf (fastify: FastifyInstance): Registry {
  const registry = registries.get(fastify.server)
  if (registry !== undefined) return registry
  fastify.log.warn('fastify-ajaxutils was first loaded after this app was created: routes added before that are not checked. Import it at the top of the file that creates the app')
  return createRegistry(rootOf(fastify))
}

/** At ready, a route with `config.ajax` that no registration made ajax stops the app. */
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

/** Warns when `all: { loginRequired: true }` comes after routes it does not cover. */
export function warnUncovered (fastify: FastifyInstance, registry: Registry): void {
  const plain = registry.plainRoutes.get(fastify)
  if (plain === undefined) return
  fastify.log.warn(`fastify-ajaxutils: option all { loginRequired: true } does not cover the routes registered before the plugin in this context (${plain}, …): register the plugin first`)
}
