import createError from '@fastify/error'

// Every error the plugin itself raises. Each code is documented in the README's Errors table.

/** A route's `config.ajax` is invalid; raised while the route is registered. */
export const FST_AJAX_ROUTE_OPTION = createError(
  'FST_AJAX_ROUTE_OPTION',
  'fastify-ajaxutils: route %s: %s',
  500,
  TypeError
)

/** A plugin option is invalid; raised when the plugin is registered. */
export const FST_AJAX_PLUGIN_OPTION = createError(
  'FST_AJAX_PLUGIN_OPTION',
  'fastify-ajaxutils: option %s',
  500,
  TypeError
)

/** A `JsonResponse` was given a status HTTP does not have. */
export const FST_AJAX_STATUS = createError(
  'FST_AJAX_STATUS',
  'JsonResponse status must be an integer from 100 to 599, got %s',
  500,
  RangeError
)

/** `json.stringify` met a value JSON cannot hold. */
export const FST_AJAX_UNSERIALIZABLE = createError(
  'FST_AJAX_UNSERIALIZABLE',
  'Cannot write a value of type %s as JSON',
  500,
  TypeError
)

/** `json.stringify` met data that contains itself: a value JSON cannot hold, under the same code. */
export const FST_AJAX_CIRCULAR = createError(
  'FST_AJAX_UNSERIALIZABLE',
  'Cannot write circular data as JSON: a value of type %s contains itself',
  500,
  TypeError
)

/** An authentication strategy threw or rejected with something that is not an Error. */
export const FST_AJAX_STRATEGY_FAILED = createError(
  'FST_AJAX_STRATEGY_FAILED',
  'An authentication strategy failed with a non-Error value: %s',
  401
)

/** A tuple or a `JsonResponse` carries a header name or value HTTP does not allow. */
export const FST_AJAX_HEADER = createError(
  'FST_AJAX_HEADER',
  'The answer\'s header %s is not one HTTP allows',
  500,
  TypeError
)

/** A tuple or a `JsonResponse` answers with an informational (1xx) status. */
export const FST_AJAX_INFORMATIONAL = createError(
  'FST_AJAX_INFORMATIONAL',
  'Status %s is informational: an answer needs a status from 200 to 599',
  500,
  RangeError
)

/** The writer given as plugin option `json.stringify` returned something other than text. */
export const FST_AJAX_JSON_WRITER = createError(
  'FST_AJAX_JSON_WRITER',
  'Plugin option json.stringify must return a string, it returned %s',
  500,
  TypeError
)

/** `json.stringify` met data nested deeper than it writes: a value JSON cannot hold, under the same code. */
export const FST_AJAX_TOO_DEEP = createError(
  'FST_AJAX_UNSERIALIZABLE',
  'Cannot write data nested deeper than %s levels as JSON',
  500,
  TypeError
)

/** A route carries `config.ajax` but no registration of the plugin saw it; raised when the app gets ready. */
export const FST_AJAX_UNSEEN_ROUTE = createError(
  'FST_AJAX_UNSEEN_ROUTE',
  'fastify-ajaxutils: %s config.ajax, but no registration of the plugin saw %s, so the handler would run unchecked. Register the plugin before the route, in its context or a parent one: `await app.register(ajaxutils)` before adding routes, and wrap a plugin file that registers it in fastify-plugin so that it reaches its parent',
  500,
  Error
)
