import type { FastifyInstance, RouteOptions } from 'fastify'
import { chainErrorHandlers, createErrorHandler } from './error-handler'
import { createGuard, stageHook, type LoginCheck } from './checks'
import { buildAjaxRoute, checkRouteOptions, checksBeforeBody, mergeRouteOptions, routeMethods, routeSource, type AjaxRoute, type AjaxutilsSettings, type CanonicalRouteOptions } from './options'
import { createPrepare, schemaWriter, type ResponseTools } from './reply'
import { indexAjaxRoute, type AppState } from './router'

type Hook = (...args: never[]) => unknown

const kInstalled = Symbol('fastify-ajaxutils.installed')

/** The parts of Fastify's route options the plugin reads and replaces. */
interface RouteRecord {
  [key: string]: unknown
  [kInstalled]?: Installed
  method: string | string[]
  url: string
  config?: { ajax?: unknown }
  schema?: { response?: Record<string, unknown> }
  errorHandler?: Parameters<typeof chainErrorHandlers>[0]
}

/** What one registration changed on a route, so that a nearer registration can take it back. */
interface Installed {
  prepare: { stage: string, hook: Hook }
  errorHandler: RouteRecord['errorHandler']
  onSend: Hook
  guard: { stage: string, hook: Hook } | null
  /** The `all` defaults the route was made ajax with, for nearer registrations without `all`. */
  defaults: CanonicalRouteOptions | null
}

function hooksOf (value: unknown): Hook[] {
  if (value === undefined || value === null) return []
  return Array.isArray(value) ? [...value] : [value as Hook]
}

function without (hooks: unknown, hook: Hook): Hook[] {
  return hooksOf(hooks).filter((candidate) => candidate !== hook)
}

function uninstall (route: RouteRecord, installed: Installed): void {
  route[installed.prepare.stage] = without(route[installed.prepare.stage], installed.prepare.hook)
  route.errorHandler = installed.errorHandler
  route.onSend = without(route.onSend, installed.onSend)
  if (installed.guard !== null) route[installed.guard.stage] = without(route[installed.guard.stage], installed.guard.hook)
}

export interface RouteInstaller {
  settings: AjaxutilsSettings
  tools: ResponseTools
  /** The registration's onSend hook, last of every ajax route's. */
  onSend: Hook
  login: LoginCheck
  state: AppState
  knownMethods: ReadonlySet<string>
  /** Records the route's error answers for the OpenAPI document. */
  document: (route: RouteRecord, ajax: AjaxRoute) => void
}

/**
 * The plugin's onRoute hook: reads `config.ajax` once, checks and normalizes it, and gives an ajax
 * route its serializer hook, error handler, onSend hook and (when it restricts anything) its guard.
 * Nothing is decided per request that can be decided here.
 */
export function createOnRoute ({ settings, tools, onSend, login, state, knownMethods, document }: RouteInstaller) {
  const errorHandler = createErrorHandler(tools.writer, settings.debug)
  // Fastify registers the HEAD twin of a GET route right after it, from the same options.
  let lastGet: { url: string, config: unknown, methods: readonly string[] } | null = null

  return function ajaxOnRoute (this: FastifyInstance, routeOptions: RouteOptions): void {
    const route = routeOptions as unknown as RouteRecord
    const methods = routeMethods(route.method)
    const twinOf = route.method === 'HEAD' && lastGet !== null && lastGet.url === route.url && lastGet.config === route.config ? lastGet : null
    const isHeadTwin = twinOf !== null
    lastGet = methods.includes('GET') ? { url: route.url, config: route.config, methods } : null

    const previous = route[kInstalled]
    const own = route.config?.ajax
    const defaults = settings.all ?? previous?.defaults ?? null
    if (own === false || (own === undefined && defaults === null)) return

    const source = routeSource(`${methods.join(',')} ${route.url}`)
    let ajaxOptions: CanonicalRouteOptions
    if (own === undefined || own === true) ajaxOptions = defaults ?? {}
    else {
      const checked = checkRouteOptions(own, source, knownMethods)
      ajaxOptions = defaults === null ? checked : mergeRouteOptions(defaults, checked)
    }
    const headServed = isHeadTwin || methods.includes('HEAD') ||
      (methods.includes('GET') && (route.exposeHeadRoute ?? (this.initialConfig as { exposeHeadRoutes?: boolean }).exposeHeadRoutes) !== false)
    // The twin answers HEAD for its GET route, with that route's settings and `Allow`.
    const ajax = buildAjaxRoute(ajaxOptions, source, { methods: twinOf?.methods ?? methods, headServed })

    if (previous !== undefined) uninstall(route, previous)
    const prepare = createPrepare(route.schema?.response !== undefined ? schemaWriter(tools) : tools.stringify, tools)
    const installed: Installed = {
      prepare: { stage: 'onRequest', hook: prepare },
      errorHandler: route.errorHandler,
      onSend,
      guard: null,
      defaults
    }
    route.errorHandler = route.errorHandler === undefined ? errorHandler : chainErrorHandlers(route.errorHandler, errorHandler)
    const sendHooks = hooksOf(route.onSend)
    // The twin's last onSend is Fastify's, which measures the body and drops it: ours must run first.
    sendHooks.splice(isHeadTwin ? sendHooks.length - 1 : sendHooks.length, 0, onSend)
    route.onSend = sendHooks
    // The reply becomes an ajax reply in the route's first hook, so that whatever is sent from then
    // on is the plugin's to write before any onSend hook; with a guard, right after it: a login
    // strategy that answers by itself is told apart by the type its answer sets.
    if (ajax.loginRequired || ajax.allowed !== null) {
      const guard: Hook = createGuard(ajax, login, tools.writer, settings.hook)
      const hook: Hook = settings.hook === 'preParsing' ? stageHook(prepare, 'preParsing') : prepare
      route[settings.hook] = [...hooksOf(route[settings.hook]), guard, hook]
      installed.guard = { stage: settings.hook, hook: guard }
      installed.prepare = { stage: settings.hook, hook }
    } else {
      route.onRequest = [prepare, ...hooksOf(route.onRequest)]
    }
    route[kInstalled] = installed
    const earlyLogin = ajax.loginRequired && checksBeforeBody(settings)
    indexAjaxRoute(state, methods, route.url, { writer: tools.writer, allowed: ajax.allowed, login: earlyLogin ? login : null })
    if (!isHeadTwin) document(route, ajax)
  }
}
