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

/** An authentication strategy threw or rejected with something that is not an Error. */
export const FST_AJAX_STRATEGY_FAILED = createError(
  'FST_AJAX_STRATEGY_FAILED',
  'An authentication strategy failed with a non-Error value: %s',
  401
)
