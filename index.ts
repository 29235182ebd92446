import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import { buildAuthHook, createLoginCheck } from './lib/checks'
import { createEnvelopeWriter } from './lib/envelope'
import { createContentTypeReader } from './lib/fastify-internals'
import { parse, stringify } from './lib/json'
import { addEnvelopeSchemas, ajaxErrorSchema as ajaxErrorJsonSchema, createOpenApiDocs } from './lib/openapi'
import { checksBeforeBody, normalizePluginOptions } from './lib/options'
import { createOnSend, Http404 as Http404Class, JsonResponse as JsonResponseClass } from './lib/reply'
import { checkAtReady, registryOf, warnUncovered } from './lib/registry'
import { createOnRoute, isInstalled, registrationCrossOrigin } from './lib/route'
import { answerUnknownUrls, appState, installUnmatchedChecks } from './lib/router'
// Imported under names no other plugin's augmentation of 'fastify' can shadow (@fastify/helmet
// declares a RouteOptions there, which a plain alias would resolve to).
import type {
  AjaxAuthStrategy as AjaxutilsAuthStrategy,
  AjaxCheckHook as AjaxutilsCheckHook,
  AjaxErrorBody as AjaxutilsErrorBody,
  AjaxRouteConfig as AjaxutilsRouteConfig,
  AjaxRouteOptions as AjaxutilsRouteOptions,
  AjaxutilsOptions as AjaxutilsPluginOptions
} from './lib/types'
import { ajaxError as ajaxErrorValue, sendAsIs as sendAsIsTuple } from './lib/types'

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Makes the route an ajax route: `true`, `false` (opt out of `all`) or its options. */
    ajax?: AjaxutilsRouteConfig
  }
}

/** The JSON writer and reader the plugin uses (the seed's `from ajaxutils import json`). */
const jsonTools = Object.freeze({ stringify, parse })

async function ajaxutils (fastify: FastifyInstance, options: AjaxutilsPluginOptions): Promise<void> {
  const knownMethods = new Set(fastify.supportedMethods)
  const settings = normalizePluginOptions(options, knownMethods)
  const writer = createEnvelopeWriter(settings)
  const auth = settings.authenticate === null ? null : await buildAuthHook(fastify, settings.authenticate, settings.relation)
  const state = appState(fastify)
  const registry = registryOf(fastify)
  checkAtReady(fastify, registry, isInstalled)
  if (settings.all?.loginRequired === true) warnUncovered(fastify, registry)

  const tools = { writer, stringify: settings.stringify, contentTypeOf: createContentTypeReader() }
  const onSend = createOnSend(tools)
  const login = createLoginCheck(auth, writer, onSend)
  if (auth !== null && checksBeforeBody(settings)) state.strategies = true
  if (settings.all !== null) answerUnknownUrls(fastify, state, writer)
  installUnmatchedChecks(fastify, state)
  addEnvelopeSchemas(fastify)
  fastify.addHook('onRoute', createOnRoute({
    settings,
    crossOrigin: registrationCrossOrigin(fastify, settings.csrf),
    tools,
    onSend,
    login,
    auth,
    state,
    knownMethods,
    document: createOpenApiDocs(fastify, auth !== null)
  }))
}

fp(ajaxutils, { fastify: '5.x', name: 'fastify-ajaxutils' })

declare namespace ajaxutils {
  export type AjaxRouteOptions = AjaxutilsRouteOptions
  export type AjaxutilsOptions = AjaxutilsPluginOptions
  export type AjaxErrorBody<E = string> = AjaxutilsErrorBody<E>
  export type AjaxAuthStrategy = AjaxutilsAuthStrategy
  export type AjaxCheckHook = AjaxutilsCheckHook
  export type AjaxRouteConfig = AjaxutilsRouteConfig
  export {
    ajaxutils, ajaxutils as default, JsonResponseClass as JsonResponse, Http404Class as Http404, jsonTools as json,
    ajaxErrorJsonSchema as ajaxErrorSchema, ajaxErrorValue as ajaxError, sendAsIsTuple as sendAsIs
  }
}

// require() gets the plugin itself; default and named exports hang off it for import and TypeScript.
Object.assign(ajaxutils, {
  default: ajaxutils,
  ajaxutils,
  JsonResponse: JsonResponseClass,
  Http404: Http404Class,
  json: jsonTools,
  ajaxErrorSchema: ajaxErrorJsonSchema,
  ajaxError: ajaxErrorValue,
  sendAsIs: sendAsIsTuple
})

export = ajaxutils
