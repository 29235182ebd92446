// fastify-ajaxutils/client typed from the app's own OpenAPI document, as the
// ecosystem types fetch clients: openapi-typescript generates `paths` from what @fastify/swagger
// produces, and a typed call with openapi-fetch and with this client compiles under --strict.
import { execFile } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { promisify } from 'node:util'
import swagger from '@fastify/swagger'
import Fastify from 'fastify'
import t from 'tap'
import ajaxutils, { ajaxError, ajaxErrorSchema } from '../index'
import { AjaxError, isAjaxHttpError } from '../client/index'

const run = promisify(execFile)
// Two runs of tsc.
t.setTimeout(180_000)
const root = join(__dirname, '..')
const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc')

/** The OpenAPI document of a real app: @fastify/swagger and the plugin, routes with schemas. */
async function openApiDocument (): Promise<object> {
  const app = Fastify()
  await app.register(swagger, { openapi: { openapi: '3.0.3', info: { title: 'tasks', version: '1.0.0' } } })
  await app.register(ajaxutils)
  const Task = {
    type: 'object',
    properties: { id: { type: 'integer' }, status: { type: 'string', enum: ['pending', 'completed'] } },
    required: ['id', 'status']
  } as const
  app.get('/tasks/:id', {
    config: { ajax: true },
    schema: { params: { type: 'object', properties: { id: { type: 'integer' } }, required: ['id'] }, response: { 200: Task, 409: ajaxErrorSchema } }
  }, async (_request, reply) => reply.code(409).send(ajaxError('busy')))
  await app.ready()
  const document = app.swagger()
  await app.close()
  return document
}

// Inside the package: `fastify-ajaxutils/client` resolves to the built dist/ through its exports.
const consumer = `
import createClient from 'openapi-fetch'
import { ajax, isAjaxHttpError, type AjaxData, type AjaxFailure } from 'fastify-ajaxutils/client'
import type { paths } from './api.js'

type GetTask = paths['/tasks/{id}']['get']

export async function withOpenapiFetch (): Promise<void> {
  const client = createClient<paths>({ baseUrl: 'http://127.0.0.1:3000' })
  const { data, error } = await client.GET('/tasks/{id}', { params: { path: { id: 1 } } })
  if (data !== undefined) {
    const status: 'pending' | 'completed' = data.status
    const id: number = data.id
    console.log(status, id)
  }
  if (error !== undefined) {
    const envelope: 'error' = error.status
    console.log(envelope, error.error, error.requestId)
  }
}

export async function withAjax (): Promise<void> {
  try {
    const task = await ajax<AjaxData<GetTask>>('/tasks/1')
    const status: 'pending' | 'completed' = task.status
    console.log(status, task.id)
  } catch (failure) {
    if (isAjaxHttpError<GetTask>(failure)) {
      const body: AjaxFailure<GetTask> = failure.body
      const envelope: 'error' = failure.body.status
      console.log(body, envelope, failure.error, failure.status)
    }
  }
}

// @ts-expect-error the document says a task's status is one of two words
export const wrong: AjaxData<GetTask>['status'] = 'running'
// @ts-expect-error and that an error body's status is 'error'
export const wrongEnvelope: AjaxFailure<GetTask>['status'] = 'ok'
`

t.test('paths generated from the app\'s document type openapi-fetch and ajax(), data and envelope', async (t) => {
  const { default: openapiTS, astToString } = await import('openapi-typescript')
  const document = await openApiDocument()
  const dir = mkdtempSync(join(root, '.typed-client-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  const api = astToString(await openapiTS(document as Parameters<typeof openapiTS>[0]))
  t.match(api, /"\/tasks\/\{id\}"/)
  writeFileSync(join(dir, 'api.ts'), api)
  writeFileSync(join(dir, 'consumer.ts'), consumer)
  writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({
    compilerOptions: { strict: true, noEmit: true, target: 'ES2022', module: 'node16', moduleResolution: 'node16', lib: ['ES2022', 'DOM'], types: [], skipLibCheck: false },
    files: ['consumer.ts']
  }))
  const result = await run(process.execPath, [tsc, '-p', join(dir, 'tsconfig.json')]).then(() => ({ code: 0, stdout: '' }), (error) => ({ code: error.code as number, stdout: String(error.stdout) }))
  t.same(result, { code: 0, stdout: '' })

  // The same consumer with a wrong use of the data fails: the types come from the document.
  writeFileSync(join(dir, 'consumer.ts'), consumer + '\nexport const id: string = ({} as AjaxData<GetTask>).id\n')
  const failed = await run(process.execPath, [tsc, '-p', join(dir, 'tsconfig.json')]).then(() => '', (error) => String(error.stdout))
  t.match(failed, /consumer\.ts\(\d+,\d+\): error TS2322: Type 'number' is not assignable to type 'string'/)
})

t.test('isAjaxHttpError is true only for an AjaxError of an error answer', async (t) => {
  const envelope = { status: 'error', error: 'busy' }
  t.equal(isAjaxHttpError(new AjaxError('busy', { kind: 'http', status: 409, body: envelope })), true)
  t.equal(isAjaxHttpError(new AjaxError('down', { kind: 'network' })), false)
  t.equal(isAjaxHttpError(new AjaxError('late', { kind: 'timeout' })), false)
  t.equal(isAjaxHttpError(Object.assign(new Error('busy'), { kind: 'http' })), false)
  t.equal(isAjaxHttpError(envelope), false)
})
