import { types } from 'node:util'
import secureJson from 'secure-json-parse'
import { FST_AJAX_CIRCULAR, FST_AJAX_UNSERIALIZABLE } from './errors'

/** A JSON writer: the plugin's own, or the one given as plugin option `json.stringify`. */
export type Stringify = (value: unknown) => string

// SPEC §6 promises a TypeError: keep the plugin's error code, but let it say so by name too.
function typeError (error: Error): TypeError {
  error.name = 'TypeError'
  return error
}

function unserializable (type: string): TypeError {
  return typeError(new FST_AJAX_UNSERIALIZABLE(type))
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

// Characters a JSON string must escape, and lone surrogates, which JSON.stringify escapes too.
const NEEDS_ESCAPE = /[\u0000-\u001f"\\\ud800-\udfff]/ // eslint-disable-line no-control-regex

function writeString (text: string): string {
  return NEEDS_ESCAPE.test(text) ? JSON.stringify(text) : `"${text}"`
}

/**
 * The exact writer, for data that is not plain: JSON.stringify with a replacer function would pay
 * for a call per value and be several times slower. `ancestors` holds the objects being written,
 * to refuse circular data.
 */
function write (value: unknown, key: string, ancestors: object[]): string | undefined {
  switch (typeof value) {
    case 'string':
      return writeString(value)
    case 'number':
      return Number.isFinite(value) ? String(value) : 'null'
    case 'boolean':
      return value ? 'true' : 'false'
    case 'bigint':
      return `"${value}"`
    case 'undefined':
      return undefined
    case 'function':
    case 'symbol':
      throw unserializable(typeof value)
  }
  if (value === null) return 'null'
  const object = value as Record<string, unknown> & { toJSON?: (key: string) => unknown }
  if (typeof object.toJSON === 'function') return write(object.toJSON(key), key, ancestors)
  if (object instanceof Number || object instanceof String || object instanceof Boolean || object instanceof BigInt) {
    return write(object.valueOf(), key, ancestors)
  }
  if (isLossy(object)) throw unserializable(typeName(object))
  if (ancestors.includes(object)) throw typeError(new FST_AJAX_CIRCULAR(typeName(object)))
  ancestors.push(object)
  let text: string
  if (Array.isArray(object)) {
    text = '['
    for (let index = 0; index < object.length; index++) {
      if (index > 0) text += ','
      text += write(object[index], String(index), ancestors) ?? 'null'
    }
    text += ']'
  } else {
    text = '{'
    for (const name of Object.keys(object)) {
      const member = write(object[name], name, ancestors)
      if (member === undefined) continue
      if (text.length > 1) text += ','
      text += `${writeString(name)}:${member}`
    }
    text += '}'
  }
  ancestors.pop()
  return text
}

// Deeper data (or circular data, which never ends) goes to the exact writer, which names cycles.
const PLAIN_DEPTH = 64

/**
 * Plain data: strings, finite and other numbers, booleans, null, arrays, Dates and objects with
 * Object's (or no) prototype, all the way down. Native JSON.stringify writes plain data exactly as
 * the plugin's writer does, and faster; anything else (a BigInt, a class, a Map) takes `write`.
 */
function isPlain (value: unknown, depth: number): boolean {
  switch (typeof value) {
    case 'string':
    case 'number':
    case 'boolean':
    case 'undefined':
      return true
    case 'object':
      break
    default:
      return false
  }
  if (value === null) return true
  if (depth === PLAIN_DEPTH) return false
  if (Array.isArray(value)) {
    for (const item of value) if (!isPlain(item, depth + 1)) return false
    return true
  }
  const proto = Object.getPrototypeOf(value)
  if (proto === Date.prototype) return true
  if (proto !== Object.prototype && (proto !== null || isLossy(value))) return false
  if (typeof (value as { toJSON?: unknown }).toJSON === 'function') return false
  for (const key in value) if (!isPlain((value as Record<string, unknown>)[key], depth + 1)) return false
  return true
}

/**
 * Writes `value` as JSON: `Date` as ISO 8601, `BigInt` as a decimal string; throws a `TypeError`
 * naming the type of anything JSON cannot hold (functions, symbols, Map, Set, circular data).
 */
export function stringify (value: unknown): string {
  if (value !== undefined && isPlain(value, 0)) return JSON.stringify(value)
  const text = write(value, '', [])
  if (text === undefined) throw unserializable(typeof value)
  return text
}

/** Parses JSON text, refusing `__proto__` and `constructor.prototype` keys as Fastify's body parser does. */
export function parse (text: string | Buffer): unknown {
  return secureJson.parse(text, undefined, { protoAction: 'error', constructorAction: 'error' })
}
