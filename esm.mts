// The ES module entry: the same plugin object as require() gives, with its parts as named exports.
import ajaxutils from './index.js'

export default ajaxutils
export { ajaxutils }
export const { JsonResponse, Http404, json, ajaxErrorSchema, ajaxError, sendAsIs } = ajaxutils
// The classes are values and types at once, as they are in index.d.ts.
// eslint-disable-next-line @typescript-eslint/no-redeclare
export type JsonResponse<T = unknown> = ajaxutils.JsonResponse<T>
// eslint-disable-next-line @typescript-eslint/no-redeclare
export type Http404 = ajaxutils.Http404
export type { AjaxAuthStrategy, AjaxCheckHook, AjaxErrorBody, AjaxRouteConfig, AjaxRouteOptions, AjaxutilsOptions } from './index.js'
