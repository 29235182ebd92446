'use strict'

// Before any load: one request of each scenario to each candidate, checked for status, content
// type, the headers that matter and the whole body. A candidate that answers wrongly would make
// every ratio against it meaningless.

const http = require('node:http')
const { isDeepStrictEqual } = require('node:util')

/** One request; a new connection unless `agent` (a keep-alive http.Agent) is given. */
function requestOnce (port, { method, path, headers = {}, body }, agent = false) {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, method, path, headers, agent }, (res) => {
      const chunks = []
      res.on('data', (chunk) => chunks.push(chunk))
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, text: Buffer.concat(chunks).toString('utf8') }))
      res.on('error', reject)
    })
    req.setTimeout(10_000, () => req.destroy(new Error('no answer within 10 s')))
    req.on('error', reject)
    req.end(body)
  })
}

function parseJson (text) {
  try {
    return { value: JSON.parse(text) }
  } catch {
    return { invalid: true }
  }
}

/** What is wrong with a response, as a list of sentences (empty when it is right). */
function problemsOf (response, expected) {
  const problems = []
  if (response.status !== expected.status) problems.push(`status ${response.status}, expected ${expected.status}`)
  const type = response.headers['content-type']
  if (type !== expected.contentType) problems.push(`content-type ${JSON.stringify(type)}, expected ${JSON.stringify(expected.contentType)}`)
  for (const [name, value] of Object.entries(expected.headers)) {
    if (response.headers[name] !== value) problems.push(`${name} header ${JSON.stringify(response.headers[name])}, expected ${JSON.stringify(value)}`)
  }
  const body = parseJson(response.text)
  if (body.invalid || !isDeepStrictEqual(body.value, expected.body)) {
    problems.push(`body ${response.text.slice(0, 200)}, expected ${JSON.stringify(expected.body)}`)
  }
  return problems
}

/** Checks one response of a scenario; resolves with the problems found (empty when right). */
async function verifyAnswer (port, request, expected) {
  let response
  try {
    response = await requestOnce(port, request)
  } catch (error) {
    return [`no response: ${error.message}`]
  }
  return problemsOf(response, expected)
}

module.exports = { verifyAnswer, requestOnce }
