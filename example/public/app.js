/* global document */
// The demo page: every call goes through fastify-ajaxutils/client, which the page's import map
// points at the package's built ES module. Answers are written with textContent, so whatever a
// user typed is shown, never run.
import { AjaxError, ajax, ajaxResponse } from 'fastify-ajaxutils/client'

const POLL_MS = 250
const REASONS = {
  200: 'OK',
  201: 'Created',
  202: 'Accepted',
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  413: 'Content Too Large',
  415: 'Unsupported Media Type',
  500: 'Internal Server Error'
}

const byId = (id) => document.getElementById(id)
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))

/** Writes a status line and a JSON body into a box: `data-status` says the call has finished. */
function show (id, status, body, note = '') {
  const box = byId(id)
  const head = status === 0 ? 'no answer' : `${status} ${REASONS[status] ?? ''}`.trim()
  box.className = status >= 200 && status < 300 ? 'ok' : 'fail'
  box.textContent = `${head}${note}\n${JSON.stringify(body, null, 2)}`
  box.dataset.status = String(status)
}

function showError (id, error) {
  if (!(error instanceof AjaxError)) {
    show(id, 0, { error: String(error) })
    return
  }
  if (error.kind === 'http') {
    const allow = error.headers?.get('allow')
    show(id, error.status, error.body, allow ? ` · Allow: ${allow}` : '')
  } else {
    show(id, error.status, { kind: error.kind, message: error.message })
  }
}

/** One ajax call shown in one box; resolves with the answer, or null once the error is shown. */
async function call (id, url, init) {
  const box = byId(id)
  box.removeAttribute('data-status')
  box.className = ''
  box.textContent = '…'
  try {
    const answer = await ajaxResponse(url, init)
    show(id, answer.status, answer.data)
    return answer
  } catch (error) {
    showError(id, error)
    return null
  }
}

function showSession (user) {
  byId('session-state').textContent = user ? `Logged in as ${user}` : 'Logged out'
}

// The seed's polling example: start a task, then ask for its status until it is not pending.
byId('task-start').addEventListener('click', async () => {
  const button = byId('task-start')
  const state = byId('task-state')
  button.disabled = true
  try {
    let answer = await call('task-out', '/api/tasks', { method: 'POST' })
    if (answer === null) return
    const url = answer.headers.get('location') ?? `/api/tasks/${encodeURIComponent(answer.data.id)}`
    let polls = 0
    while (answer !== null && answer.data.status === 'pending') {
      state.textContent = `pending (${polls} polls)`
      await sleep(POLL_MS)
      polls += 1
      answer = await call('task-out', url)
    }
    state.textContent = answer === null ? 'failed' : `${answer.data.status} after ${polls} polls`
  } finally {
    button.disabled = false
  }
})

byId('login-form').addEventListener('submit', async (event) => {
  event.preventDefault()
  const body = { username: byId('login-username').value, password: byId('login-password').value }
  const answer = await call('login-out', '/api/login', { method: 'POST', body })
  if (answer !== null) showSession(answer.data.user)
})

byId('logout').addEventListener('click', async () => {
  const answer = await call('login-out', '/api/logout', { method: 'POST' })
  if (answer !== null) showSession(null)
})

byId('me').addEventListener('click', () => call('me-out', '/api/me'))

// Sends the fields exactly as typed: the server's schema decides, and says why in a 400.
byId('note-form').addEventListener('submit', (event) => {
  event.preventDefault()
  const body = { text: byId('note-text').value, priority: byId('note-priority').value }
  call('note-out', '/api/notes', { method: 'POST', body })
})

const errorCalls = {
  'err-400': ['/api/divide?a=1&b=0'],
  'err-404': ['/api/tasks/no-such-task'],
  'err-405': ['/api/notes'],
  'err-500': ['/api/crash'],
  'err-validation': ['/api/notes', { method: 'POST', body: { text: '', priority: 'urgent' } }]
}
for (const [id, [url, init]] of Object.entries(errorCalls)) {
  byId(id).addEventListener('click', () => call(`${id}-out`, url, init))
}

ajax('/api/session').then((session) => showSession(session.user), (error) => showError('login-out', error))
