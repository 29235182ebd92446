// The ES module entry: the same plugin object as require() gives, with its parts as named exports.
import ajaxutils from './index.js'

export default ajaxutils
export { ajaxutils }
export const { JsonResponse, Http404, json } = ajaxutils
export type { AjaxAuthStrategy, AjaxCheckHook, AjaxErrorBody, AjaxRouteOptions, AjaxutilsOptions } from './index.js'
