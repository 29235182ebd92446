import type { FastifyInstance, RouteOptions } from 'fastify'
import { createErrorHandler, createRouteErrorHandler } from './error-handler'
import { createCrossOriginCheck, createGuard, createLoginCheck, stageHook, SAFE_METHODS, type AnswerCheck, type AuthHook, type LoginCheck } from './checks'
import { createErrorChain } from './fastify-internals'
import { buildAjaxRoute, checkRouteOptions, checksBeforeBody, mergeCrossOrigin, mergeRouteOptions, routeMethods, routeSource, type AjaxRoute, type AjaxutilsSettings, type CanonicalRouteOptions, type CrossOriginSettings } from './options'
import { createPrepare, schemaWriter, type ResponseTools } from './reply'
import { indexAjaxRoute, indexOptedOutRoute, noteConstraints, type AppState } from './router'

type Hook = (...args: never[]) => unknown

const kInstalled = Symbol('fastify-ajaxutils.installed')
// Symbol.for: a route another copy of the plugin made ajax counts as seen.
const kSeen = Symbol.for('fastify-ajaxutils.seen')

/** The parts of Fastify's route options the plugin reads and replaces. */
interface RouteRecord {
  [key: string]: unknown
  [kInstalled]?: Installed
  /** `config.ajax` as the plugin read it, as JSON text: a later onRoute hook that changes it is caught at ready. */
  [kSeen]?: string | undefined
  method: string | string[]
  url: string
  config?: { ajax?: unknown }
  schema?: { response?: Record<string, unknown> }
  constraints?: Record<string, unknown>
  errorHandler?: Parameters<typeof createRouteErrorHandler>[0]
}

/** What one registration changed on a route, so that a nearer registration can take it back. */
interface Installed {
  prepare: { stage: string, hook: Hook }
  errorHandler: RouteRecord['errorHandler']
  onSend: Hook
  guard: { stage: string, hook: Hook } | null
  crossOriginCheck: Hook | null
  defaults: CanonicalRouteOptions | null
  auth: AuthHook | null
}

/** True once a registration made the route an ajax route with the `config.ajax` it has now. */
export function isInstalled (route: object): boolean {
  const record = route as RouteRecord
  return kSeen in record && record[kSeen] === JSON.stringify(record.config?.ajax)
}

/** A nearer registration's `all` merged over the outer defaults. */
function nestedDefaults (outer: CanonicalRouteOptions | null, nearer: CanonicalRouteOptions | null): CanonicalRouteOptions | null {
  if (outer === null || nearer === null) return nearer ?? outer
  return mergeRouteOptions(outer, nearer)
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
  if (installed.crossOriginCheck !== null) route.onRequest = without(route.onRequest, installed.crossOriginCheck)
}

const kCrossOrigin = Symbol('fastify-ajaxutils.crossOrigin')

/** A registration's cross-origin check, merged over the one its instance inherits (internal 8). */
export function registrationCrossOrigin (fastify: FastifyInstance, own: AjaxutilsSettings['csrf']): CrossOriginSettings | false {
  const holder = fastify as FastifyInstance & { [kCrossOrigin]?: CrossOriginSettings | false }
  const merged = mergeCrossOrigin(holder[kCrossOrigin], own)
  holder[kCrossOrigin] = merged
  return merged
}

interface RouteInstaller {
  settings: AjaxutilsSettings
  crossOrigin: CrossOriginSettings | false
  tools: ResponseTools
  onSend: AnswerCheck
  login: LoginCheck
  auth: AuthHook | null
  state: AppState
  knownMethods: ReadonlySet<string>
  document: (route: RouteRecord, ajax: AjaxRoute, crossOriginChecked: boolean) => void
}

/** The plugin's onRoute hook: reads `config.ajax` once and gives an ajax route its hooks and error handler. */
export function createOnRoute ({ settings, crossOrigin, tools, onSend, login, auth, state, knownMethods, document }: RouteInstaller) {
  const errorHandler = createErrorHandler(tools.writer, settings.debug)
  const errorChain = createErrorChain()
  // Outer strategies this registration checks logins with, answering with its own envelope settings.
  const inheritedLogins = new Map<AuthHook, LoginCheck>()
  function inheritedLogin (outer: AuthHook): LoginCheck {
    let check = inheritedLogins.get(outer)
    if (check === undefined) {
      check = createLoginCheck(outer, tools.writer, onSend)
      inheritedLogins.set(outer, check)
    }
    return check
  }
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
    const defaults = nestedDefaults(previous?.defaults ?? null, settings.all)
    noteConstraints(state, route.constraints)
    if (own === false) indexOptedOutRoute(state, methods, route.url)
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
    const ajax = buildAjaxRoute(ajaxOptions, source, { methods: twinOf?.methods ?? methods, headServed })

    if (previous !== undefined) uninstall(route, previous)
    // Who counts as logged in stays the outer registration's unless this one names strategies.
    const outerAuth = auth === null ? previous?.auth ?? null : null
    const routeLogin = outerAuth === null ? login : inheritedLogin(outerAuth)
    if (outerAuth !== null && checksBeforeBody(settings)) state.strategies = true
    const prepare = createPrepare(route.schema?.response !== undefined ? schemaWriter(tools) : tools.stringify, tools)
    const installed: Installed = {
      prepare: { stage: 'onRequest', hook: prepare },
      errorHandler: route.errorHandler,
      onSend,
      guard: null,
      crossOriginCheck: null,
      defaults,
      auth: outerAuth ?? auth
    }
    route.errorHandler = createRouteErrorHandler(route.errorHandler, errorHandler, errorChain, tools.writer)
    const sendHooks = hooksOf(route.onSend)
    // The twin's last onSend is Fastify's, which drops the body: ours runs before it (internal 5).
    sendHooks.splice(isHeadTwin ? sendHooks.length - 1 : sendHooks.length, 0, onSend)
    route.onSend = sendHooks
    // The reply becomes an ajax reply in the route's first hook, or right after the guard.
    if (ajax.loginRequired || ajax.allowed !== null) {
      const guard: Hook = createGuard(ajax, routeLogin, tools.writer, settings.hook)
      const hook: Hook = settings.hook === 'preParsing' ? stageHook(prepare, 'preParsing') : prepare
      route[settings.hook] = [...hooksOf(route[settings.hook]), guard, hook]
      installed.guard = { stage: settings.hook, hook: guard }
      installed.prepare = { stage: settings.hook, hook }
    } else {
      route.onRequest = [prepare, ...hooksOf(route.onRequest)]
    }
    // First of all hooks: a forged request reads no body and checks no login.
    if (crossOrigin !== false && ajaxOptions.csrf !== false && !methods.every((method) => SAFE_METHODS.has(method))) {
      installed.crossOriginCheck = createCrossOriginCheck(crossOrigin, tools.writer, methods.some((method) => SAFE_METHODS.has(method)))
      route.onRequest = [installed.crossOriginCheck, ...hooksOf(route.onRequest)]
    }
    route[kInstalled] = installed
    route[kSeen] = JSON.stringify(own)
    const earlyLogin = ajax.loginRequired && checksBeforeBody(settings)
    indexAjaxRoute(state, methods, route.url, { writer: tools.writer, allowed: ajax.allowed, login: earlyLogin ? routeLogin : null }, route.constraints)
    if (!isHeadTwin) document(route, ajax, installed.crossOriginCheck !== null)
  }
}
