import type { FastifyReply } from 'fastify'
import { fastifySymbol } from './not-found-contexts'

/** Description of the symbol under which a reply keeps the headers set on it, by lower-case name. */
export const REPLY_HEADERS = 'fastify.reply.headers'

/** The content type set on a reply with `reply.type()` or `reply.header()`, if any. */
export type ContentTypeReader = (reply: FastifyReply) => unknown

type HeadersByKey = Record<symbol, Record<string, unknown>>

/**
 * Every ajax answer reads its reply's content type twice (the serializer keeps a JSON type the
 * handler chose, onSend checks what is about to leave). `reply.getHeader()` lower-cases the name
 * each time and asks Node's response, which lower-cases it again: 0.7 % of a small JSON answer,
 * counted with callgrind. Fastify keeps a reply's headers in one object under a symbol of its
 * own, so the reader finds that symbol on the first reply and then reads one property. A content
 * type set on `reply.raw` is not seen: the answer is JSON anyway, and Fastify writes the reply's
 * own headers over the raw response's. On a Fastify that keeps headers elsewhere, the reader
 * falls back to `reply.getHeader()`; test/content-type.test.ts fails loudly if an update moves them.
 *
 * One reader per registration: an app has one Fastify, whose symbols are its own.
 */
export function createContentTypeReader (description = REPLY_HEADERS): ContentTypeReader {
  let key: symbol | null | undefined
  return function contentTypeOf (reply) {
    if (key === undefined) key = fastifySymbol(reply, description) ?? null
    return key === null ? reply.getHeader('content-type') : (reply as unknown as HeadersByKey)[key]['content-type']
  }
}
