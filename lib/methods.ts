/** The set of methods an ajax route accepts, and the `Allow` header that names it. */
export interface AllowedMethods {
  readonly set: ReadonlySet<string>
  readonly header: string
}

/** Adds HEAD wherever GET is, since HTTP ties HEAD to GET; sorts for a stable `Allow` header. */
export function allowedMethods (methods: Iterable<string>): AllowedMethods {
  const set = new Set(methods)
  if (set.has('GET')) set.add('HEAD')
  return Object.freeze({ set, header: [...set].sort().join(', ') })
}

export function routeMethods (method: string | readonly string[]): readonly string[] {
  return typeof method === 'string' ? [method] : method
}
