import { types } from 'node:util'
import secureJson from 'secure-json-parse'
import { FST_AJAX_UNSERIALIZABLE } from './errors'

/** A JSON writer: the plugin's own, or the one given as plugin option `json.stringify`. */
export type Stringify = (value: unknown) => string

// SPEC §6 promises a TypeError: keep the plugin's error code, but let it say so by name too.
function unserializable (type: string): TypeError {
  const error = new FST_AJAX_UNSERIALIZABLE(type)
  error.name = 'TypeError'
  return error
}

function typeName (value: object): string {
  return value.constructor?.name ?? 'Object'
}

// JSON.stringify silently drops or empties these; the seed's writer refused what it could not
// write, so this one throws instead of answering with data that is quietly wrong.
function isLossy (value: object): boolean {
  return types.isMap(value) || types.isSet(value) || types.isWeakMap(value) ||
    types.isWeakSet(value) || types.isPromise(value) || types.isRegExp(value)
}

function writeValue (_key: string, value: unknown): unknown {
  switch (typeof value) {
    case 'bigint':
      return value.toString()
    case 'function':
    case 'symbol':
      throw unserializable(typeof value)
    case 'object':
      if (value !== null && isLossy(value)) throw unserializable(typeName(value))
  }
  return value
}

/**
 * Writes `value` as JSON: `Date` as ISO 8601, `BigInt` as a decimal string; throws a `TypeError`
 * naming the type of anything JSON cannot hold (functions, symbols, Map, Set, circular data).
 */
export function stringify (value: unknown): string {
  const text = JSON.stringify(value, writeValue)
  if (text === undefined) throw unserializable(typeof value)
  return text
}

/** Parses JSON text, refusing `__proto__` and `constructor.prototype` keys as Fastify's body parser does. */
export function parse (text: string | Buffer): unknown {
  return secureJson.parse(text, undefined, { protoAction: 'error', constructorAction: 'error' })
}
