import { expectAssignable, expectError, expectNotAssignable, expectType } from 'tsd'
import {
  AjaxError,
  ajax,
  ajaxResponse,
  isAjaxHttpError,
  type AjaxData,
  type AjaxFailure,
  type AjaxErrorKind,
  type AjaxInit,
  type AjaxResult
} from 'fastify-ajaxutils/client'

interface Task {
  status: 'pending' | 'completed'
  exit_status?: number
}

// ajax<T>() resolves with T; without T with unknown, never any.
expectType<Promise<Task>>(ajax<Task>('/api/tasks/1'))
expectType<Promise<unknown>>(ajax('/api/tasks/1'))
expectType<Promise<Task>>(ajax<Task>(new URL('http://127.0.0.1/api/tasks/1')))
expectType<Promise<AjaxResult<Task>>>(ajaxResponse<Task>('/api/tasks/1'))

async function readResult (): Promise<void> {
  const answer = await ajaxResponse<Task>('/api/tasks', { method: 'POST' })
  expectType<number>(answer.status)
  expectType<Headers>(answer.headers)
  expectType<Task>(answer.data)
}
readResult().catch(() => {})

// init: fetch options, a JSON body (objects, arrays, interfaces) or a fetch body, and a timeout.
interface Note { text: string, priority: number }
const note: Note = { text: 'hi', priority: 1 }
ajax('/api/notes', { method: 'POST', body: note })
ajax('/api/notes', { method: 'POST', body: { text: 'hi', priority: 1 } })
ajax('/api/notes', { method: 'POST', body: [1, 2, 3] })
ajax('/api/notes', { method: 'POST', body: '{"text":"hi"}' })
ajax('/api/notes', { method: 'POST', body: new URLSearchParams({ text: 'hi' }) })
ajax('/api/notes', { method: 'POST', body: null })
ajax('/api/me', { headers: { accept: 'application/problem+json' }, credentials: 'include' })
ajax('/api/me', { signal: new AbortController().signal, timeout: 5000 })
ajax('/api/me', { signal: AbortSignal.timeout(1000) })
expectAssignable<AjaxInit>({ timeout: 1 })
expectNotAssignable<AjaxInit>({ timeout: '1000' })
expectError(ajax('/api/me', { timeout: '1000' }))
expectError(ajax('/api/me', { body: 42 }))
expectError(ajax('/api/me', { method: 1 }))
expectError(ajax())
expectError(ajax(42))

// AjaxError: what a catch block gets.
async function handleFailure (): Promise<void> {
  try {
    await ajax('/api/me')
  } catch (error) {
    if (error instanceof AjaxError) {
      expectType<AjaxErrorKind>(error.kind)
      expectType<number>(error.status)
      expectType<unknown>(error.error)
      expectType<unknown>(error.body)
      expectType<string | undefined>(error.requestId)
      expectType<unknown[] | undefined>(error.details)
      expectType<Headers | undefined>(error.headers)
      expectType<string>(error.message)
      expectAssignable<Error>(error)
    }
  }
}
handleFailure().catch(() => {})

expectType<AjaxErrorKind>('http' as 'http' | 'parse' | 'network' | 'timeout' | 'abort')
expectAssignable<AjaxErrorKind>('timeout')
expectNotAssignable<AjaxErrorKind>('server')
expectType<AjaxError>(new AjaxError('Gone', { kind: 'http', status: 410, error: 'Gone', requestId: 'req-1' }))
expectError(new AjaxError('Gone', { status: 410 }))
expectError(new AjaxError('Gone', { kind: 'teapot' }))

// The fields are read-only.
const failure = new AjaxError('x', { kind: 'network' })
expectError(failure.status = 500)

// Typed from openapi-typescript's paths: an operation's 2xx JSON is the data, its 4xx/5xx the envelope.
interface GetTask {
  parameters: { path: { id: number } }
  responses: {
    200: { headers: Record<string, unknown>, content: { 'application/json': Task } }
    204: { headers: Record<string, unknown>, content?: never }
    404: { headers: Record<string, unknown>, content: { 'application/json': { status: 'error', error: string } } }
    '5XX': { headers: Record<string, unknown>, content: { 'application/json': { status: 'error', error: string, requestId?: string } } }
  }
}
expectType<Task>({} as AjaxData<GetTask>)
expectType<{ status: 'error', error: string } | { status: 'error', error: string, requestId?: string }>({} as AjaxFailure<GetTask>)
expectType<Promise<Task>>(ajax<AjaxData<GetTask>>('/api/tasks/1'))
async function typedFailure (): Promise<void> {
  try {
    await ajax<AjaxData<GetTask>>('/api/tasks/1')
  } catch (error) {
    if (isAjaxHttpError<GetTask>(error)) {
      expectType<'http'>(error.kind)
      expectType<'error'>(error.body.status)
      expectType<string>(error.error)
      expectType<number>(error.status)
    }
    if (isAjaxHttpError(error)) {
      expectType<unknown>(error.body)
      expectType<unknown>(error.error)
    }
  }
}
typedFailure().catch(() => {})
expectNotAssignable<{ status: 'running' }>({} as AjaxData<GetTask>)
