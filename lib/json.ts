import { types } from 'node:util'
import secureJson from 'secure-json-parse'
import { FST_AJAX_CIRCULAR, FST_AJAX_TOO_DEEP, FST_AJAX_UNSERIALIZABLE } from './errors'

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
 * How the writer works: `prepare` walks the data once, recursively but never more than
 * REGION_DEPTH levels, and gives back data native JSON.stringify writes exactly as `stringify`
 * promises: each toJSON called once and replaced by what it gives (Dates by their ISO text, which
 * JSON.stringify calling Date's toJSON costs more than the whole walk), BigInts replaced by their
 * decimal strings, refusals thrown. Only the objects on the way to a replaced value are copied;
 * every other subtree is the caller's own. Most payloads end there, with one JSON.stringify call.
 * A value REGION_DEPTH levels down is left as a `Deep` mark: `writeTall` then writes the copied
 * objects above the marks itself, with an explicit stack, hands every other subtree to
 * JSON.stringify, and prepares each marked value as a new region in turn. Neither recursion goes
 * deeper than REGION_DEPTH, so no depth of data overflows the stack, and every value is
 * prepared once: the cost is linear in the data at any depth.
 * JSON.stringify reads the caller's data again: a getter or a Proxy that answers differently the
 * second time is written as it answers then.
 */
const REGION_DEPTH = 64

// Data deeper than this is refused: a getter, a Proxy or a toJSON can make up data that never ends.
const MAX_DEPTH = 100_000
const MAX_REGIONS = Math.ceil(MAX_DEPTH / REGION_DEPTH)

const DATE_TO_JSON = Date.prototype.toJSON
const DATE_TO_ISO = Date.prototype.toISOString

/** A value left for the next region, with the key its toJSON is to be called with. */
class Deep {
  constructor (readonly value: object, readonly key: string | number) {}
}

interface State {
  /** Whether Object.prototype has enumerable keys, which `for...in` would see. */
  readonly polluted: boolean
  /** Whether Object.prototype has a toJSON, which every plain object would inherit. */
  readonly inheritedToJSON: boolean
  /** How many `Deep` marks were made: a change tells a copy that it holds one. */
  marks: number
  /** How many toJSON calls were made: a copy made without one can stand for its object again. */
  calls: number
  /**
   * The caller's objects already prepared into a copy holding a `Deep` mark, with no toJSON call
   * below: met again, not on its own path, that copy is used, so shared objects above a deep cycle
   * are walked once each, not once per path to them.
   */
  readonly done: Map<object, object>
  /** Copies holding a `Deep` somewhere below, each with the object it copies. */
  readonly tall: Map<object, object>
  /** The caller's objects on the path being written: one met again on its own path is circular. */
  readonly path: Set<object>
  /** How many regions are open on the path being written. */
  regions: number
}

function isPolluted (): boolean {
  for (const key in Object.prototype) if (key !== undefined) return true
  return false
}

// Strings, numbers, booleans and undefined are written as they are; everything else is looked at.
function isLeaf (value: unknown): boolean {
  const type = typeof value
  return type === 'string' || type === 'number' || type === 'boolean' || type === 'undefined' || value === null
}

/**
 * A BigInt or a Date, replaced; any other value as it is. Neither can hold anything, so a member
 * that is one does not put its object on the path.
 */
function prepareScalar (value: unknown): unknown {
  if (typeof value === 'bigint') return String(value)
  if (isDate(value)) return writeDate(value)
  return value
}

/**
 * Puts `object` on the path, refusing it when it is there already. Called before the first member
 * that is not a leaf: an object without one cannot be part of a cycle, and costs nothing here.
 */
function enter (state: State, object: object): void {
  if (state.path.has(object)) throw typeError(new FST_AJAX_CIRCULAR(typeName(object)))
  state.path.add(object)
}

/** Records `copy` of `original` as holding a mark, and as reusable when no toJSON was called since `calls`. */
function holdsMark (state: State, original: object, copy: object, calls: number): void {
  state.tall.set(copy, original)
  if (state.calls === calls) state.done.set(original, copy)
}

function prepareArray (state: State, array: unknown[], depth: number): unknown[] {
  const marks = state.marks
  const calls = state.calls
  let copy: unknown[] | undefined
  let entered = false
  for (let index = 0; index < array.length; index++) {
    const item = array[index]
    let prepared = item
    if (!isLeaf(item)) {
      prepared = prepareScalar(item)
      if (prepared === item) {
        if (!entered) enter(state, array)
        entered = true
        prepared = prepare(state, item, index, depth + 1)
      }
    }
    if (copy === undefined && prepared !== item) copy = array.slice(0, index)
    if (copy !== undefined) copy.push(prepared)
  }
  if (entered) state.path.delete(array)
  if (copy === undefined) return array
  if (state.marks !== marks) holdsMark(state, array, copy, calls)
  return copy
}

/** The copy of `object` with one member changed; a key named __proto__ set by assignment would change its prototype instead. */
function changeMember (object: object, copy: Record<string, unknown> | undefined, key: string, value: unknown): Record<string, unknown> {
  copy ??= { ...object }
  if (key === '__proto__') Object.defineProperty(copy, key, { value, enumerable: true, writable: true, configurable: true })
  else copy[key] = value
  return copy
}

/**
 * An object's own enumerable members, prepared. `for...in` is the fast walk, but it also sees
 * inherited keys: `ownKeys` is set where there can be any. Once a member changes, the rest are
 * read from the copy, so that what is checked is what is written.
 */
function prepareObject (state: State, object: Record<string, unknown>, depth: number, ownKeys: boolean): object {
  const marks = state.marks
  const calls = state.calls
  let copy: Record<string, unknown> | undefined
  let entered = false
  // The same walk twice, over own keys or over for...in: a shared closure would cost one per object.
  if (ownKeys) {
    for (const key of Object.keys(object)) {
      const member = (copy ?? object)[key]
      if (isLeaf(member)) continue
      let prepared = prepareScalar(member)
      if (prepared === member) {
        if (!entered) enter(state, object)
        entered = true
        prepared = prepare(state, member, key, depth + 1)
      }
      if (prepared !== member) copy = changeMember(object, copy, key, prepared)
    }
  } else {
    for (const key in object) {
      const member = (copy ?? object)[key]
      if (isLeaf(member)) continue
      let prepared = prepareScalar(member)
      if (prepared === member) {
        if (!entered) enter(state, object)
        entered = true
        prepared = prepare(state, member, key, depth + 1)
      }
      if (prepared !== member) copy = changeMember(object, copy, key, prepared)
    }
  }
  if (entered) state.path.delete(object)
  if (copy === undefined) return object
  if (state.marks !== marks) holdsMark(state, object, copy, calls)
  return copy
}

type WithToJSON = object & { toJSON: (key: string) => unknown }

/** What toJSON gives in place of `value`, prepared one level down (toJSON may give another toJSON). */
function prepareToJSON (state: State, value: WithToJSON, key: string | number, depth: number): unknown {
  state.calls++
  const result = value.toJSON(String(key))
  if (isLeaf(result)) return result
  if (result === value) throw typeError(new FST_AJAX_CIRCULAR(typeName(value)))
  enter(state, value)
  const prepared = prepare(state, result, key, depth + 1)
  state.path.delete(value)
  return prepared
}

/** Whether `value` is a Date written by Date's own toJSON and toISOString. */
function isDate (value: unknown): value is Date {
  return value instanceof Date && Object.getPrototypeOf(value) === Date.prototype &&
    value.toJSON === DATE_TO_JSON && value.toISOString === DATE_TO_ISO
}

/** What Date's own toJSON gives, without its lookups: JSON.stringify calling it costs more than writing the row. */
function writeDate (date: Date): string | null {
  return Number.isFinite(date.getTime()) ? date.toISOString() : null
}

/** `value` as data JSON.stringify writes as `stringify` promises, down to the region's bottom (see above). */
function prepare (state: State, value: unknown, key: string | number, depth: number): unknown {
  switch (typeof value) {
    case 'bigint':
      return String(value)
    case 'function':
    case 'symbol':
      throw unserializable(typeof value)
    case 'object':
      break
    default:
      return value
  }
  if (value === null) return null
  if (depth === REGION_DEPTH) {
    state.marks++
    return new Deep(value, key)
  }
  if (state.done.size !== 0) {
    const done = state.done.get(value)
    if (done !== undefined) {
      if (state.path.has(value)) throw typeError(new FST_AJAX_CIRCULAR(typeName(value)))
      state.marks++
      return done
    }
  }
  // The common prototypes first, each with its own toJSON lookup, so that each lookup sees few shapes.
  const object = value as Record<string, unknown> & { toJSON?: unknown }
  const proto = Object.getPrototypeOf(object)
  if (proto === Object.prototype) {
    // An own-key test: looking up a missing toJSON is slow on objects built by spreading.
    if ((state.inheritedToJSON || Object.hasOwn(object, 'toJSON')) && typeof object.toJSON === 'function') {
      return prepareToJSON(state, object as WithToJSON, key, depth)
    }
    return prepareObject(state, object, depth, state.polluted)
  }
  if (Array.isArray(object)) {
    if (typeof object.toJSON === 'function') return prepareToJSON(state, object as WithToJSON, key, depth)
    return prepareArray(state, object, depth)
  }
  if (isDate(object)) return writeDate(object)
  if (typeof object.toJSON === 'function') return prepareToJSON(state, object as WithToJSON, key, depth)
  if (types.isBoxedPrimitive(object)) return types.isBigIntObject(object) ? String(object.valueOf()) : object
  if (isLossy(object)) throw unserializable(typeName(object))
  return prepareObject(state, object, depth, true)
}

/** Starts the region of a `Deep` mark: its value, prepared. */
function enterRegion (state: State, deep: Deep): unknown {
  if (state.regions === MAX_REGIONS) throw typeError(new FST_AJAX_TOO_DEEP(MAX_DEPTH))
  state.regions++
  return prepare(state, deep.value, deep.key, 0)
}

/** A copy `writeTall` is writing, and whether it starts a region. */
interface Frame {
  readonly node: Record<string, unknown>
  readonly keys: string[] | undefined
  readonly length: number
  index: number
  written: number
  readonly region: boolean
}

function openFrame (state: State, node: object, region: boolean): Frame {
  state.path.add(state.tall.get(node) as object)
  const keys = Array.isArray(node) ? undefined : Object.keys(node)
  return { node: node as Record<string, unknown>, keys, length: keys?.length ?? (node as unknown[]).length, index: 0, written: 0, region }
}

/** Writes prepared data that holds `Deep` marks, with an explicit stack (see above). */
function writeTall (state: State, root: object): string {
  let text = Array.isArray(root) ? '[' : '{'
  const stack: Frame[] = [openFrame(state, root, false)]
  while (stack.length > 0) {
    const frame = stack[stack.length - 1]
    if (frame.index === frame.length) {
      text += frame.keys === undefined ? ']' : '}'
      stack.pop()
      state.path.delete(state.tall.get(frame.node) as object)
      if (frame.region) state.regions--
      continue
    }
    const index = frame.index++
    const key = frame.keys?.[index]
    let value = frame.node[key ?? index]
    const region = value instanceof Deep
    if (value instanceof Deep) value = enterRegion(state, value)
    if (typeof value === 'object' && value !== null && state.tall.has(value)) {
      if (frame.written++ > 0) text += ','
      if (key !== undefined) text += writeString(key) + ':'
      text += Array.isArray(value) ? '[' : '{'
      stack.push(openFrame(state, value, region))
      continue
    }
    if (region) state.regions--
    if (key !== undefined && value === undefined) continue
    if (frame.written++ > 0) text += ','
    if (key !== undefined) text += writeString(key) + ':'
    text += JSON.stringify(value) ?? 'null'
  }
  return text
}

// The common case first: data JSON.stringify already writes exactly as `stringify` promises.
// `isPlain*` say so for objects whose prototype is Object.prototype and arrays of strings, numbers, booleans and null, with no
// toJSON anywhere and no more than REGION_DEPTH levels; they make no copy and no set, and stop at
// the first value that needs the full walk (which then starts over). The toJSON lookup comes
// before the prototype test: once V8 knows the object's shape, it answers the prototype itself.
// Without a set, a cycle is seen only as data too deep: the walk then finds it, having written
// no more than the depth before it.

function isPlainValue (value: object, depth: number): boolean {
  return Array.isArray(value) ? isPlainArray(value, depth) : isPlainObject(value as Record<string, unknown>, depth)
}

function isPlainArray (array: unknown[] & { toJSON?: unknown }, depth: number): boolean {
  if (depth === REGION_DEPTH || array.toJSON !== undefined) return false
  for (let index = 0; index < array.length; index++) {
    const item = array[index]
    if (typeof item === 'string' || typeof item === 'number' || typeof item === 'boolean' || item == null) continue
    if (typeof item !== 'object' || !isPlainValue(item, depth + 1)) return false
  }
  return true
}

function isPlainObject (object: Record<string, unknown>, depth: number): boolean {
  if (depth === REGION_DEPTH || object.toJSON !== undefined) return false
  if (Object.getPrototypeOf(object) !== Object.prototype) return false
  for (const key in object) {
    const member = object[key]
    if (typeof member === 'string' || typeof member === 'number' || typeof member === 'boolean' || member == null) continue
    if (typeof member !== 'object' || !isPlainValue(member, depth + 1)) return false
  }
  return true
}

/**
 * Writes `value` as JSON: `Date` as ISO 8601, `BigInt` as a decimal string; throws a `TypeError`
 * naming the type of anything JSON cannot hold (functions, symbols, Map, Set, circular data).
 */
export function stringify (value: unknown): string {
  if (typeof value === 'object' && value !== null && isPlainValue(value, 0)) return JSON.stringify(value)
  const state: State = { polluted: isPolluted(), inheritedToJSON: 'toJSON' in Object.prototype, marks: 0, calls: 0, done: new Map(), tall: new Map(), path: new Set(), regions: 0 }
  const prepared = prepare(state, value, '', 0)
  if (prepared === undefined) throw unserializable(typeof value)
  if (state.marks === 0) return JSON.stringify(prepared)
  return writeTall(state, prepared as object)
}

/** Parses JSON text, refusing `__proto__` and `constructor.prototype` keys as Fastify's body parser does. */
export function parse (text: string | Buffer): unknown {
  return secureJson.parse(text, undefined, { protoAction: 'error', constructorAction: 'error' })
}
