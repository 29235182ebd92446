'use strict'

// The floor: node:http with a Map for routing and hand-written answers. Nothing can do the same
// work for less; the other candidates are measured against this too.

const http = require('node:http')
const { HELLO, TYPED, SECRET, PATHS, manyPath, envelope } = require('../lib/fixtures')

const JSON_TYPE = 'application/json; charset=utf-8'
const GET_ONLY = 'GET, HEAD'

class HttpError extends Error {
  constructor (statusCode, message) {
    super(message)
    this.statusCode = statusCode
  }
}

function send (res, status, value, allow) {
  const body = JSON.stringify(value)
  const headers = { 'content-type': JSON_TYPE, 'content-length': Buffer.byteLength(body) }
  if (allow !== undefined) headers.allow = allow
  res.writeHead(status, headers)
  res.end(body)
}

function readJson (req) {
  return new Promise((resolve, reject) => {
    const chunks = []
    req.on('data', (chunk) => chunks.push(chunk))
    req.on('end', () => {
      try {
        resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')))
      } catch {
        reject(new HttpError(400, 'Bad Request'))
      }
    })
    req.on('error', reject)
  })
}

function buildRoutes (manyRoutes) {
  const hello = () => HELLO
  const routes = new Map([
    ['GET ' + PATHS.success, hello],
    ['GET ' + PATHS.private, (req) => {
      if (!req.user) throw new HttpError(401, 'Unauthorized')
      return HELLO
    }],
    ['GET ' + PATHS.missing, () => { throw new HttpError(404, 'Not found') }],
    ['GET ' + PATHS.getOnlyRoute, hello],
    ['GET ' + PATHS.getOnly, hello],
    ['GET ' + PATHS.boom, () => { throw new Error(SECRET) }],
    ['POST ' + PATHS.echo, (req) => readJson(req)],
    ['GET ' + PATHS.typed, () => TYPED]
  ])
  for (let n = 0; n < manyRoutes; n++) routes.set('GET ' + manyPath(n), hello)
  return routes
}

function sendError (res, error) {
  const status = Number.isInteger(error.statusCode) && error.statusCode >= 400 && error.statusCode <= 599 ? error.statusCode : 500
  send(res, status, envelope(status >= 500 ? 'Internal Server Error' : error.message))
}

function startNodeHttp ({ manyRoutes = 0 } = {}) {
  const routes = buildRoutes(manyRoutes)
  // Both 405 URLs allow GET (and HEAD) only.
  const allowByPath = new Map([[PATHS.getOnlyRoute, GET_ONLY], [PATHS.getOnly, GET_ONLY]])

  async function answer (req, res) {
    const query = req.url.indexOf('?')
    const path = query === -1 ? req.url : req.url.slice(0, query)
    const method = req.method === 'HEAD' ? 'GET' : req.method
    const route = routes.get(method + ' ' + path)
    if (route === undefined) {
      const allow = allowByPath.get(path)
      if (allow !== undefined) send(res, 405, envelope('Method not allowed'), allow)
      else send(res, 404, envelope('Not found'))
      return
    }
    try {
      send(res, 200, await route(req))
    } catch (error) {
      sendError(res, error)
    }
  }

  const server = http.createServer((req, res) => {
    answer(req, res)
  })
  return new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      resolve({
        port: server.address().port,
        close: () => new Promise((resolve) => {
          server.closeAllConnections()
          server.close(() => resolve())
        })
      })
    })
  })
}

module.exports = startNodeHttp
