import t from 'tap'
import { buildApp, JSON_TYPE } from './helpers'

t.test('an ajax route answers what its handler returns as JSON', async (t) => {
  const app = await buildApp(t)
  app.get('/status', { config: { ajax: true } }, async () => ({ status: 'pending' }))
  const res = await app.inject('/status')
  t.equal(res.statusCode, 200)
  t.equal(res.headers['content-type'], JSON_TYPE)
  t.same(res.json(), { status: 'pending' })
})
