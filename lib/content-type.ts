import type { FastifyReply } from 'fastify'
import { fastifySymbol } from './fastify-internals'

/** Description of the symbol under which a reply keeps the headers set on it, by lower-case name. */
export const REPLY_HEADERS = 'fastify.reply.headers'

/**
 * The content type a reply holds of its own (set with `reply.type()`, `reply.header()`,
 * `reply.headers()` or by Fastify), if any; a type set on `reply.raw` is not read.
 */
export type ContentTypeReader = (reply: FastifyReply) => unknown

type HeadersByKey = Record<symbol, Record<string, unknown>>

/**
 * Every ajax answer reads its reply's content type twice: the serializer keeps a JSON type the
 * handler chose, and onSend checks what is about to leave. `reply.getHeader()` lower-cases the
 * name on every call, and for a type not set yet (the serializer's usual read) asks Node's
 * response, which lower-cases it again: about 400 instructions of a small JSON answer, counted
 * with callgrind. Fastify keeps a reply's headers in one object under a symbol of its own, so the
 * reader finds that symbol on the first reply and then reads one property. Fastify picks a
 * response schema by the same property. Where a type set on `reply.raw` matters, the caller asks
 * `reply.getHeader()` when this reads none (onSend does, for text bodies); the serializer does
 * not, so data the handler returns is typed JSON over a raw type. On a Fastify that keeps headers
 * elsewhere the reader falls back to `reply.getHeader()`; test/content-type.test.ts fails loudly
 * if an update moves them.
 *
 * One reader per registration, not one per process: two copies of Fastify in one process (a
 * monorepo, a test of two versions) have symbols of their own, and every reply a registration
 * sees comes from the copy it was registered with.
 */
export function createContentTypeReader (description = REPLY_HEADERS): ContentTypeReader {
  let key: symbol | null | undefined
  return function contentTypeOf (reply) {
    if (key === undefined) key = fastifySymbol(reply, description) ?? null
    return key === null ? reply.getHeader('content-type') : (reply as unknown as HeadersByKey)[key]['content-type']
  }
}
