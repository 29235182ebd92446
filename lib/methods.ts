/** The set of methods an ajax route accepts, and the `Allow` header that names it. */
export interface AllowedMethods {
  readonly set: ReadonlySet<string>
  readonly header: string
}

/** A stable `Allow` value: method names in alphabetical order. */
export function allowHeader (methods: Iterable<string>): string {
  return [...methods].sort().join(', ')
}

/**
 * Adds HEAD wherever GET is, since HTTP ties HEAD to GET. The header names HEAD only when the
 * route answers it (Fastify's HEAD twin of a GET route, unless `exposeHeadRoutes` is off).
 */
export function allowedMethods (methods: Iterable<string>, headServed: boolean): AllowedMethods {
  const set = new Set(methods)
  if (set.has('GET')) set.add('HEAD')
  const named = headServed ? set : [...set].filter((method) => method !== 'HEAD')
  return Object.freeze({ set, header: allowHeader(named) })
}

export function routeMethods (method: string | readonly string[]): readonly string[] {
  return typeof method === 'string' ? [method] : method
}
