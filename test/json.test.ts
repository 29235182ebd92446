// json.stringify / json.parse and plugin option json.
import fc from 'fast-check'
import t from 'tap'
import ajaxutils from '../index'
import { buildApp, JSON_TYPE } from './helpers'

const { json } = ajaxutils

t.test('stringify writes Dates as ISO 8601 and BigInts as decimal strings', async (t) => {
  t.equal(json.stringify(new Date(Date.UTC(2012, 7, 21, 22, 58))), '"2012-08-21T22:58:00.000Z"')
  t.equal(json.stringify(-9007199254740993n), '"-9007199254740993"')
  t.equal(json.stringify({ a: [1, 'x', true, null, { b: undefined }], c: undefined }), '{"a":[1,"x",true,null,{}]}')
  t.equal(json.stringify([undefined]), '[null]')
})

t.test('stringify writes exactly what JSON.stringify writes, for everything JSON can hold', async (t) => {
  // Seeded, so a failure reproduces; boxed values, Dates, sparse and typed arrays included.
  const values = fc.anything({
    withBoxedValues: true,
    withDate: true,
    withNullPrototype: true,
    withTypedArray: true,
    withSparseArray: true,
    withObjectString: true,
    withBigInt: false,
    withMap: false,
    withSet: false
  })
  fc.assert(fc.property(values, (value) => {
    const expected = JSON.stringify(value)
    // What JSON.stringify answers with nothing (a top-level undefined), the plugin's writer refuses.
    return expected === undefined || json.stringify(value) === expected
  }), { seed: 20121, numRuns: 5000 })
  t.equal(json.stringify([new Number(1), new String('s'), new Boolean(false), Object(2n)]), '[1,"s",false,"2"]') // eslint-disable-line no-new-wrappers
  t.equal(json.stringify({ text: 'quote " backslash \\ newline \n lone \ud800' }), JSON.stringify({ text: 'quote " backslash \\ newline \n lone \ud800' }))
})

t.test('stringify reads toJSON, also when what it gives is not plain data, and writes deep data', async (t) => {
  t.equal(json.stringify({ money: { toJSON: () => ({ cents: 1999n }) } }), '{"money":{"cents":"1999"}}')
  let deep: unknown = 'bottom'
  for (let level = 0; level < 100; level++) deep = [deep]
  t.equal(json.stringify(deep), JSON.stringify(deep))
})

t.test('stringify throws a TypeError naming the type of what JSON cannot hold', async (t) => {
  const circular: unknown[] = []
  circular.push(circular)
  const cases: Array<[unknown, RegExp]> = [
    [{ f () {} }, /^Cannot write a value of type function as JSON$/],
    [() => {}, /^Cannot write a value of type function as JSON$/],
    [{ s: Symbol('x') }, /^Cannot write a value of type symbol as JSON$/],
    [Symbol('top'), /^Cannot write a value of type symbol as JSON$/],
    [undefined, /^Cannot write a value of type undefined as JSON$/],
    [new Map(), /^Cannot write a value of type Map as JSON$/],
    [{ set: new Set([1]) }, /^Cannot write a value of type Set as JSON$/],
    [new WeakMap(), /type WeakMap/],
    [new WeakSet(), /type WeakSet/],
    [Promise.resolve(1), /type Promise/],
    [{ pattern: /x/ }, /type RegExp/],
    [Object.assign(Object.create(null), { m: new Map() }), /type Map/],
    [circular, /^Cannot write circular data as JSON: a value of type Array contains itself$/]
  ]
  for (const [value, message] of cases) {
    t.throws(() => json.stringify(value), TypeError, String(message))
    t.throws(() => json.stringify(value), { message })
  }
  t.throws(() => json.stringify(new Map()), { code: 'FST_AJAX_UNSERIALIZABLE', name: 'TypeError' })
  t.throws(() => json.stringify(circular), { code: 'FST_AJAX_UNSERIALIZABLE', name: 'TypeError' })
})

t.test('a Map without a constructor is named Object', async (t) => {
  const map = new Map()
  Object.setPrototypeOf(map, null)
  t.throws(() => json.stringify({ map }), { message: 'Cannot write a value of type Object as JSON' })
})

t.test('parse reads JSON and refuses prototype-poisoning keys', async (t) => {
  t.same(json.parse('{"a":[1,{"b":null}]}'), { a: [1, { b: null }] })
  t.same(json.parse(Buffer.from('"text"')), 'text')
  t.throws(() => json.parse('{"__proto__":{"admin":true}}'), SyntaxError)
  t.throws(() => json.parse('{"a":{"constructor":{"prototype":{"admin":true}}}}'), SyntaxError)
  t.throws(() => json.parse('{"broken'), SyntaxError)
  t.equal(({} as Record<string, unknown>).admin, undefined)
})

t.test('plugin option json.stringify writes ajax responses, errors included', async (t) => {
  const written: unknown[] = []
  const app = await buildApp(t, {
    json: {
      stringify (value) {
        written.push(value)
        return JSON.stringify(value, null, 1)
      }
    }
  })
  app.get('/data', { config: { ajax: true } }, async () => ({ a: 1 }))
  app.get('/refused', { config: { ajax: true } }, async () => new ajaxutils.JsonResponse({ field: 'x' }, { status: 422 }))

  const data = await app.inject('/data')
  t.equal(data.headers['content-type'], JSON_TYPE)
  t.equal(data.body, '{\n "a": 1\n}')

  const refused = await app.inject('/refused')
  t.equal(refused.statusCode, 422)
  t.same(refused.json(), { status: 'error', error: { field: 'x' } })
  t.same(written, [{ a: 1 }, { field: 'x' }])
})

t.test('request bodies stay with Fastify\'s parser', async (t) => {
  const app = await buildApp(t, { json: { stringify: JSON.stringify } })
  app.post('/echo', { config: { ajax: true } }, async (request) => request.body)
  const res = await app.inject({ method: 'POST', url: '/echo', payload: { n: 1 } })
  t.equal(res.statusCode, 200)
  t.same(res.json(), { n: 1 })
})
