'use strict'

// Who is measured on what: the candidate servers, the scenarios, and what each must answer.

const { HELLO, TYPED, POSTED, SECRET, PATHS, manyPath, envelope } = require('./fixtures')

const MANY_ROUTES = 1000
const JSON_TYPE = 'application/json; charset=utf-8'
const GET_ONLY = 'GET, HEAD'

/** Each candidate's server process: a module of bench/apps and its options. */
const SERVERS = {
  bare: { app: 'fastify-bare' },
  'bare-aa': { app: 'fastify-bare' },
  ajax: { app: 'fastify-ajax' },
  'not-ajax': { app: 'fastify-bare', options: { plugin: true } },
  default: { app: 'fastify-default' },
  express: { app: 'express' },
  node: { app: 'node-http' },
  'bare@many': { app: 'fastify-bare', options: { manyRoutes: MANY_ROUTES } },
  'ajax@many': { app: 'fastify-ajax', options: { manyRoutes: MANY_ROUTES } },
  'express@many': { app: 'express', options: { manyRoutes: MANY_ROUTES } },
  'node@many': { app: 'node-http', options: { manyRoutes: MANY_ROUTES } }
}

const CANDIDATES = {
  bare: 'Fastify, hand-written (reference)',
  'bare-aa': 'Fastify, hand-written: A/A twin',
  ajax: 'Fastify + ajaxutils, `config.ajax`',
  'not-ajax': 'Fastify + ajaxutils registered, route not ajax',
  default: 'Fastify, default error handler',
  express: 'Express 5',
  node: 'node:http (floor)'
}

const EVERYONE = ['bare', 'bare-aa', 'ajax', 'not-ajax', 'express', 'node']
const WITH_DEFAULT = ['bare', 'bare-aa', 'ajax', 'not-ajax', 'default', 'express', 'node']

const fastifyDefaultBody = (status, error, message) => ({ statusCode: status, error, message })

/**
 * A scenario: one request, sent over and over, and the answer every candidate must give.
 * `expectFor` holds a candidate's own (different but correct) answer; `servers` maps a candidate
 * to the server it is measured on when that is not the candidate's own.
 */
const SCENARIOS = [
  {
    id: 'success',
    title: 'success: 200 JSON',
    request: { method: 'GET', path: PATHS.success },
    expect: { status: 200, body: HELLO },
    candidates: EVERYONE
  },
  {
    id: 'unauthorized',
    title: '`loginRequired`, anonymous: 401',
    request: { method: 'GET', path: PATHS.private },
    expect: { status: 401, body: envelope('Unauthorized') },
    candidates: EVERYONE
  },
  {
    id: 'not-found',
    title: '`throw new Http404()`: 404',
    request: { method: 'GET', path: PATHS.missing },
    expect: { status: 404, body: envelope('Not found') },
    expectFor: { default: { status: 404, body: fastifyDefaultBody(404, 'Not Found', 'Not found') } },
    candidates: WITH_DEFAULT
  },
  {
    id: 'method-route',
    title: 'wrong method, route-level (`requireGET`): 405',
    request: { method: 'POST', path: PATHS.getOnlyRoute },
    expect: { status: 405, body: envelope('Method not allowed'), headers: { allow: GET_ONLY } },
    candidates: EVERYONE
  },
  {
    id: 'method-router',
    title: 'wrong method, router-level (URL only for GET): 405',
    request: { method: 'POST', path: PATHS.getOnly },
    expect: { status: 405, body: envelope('Method not allowed'), headers: { allow: GET_ONLY } },
    candidates: EVERYONE
  },
  {
    id: 'error',
    title: 'thrown error: masked 500',
    request: { method: 'GET', path: PATHS.boom },
    expect: { status: 500, body: envelope('Internal Server Error') },
    expectFor: { default: { status: 500, body: fastifyDefaultBody(500, 'Internal Server Error', SECRET) } },
    candidates: WITH_DEFAULT
  },
  {
    id: 'post-json',
    title: 'JSON POST body: 200',
    request: { method: 'POST', path: PATHS.echo, headers: { 'content-type': 'application/json' }, body: JSON.stringify(POSTED) },
    expect: { status: 200, body: POSTED },
    candidates: EVERYONE
  },
  {
    id: 'schema',
    title: 'response schema: 200',
    request: { method: 'GET', path: PATHS.typed },
    expect: { status: 200, body: TYPED },
    candidates: EVERYONE
  },
  {
    id: 'many-routes',
    title: `app with ${MANY_ROUTES.toLocaleString('en')} ajax routes: 200`,
    request: { method: 'GET', path: manyPath(MANY_ROUTES / 2) },
    expect: { status: 200, body: HELLO },
    candidates: ['bare', 'ajax', 'express', 'node'],
    servers: { bare: 'bare@many', ajax: 'ajax@many', express: 'express@many', node: 'node@many' }
  }
]

function serverOf (scenario, candidate) {
  return scenario.servers?.[candidate] ?? candidate
}

function expectationOf (scenario, candidate) {
  return { contentType: JSON_TYPE, headers: {}, ...(scenario.expectFor?.[candidate] ?? scenario.expect) }
}

/** The autocannon request object of a scenario. */
function loadRequest (scenario) {
  const { method, path, headers, body } = scenario.request
  return { method, path, headers, body }
}

module.exports = { SERVERS, CANDIDATES, SCENARIOS, MANY_ROUTES, JSON_TYPE, serverOf, expectationOf, loadRequest }
