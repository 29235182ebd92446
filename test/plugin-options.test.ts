// Plugin options are checked when the plugin is registered.
import Fastify from 'fastify'
import t from 'tap'
import ajaxutils from '../index'

const cases: Array<[string, unknown, RegExp]> = [
  ['not an object', 'all', /^fastify-ajaxutils: option object expected/],
  ['an unknown key', { debbug: true }, /option 'debbug' is unknown/],
  ['all as a string', { all: 'yes' }, /^fastify-ajaxutils: option all must be true, false or an object$/],
  ['all with an unknown key', { all: { loginRequierd: true } }, /option all has unknown option 'loginRequierd'/],
  ['all with an unknown method', { all: { methods: ['FETCH'] } }, /option all\.methods names unknown method 'FETCH'/],
  ['authenticate as a string', { authenticate: 'jwt' }, /option authenticate must be a function, got string/],
  ['authenticate as an empty array', { authenticate: [] }, /option authenticate must name at least one strategy/],
  ['authenticate with a non-function', { authenticate: [() => {}, 'x'] }, /option authenticate\[1\] must be a function, got string/],
  ['relation other than or/and', { relation: 'xor' }, /option relation must be 'or' or 'and', got xor/],
  ['hook not one of the four', { hook: 'onSend' }, /option hook must be one of onRequest, preParsing, preValidation, preHandler, got onSend/],
  ['wwwAuthenticate not a string', { wwwAuthenticate: 42 }, /option wwwAuthenticate must be a non-empty string that is a valid header value/],
  ['wwwAuthenticate with a line break', { wwwAuthenticate: 'Basic\r\nX-Evil: 1' }, /option wwwAuthenticate must be a non-empty string/],
  ['wwwAuthenticate empty', { wwwAuthenticate: '' }, /option wwwAuthenticate must be a non-empty string/],
  ['debug not a boolean', { debug: 'yes' }, /option debug must be a boolean, got string/],
  ['requestId not a boolean', { requestId: 1 }, /option requestId must be a boolean, got number/],
  ['json without stringify', { json: {} }, /option json must be an object with a stringify function/],
  ['json with parse', { json: { stringify: JSON.stringify, parse: JSON.parse } }, /option json has unknown key 'parse'/]
]

for (const [kind, options, message] of cases) {
  t.test(`plugin options with ${kind} fail at startup, naming the option`, async (t) => {
    const app = Fastify()
    t.teardown(() => app.close())
    app.register(ajaxutils, options as never)
    await t.rejects(app.ready(), { code: 'FST_AJAX_PLUGIN_OPTION', message })
  })
}

t.test('Fastify\'s own register options are accepted', async (t) => {
  const app = Fastify()
  t.teardown(() => app.close())
  await app.register(ajaxutils, { logLevel: 'warn', prefix: '/ignored' } as never)
  app.get('/x', { config: { ajax: true } }, async () => 'x')
  t.same((await app.inject('/x')).json(), 'x')
})

t.test('the caller\'s options object is not changed', async (t) => {
  const options = Object.freeze({ all: Object.freeze({ methods: Object.freeze(['get']) }), debug: true })
  const app = Fastify()
  t.teardown(() => app.close())
  await app.register(ajaxutils, options as never)
  t.same(options, { all: { methods: ['get'] }, debug: true })
})

t.test('null is not a relation or a hook', async (t) => {
  for (const options of [{ relation: null }, { hook: null }]) {
    const app = Fastify()
    t.teardown(() => app.close())
    app.register(ajaxutils, options as never)
    await t.rejects(app.ready(), { code: 'FST_AJAX_PLUGIN_OPTION', message: /got null/ })
  }
})
