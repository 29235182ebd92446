// The JSON writer against JSON.stringify on random data, at any depth, and on data it must refuse.
import fc from 'fast-check'
import t from 'tap'
import ajaxutils from '../index'
import { buildApp, JSON_TYPE, logCapture } from './helpers'

const { json } = ajaxutils
const SEED = 20260612

/** JSON.stringify with the plugin's BigInt rule: the reference the writer must match. */
function reference (value: unknown): string | undefined {
  return JSON.stringify(value, (_key, member: unknown) => {
    if (typeof member === 'bigint') return String(member)
    if (member instanceof BigInt) return String(member.valueOf())
    return member
  })
}

/** `value` at the bottom of `depth` levels of objects and arrays, so that the deep writer runs too. */
function nest (value: unknown, depth: number, key: string): unknown {
  let node = value
  for (let level = 0; level < depth; level++) node = level % 2 === 0 ? { [key]: node, level } : [level, node]
  return node
}

/** What `nest` builds, written by hand: JSON.stringify itself overflows the stack a few thousand levels down. */
function nestedText (leaf: string, depth: number, key: string): string {
  let text = leaf
  for (let level = 0; level < depth; level++) text = level % 2 === 0 ? `{${JSON.stringify(key)}:${text},"level":${level}}` : `[${level},${text}]`
  return text
}

const PLAIN = fc.anything({
  withBigInt: true,
  withBoxedValues: true,
  withDate: true,
  withNullPrototype: true,
  withTypedArray: true,
  withSparseArray: true,
  withObjectString: true,
  withMap: false,
  withSet: false
})

t.test('on random plain data the writer writes what JSON.stringify writes, BigInts as decimal strings', async (t) => {
  fc.assert(fc.property(PLAIN, (value) => {
    const expected = reference(value)
    return expected === undefined || json.stringify(value) === expected
  }), { seed: SEED, numRuns: 3000 })
  t.pass('held on every run')
})

t.test('deep random data is written the same, at depths where the writer works region by region', async (t) => {
  fc.assert(fc.property(PLAIN, fc.integer({ min: 0, max: 300 }), fc.string(), (value, depth, key) => {
    const data = nest(value, depth, key)
    const expected = reference(data)
    return expected === undefined || json.stringify(data) === expected
  }), { seed: SEED, numRuns: 300 })
  t.pass('held on every run')
})

// What the writer refuses, and the type its message names.
const REFUSED: ReadonlyArray<[string, () => unknown]> = [
  ['function', () => () => {}],
  ['symbol', () => Symbol('s')],
  ['Map', () => new Map([[1, 2]])],
  ['Set', () => new Set([1])],
  ['WeakMap', () => new WeakMap()],
  ['WeakSet', () => new WeakSet()],
  ['RegExp', () => /x/],
  ['Promise', () => Promise.resolve()],
  ['Map', () => ({ toJSON: () => new Map() })]
]

t.test('random data holding a value JSON cannot hold is refused with a TypeError naming its type, at any depth', async (t) => {
  const refused = fc.constantFrom(...REFUSED)
  fc.assert(fc.property(PLAIN, refused, fc.integer({ min: 0, max: 300 }), fc.string(), (value, [type, make], depth, key) => {
    const data = [value, nest(make(), depth, key)]
    try {
      json.stringify(data)
      return false
    } catch (error) {
      const { name, code, message } = error as { name: string, code: string, message: string }
      return name === 'TypeError' && code === 'FST_AJAX_UNSERIALIZABLE' && message === `Cannot write a value of type ${type} as JSON`
    }
  }), { seed: SEED, numRuns: 500 })
  t.pass('held on every run')
})

t.test('random circular data is refused, however long the cycle and wherever it closes', async (t) => {
  fc.assert(fc.property(PLAIN, fc.integer({ min: 1, max: 300 }), fc.nat(), fc.boolean(), (value, depth, back, wide) => {
    // A chain `depth` objects long whose last object points back at one of them; `wide` makes
    // every object of a chain shorter than one region hold the next one twice, which a late cycle
    // check would pay for exponentially.
    const chain: Array<Record<string, unknown>> = []
    for (let level = 0; level < depth; level++) chain.push({ value, level })
    for (let level = 0; level + 1 < depth; level++) {
      chain[level].next = chain[level + 1]
      if (wide && depth < 60) chain[level].again = chain[level + 1]
    }
    const target = chain[back % depth]
    chain[depth - 1].next = target
    try {
      json.stringify({ data: chain[0] })
      return false
    } catch (error) {
      const { name, code, message } = error as { name: string, code: string, message: string }
      return name === 'TypeError' && code === 'FST_AJAX_UNSERIALIZABLE' && message === 'Cannot write circular data as JSON: a value of type Object contains itself'
    }
  }), { seed: SEED, numRuns: 300 })
  t.pass('held on every run')
})

t.test('shared objects above a cycle that closes more than a region down are walked once each, not once per path', async (t) => {
  // Every level holds the next one twice, through getters that count their reads: 2^100 paths.
  let reads = 0
  const levels = Array.from({ length: 100 }, (_, level) => ({ level } as Record<string, unknown>))
  levels.forEach((node, level) => {
    const next = (): unknown => { reads++; return levels[level + 1] ?? levels[0] }
    Object.defineProperty(node, 'next', { get: next, enumerable: true })
    Object.defineProperty(node, 'again', { get: next, enumerable: true })
  })
  t.throws(() => json.stringify({ data: levels[0] }), { name: 'TypeError', code: 'FST_AJAX_UNSERIALIZABLE', message: 'Cannot write circular data as JSON: a value of type Object contains itself' })
  t.ok(reads <= 10 * levels.length, `${reads} reads for ${levels.length} levels`)
  // Without the cycle the same sharing is written in full, each shared copy as often as it is met.
  const shared = nest({ id: 1n }, 100, 'x')
  const data = { a: shared, b: [shared, shared] }
  t.equal(json.stringify(data), reference(data))
})

t.test('the same object twice, not inside itself, is written twice', async (t) => {
  const shared = { id: 1n, at: new Date(0) }
  const data = { a: shared, b: [shared, shared], deep: nest(shared, 200, 'x') }
  t.equal(json.stringify(data), reference(data))
})

t.test('toJSON is called once per value, with its key, and what it gives is written by the same rules', async (t) => {
  const keys: string[] = []
  class Money {
    constructor (readonly cents: bigint) {}
    toJSON (key: string): unknown {
      keys.push(key)
      return { cents: this.cents, currency: 'EUR' }
    }
  }
  const data = { price: new Money(1999n), list: [new Money(1n)], deep: nest(new Money(2n), 150, 'm') }
  t.equal(json.stringify(data), reference({ price: { cents: '1999', currency: 'EUR' }, list: [{ cents: '1', currency: 'EUR' }], deep: nest({ cents: '2', currency: 'EUR' }, 150, 'm') }))
  t.equal(json.stringify(Object.assign([1n], { toJSON: () => [2n] })), '["2"]', 'an array\'s own toJSON too')
  t.same(keys.slice(0, 2), ['price', '0'])
  t.equal(keys.length, 3)
})

t.test('a Date is written as its own toJSON writes it, an invalid one as null', async (t) => {
  const custom = Object.assign(new Date(0), { toJSON: () => 'own toJSON' })
  const iso = Object.assign(new Date(0), { toISOString: () => 'own toISOString' })
  t.equal(json.stringify([new Date(Date.UTC(2012, 7, 21)), new Date(NaN), custom, iso]), '["2012-08-21T00:00:00.000Z",null,"own toJSON","own toISOString"]')
})

t.test('inherited keys and an inherited toJSON are treated as JSON.stringify treats them', async (t) => {
  const proto = Object.prototype as Record<string, unknown>
  proto.polluted = 'inherited'
  try {
    t.equal(json.stringify({ a: { b: 1n } }), '{"a":{"b":"1"}}')
  } finally {
    delete proto.polluted
  }
  Object.defineProperty(proto, 'toJSON', { value () { return 'from the prototype' }, configurable: true, writable: true })
  try {
    t.equal(json.stringify({ a: 1 }), '"from the prototype"')
  } finally {
    delete proto.toJSON
  }
  const own = { ['__proto__']: { n: 1n }, m: 2n }
  t.equal(json.stringify(own), '{"__proto__":{"n":"1"},"m":"2"}')
})

t.test('data 4,000 and 100,000 levels deep is written; deeper than 100,000 it is refused, never a stack overflow', async (t) => {
  for (const depth of [4000, 100_000]) {
    t.equal(json.stringify(nest(1n, depth, 'k')), nestedText('"1"', depth, 'k'), `${depth} levels`)
  }
  let endless: unknown = 'bottom'
  for (let level = 0; level < 110_000; level++) endless = [endless]
  t.throws(() => json.stringify(endless), { name: 'TypeError', code: 'FST_AJAX_UNSERIALIZABLE', message: 'Cannot write data nested deeper than 100000 levels as JSON' })
  const unending = { toJSON (): unknown { return { next: unending, n: 1n } } }
  t.throws(() => json.stringify({ unending }), { code: 'FST_AJAX_UNSERIALIZABLE', message: 'Cannot write circular data as JSON: a value of type Object contains itself' })
  const fresh = { toJSON (): unknown { return { next: { toJSON: fresh.toJSON } } } }
  t.throws(() => json.stringify(fresh), { code: 'FST_AJAX_UNSERIALIZABLE', message: 'Cannot write data nested deeper than 100000 levels as JSON' })
})

t.test('bad data on an ajax route is a 500 envelope and a log line, and the server keeps answering', async (t) => {
  const logs = logCapture()
  const app = await buildApp(t, {}, { logger: { stream: logs.stream } })
  const circular: Record<string, unknown> = { id: 1 }
  circular.self = { back: circular }
  const { proxy, revoke } = Proxy.revocable({}, {})
  revoke()
  let deep: unknown = 1
  for (let level = 0; level < 200_000; level++) deep = { deep }
  const cases: Record<string, [() => unknown, RegExp]> = {
    '/circular': [() => circular, /^Cannot write circular data as JSON: a value of type Object contains itself$/],
    '/to-json-throws': [() => ({ row: { toJSON () { throw new Error('toJSON failed') } } }), /^toJSON failed$/],
    '/to-json-itself': [() => ({ row: { toJSON () { return this } } }), /^Cannot write circular data as JSON: a value of type Object contains itself$/],
    '/getter-throws': [() => ({ row: { get broken () { throw new Error('getter failed') } } }), /^getter failed$/],
    '/proxy': [() => ({ row: proxy }), /revoked/],
    '/deep': [() => deep, /^Cannot write data nested deeper than 100000 levels as JSON$/]
  }
  for (const [url, [handler]] of Object.entries(cases)) app.get(url, { config: { ajax: true } }, async () => handler())
  app.get('/fine', { config: { ajax: true } }, async () => ({ id: 2n }))

  for (const [url, [, message]] of Object.entries(cases)) {
    const res = await app.inject(url)
    t.equal(res.statusCode, 500, url)
    t.equal(res.headers['content-type'], JSON_TYPE, url)
    t.same(res.json(), { status: 'error', error: 'Internal Server Error' }, url)
    const entry = logs.entries.find((line) => line.level === 50 && message.test(line.err?.message))
    t.match(entry, { reqId: /^req-/, msg: 'fastify-ajaxutils: ajax route failed', err: { stack: /at / } }, `${url} logged the real error`)
  }
  const fine = await app.inject('/fine')
  t.equal(fine.statusCode, 200)
  t.equal(fine.headers['content-type'], JSON_TYPE)
  t.same(fine.json(), { id: '2' })
})

t.test('a deep document stored and read back over an ajax route is answered in full', async (t) => {
  const app = await buildApp(t)
  const document = nest({ text: 'leaf', id: 7n }, 4000, 'child')
  app.get('/document', { config: { ajax: true } }, async () => document)
  const res = await app.inject('/document')
  t.equal(res.statusCode, 200)
  t.equal(res.headers['content-type'], JSON_TYPE)
  t.equal(res.body, nestedText('{"text":"leaf","id":"7"}', 4000, 'child'))
})

t.test('routes with a response schema keep Fastify\'s compiled serializer; the others use the writer', async (t) => {
  const written: unknown[] = []
  const app = await buildApp(t, { json: { stringify (value) { written.push(value); return json.stringify(value) } } })
  const schema = { response: { 200: { type: 'object', properties: { id: { type: 'integer' }, name: { type: 'string' } } } } }
  app.get('/schema', { schema, config: { ajax: true } }, async () => ({ id: 1, name: 'ada', extra: 'dropped by the schema' }))
  app.get('/plain', { config: { ajax: true } }, async () => ({ id: 2, extra: 'kept' }))

  const withSchema = await app.inject('/schema')
  t.equal(withSchema.statusCode, 200)
  t.equal(withSchema.headers['content-type'], JSON_TYPE)
  t.equal(withSchema.body, '{"id":1,"name":"ada"}')
  t.same(written, [])

  const plain = await app.inject('/plain')
  t.equal(plain.statusCode, 200)
  t.equal(plain.body, '{"id":2,"extra":"kept"}')
  t.same(written, [{ id: 2, extra: 'kept' }])
})
