import t from 'tap'
import { buildApp, JSON_TYPE } from './helpers'

// Every field of a thrown error is read once: a getter that answers differently on each read cannot
// make the status and the body disagree, nor let a 5xx message out.

/** An error whose fields answer the next value of their list on each read, counting the reads. */
function shifty (fields: Record<string, unknown[]>): { error: Error, reads: Record<string, number> } {
  const error = new Error('secret-first-message')
  const reads: Record<string, number> = {}
  for (const [name, values] of Object.entries(fields)) {
    reads[name] = 0
    Object.defineProperty(error, name, {
      get () {
        const value = values[Math.min(reads[name], values.length - 1)]
        reads[name]++
        return value
      }
    })
  }
  return { error, reads }
}

const cases: Array<[string, Record<string, unknown[]>, number, unknown]> = [
  ['statusCode 404 then 200', { statusCode: [404, 200] }, 404, { status: 'error', error: 'secret-first-message' }],
  ['statusCode 500 then 404', { statusCode: [500, 404] }, 500, { status: 'error', error: 'Internal Server Error' }],
  ['status 503 then 400', { status: [503, 400] }, 503, { status: 'error', error: 'Service Unavailable' }],
  ['message empty then a secret, status 404', { statusCode: [404], message: ['', 'secret-second-message'] }, 404, { status: 'error', error: 'Not found' }],
  ['expose false then true, status 401', { statusCode: [401, 401], expose: [false, true] }, 401, { status: 'error', error: 'Unauthorized' }],
  ['headers once, then others', { statusCode: [429], headers: [{ 'retry-after': '5' }, { 'x-second': 'yes' }] }, 429, { status: 'error', error: 'secret-first-message' }],
  ['validation then none, status 400', { statusCode: [400], validation: [[{ message: 'must be integer' }], undefined] }, 400, { status: 'error', error: 'secret-first-message', details: [{ message: 'must be integer' }] }]
]

for (const [name, fields, status, body] of cases) {
  t.test(`a thrown error whose ${name} is answered from its first read`, async (t) => {
    const app = await buildApp(t)
    const { error, reads } = shifty(fields)
    app.get('/api', { config: { ajax: true } }, async () => { throw error })
    const res = await app.inject('/api')
    t.equal(res.statusCode, status)
    t.equal(res.headers['content-type'], JSON_TYPE)
    t.same(res.json(), body)
    t.notMatch(res.body, /secret-second|stack/)
    if (name.startsWith('headers')) {
      t.equal(res.headers['retry-after'], '5')
      t.equal(res.headers['x-second'], undefined)
    }
    for (const [field, count] of Object.entries(reads)) t.equal(count, 1, `${field} read once`)
  })
}

t.test('with debug: true the message and stack of a 5xx are read once too', async (t) => {
  const app = await buildApp(t, { debug: true })
  const { error, reads } = shifty({ statusCode: [500, 404], stack: ['first stack', 'second stack'], message: ['secret-first', 'second'] })
  // The stack getter goes first: replacing V8's own makes it format the stack, which reads the message.
  app.get('/api', { config: { ajax: true } }, async () => { throw error })
  const res = await app.inject('/api')
  t.equal(res.statusCode, 500)
  t.equal(res.headers['content-type'], JSON_TYPE)
  t.same(res.json(), { status: 'error', error: 'Internal Server Error', debug: { message: 'secret-first', stack: 'first stack' } })
  t.same(reads, { statusCode: 1, message: 1, stack: 1 })
})
