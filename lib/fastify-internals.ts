/*
 * The plugin reads Fastify internals in two places, each for a cost no public API avoids:
 * not-found-contexts.ts (a check on unmatched requests that matched ones do not pay for) and
 * content-type.ts (a reply's content type without `reply.getHeader()`'s lower-casing). Both find
 * Fastify's symbols by their description, here, and fall back to public behaviour when one is
 * missing; their tests fail loudly if a Fastify update moves one.
 */

/** Fastify's symbol with this description, on the object or up its prototype chain. */
export function fastifySymbol (instance: object, description: string): symbol | undefined {
  for (let object: object | null = instance; object !== null; object = Object.getPrototypeOf(object)) {
    const found = Object.getOwnPropertySymbols(object).find((symbol) => symbol.description === description)
    if (found !== undefined) return found
  }
  return undefined
}
