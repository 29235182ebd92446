'use strict'

// What every candidate answers, so that all of them send the same bytes for the same scenario.

const HELLO = Object.freeze({ hello: 'world' })

const TYPED = Object.freeze({ id: 1, name: 'typed', tags: Object.freeze(['x', 'y']) })

const TYPED_SCHEMA = Object.freeze({
  type: 'object',
  properties: {
    id: { type: 'integer' },
    name: { type: 'string' },
    tags: { type: 'array', items: { type: 'string' } }
  }
})

const POSTED = Object.freeze({ name: 'ajax', count: 3, tags: ['a', 'b'], nested: { ok: true } })

/** The message a failing handler throws with; no candidate may send it to the client. */
const SECRET = 'db password is hunter2'

/** URLs the apps serve; the router-level 405 URL is registered for GET only. */
const PATHS = Object.freeze({
  success: '/hello',
  private: '/private',
  missing: '/missing',
  getOnlyRoute: '/get-only-route',
  getOnly: '/get-only',
  boom: '/boom',
  echo: '/echo',
  typed: '/typed'
})

/** The path of the n-th route of the many-routes apps; the scenario asks for the middle one. */
function manyPath (n) {
  return `/many/${n}`
}

function envelope (error) {
  return { status: 'error', error }
}

module.exports = { HELLO, TYPED, TYPED_SCHEMA, POSTED, SECRET, PATHS, manyPath, envelope }
