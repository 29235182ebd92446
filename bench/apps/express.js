'use strict'

// Express 5 doing the same, the Express way: guard middleware, a catch-all 405 route with Allow,
// a 404 fallback and an error middleware that masks 5xx messages.

const express = require('express')
const { HELLO, TYPED, SECRET, PATHS, manyPath, envelope } = require('../lib/fixtures')

class NotFound extends Error {
  constructor (message = 'Not found') {
    super(message)
    this.statusCode = 404
  }
}

const GET_ONLY = 'GET, HEAD'

function requireUser (req, res, next) {
  if (req.user) next()
  else res.status(401).json(envelope('Unauthorized'))
}

function requireGet (req, res, next) {
  if (req.method === 'GET' || req.method === 'HEAD') next()
  else res.status(405).set('allow', GET_ONLY).json(envelope('Method not allowed'))
}

function methodNotAllowed (req, res) {
  res.status(405).set('allow', GET_ONLY).json(envelope('Method not allowed'))
}

function sendHello (req, res) {
  res.json(HELLO)
}

// Express recognises error middleware by its four parameters, so `next` stays although unused.
function sendError (error, req, res, next) {
  const status = Number.isInteger(error.statusCode) && error.statusCode >= 400 && error.statusCode <= 599 ? error.statusCode : 500
  if (status >= 500) res.status(status).json(envelope('Internal Server Error'))
  else res.status(status).json(envelope(error.message))
}

function startExpress ({ manyRoutes = 0 } = {}) {
  const app = express()

  app.get(PATHS.success, sendHello)
  app.get(PATHS.private, requireUser, sendHello)
  app.get(PATHS.missing, () => { throw new NotFound() })
  app.route(PATHS.getOnlyRoute).all(requireGet).get(sendHello).post(sendHello)
  app.route(PATHS.getOnly).get(sendHello).all(methodNotAllowed)
  app.get(PATHS.boom, () => { throw new Error(SECRET) })
  app.post(PATHS.echo, express.json(), (req, res) => { res.json(req.body) })
  app.get(PATHS.typed, (req, res) => { res.json(TYPED) })
  for (let n = 0; n < manyRoutes; n++) app.get(manyPath(n), sendHello)
  app.use((req, res) => { res.status(404).json(envelope('Not found')) })
  app.use(sendError)

  return new Promise((resolve, reject) => {
    const server = app.listen(0, '127.0.0.1', (error) => {
      if (error) {
        reject(error)
        return
      }
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

module.exports = startExpress
