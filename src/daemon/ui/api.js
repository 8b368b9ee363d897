// The web UI's client of the daemon's local API: same origin, session cookie (HttpOnly).

/** An API error carrying the stable `code` from `{ error: { code, message } }`. */
export class ApiError extends Error {
  constructor (status, code, message) {
    super(message)
    this.status = status
    this.code = code
  }
}

/** Calls the API; resolves with the parsed JSON (undefined for 204). */
export async function api (method, path, body) {
  const res = await fetch(path, {
    method,
    credentials: 'same-origin',
    headers: body !== undefined ? { 'content-type': 'application/json' } : {},
    body: body !== undefined ? JSON.stringify(body) : undefined
  })
  const text = await res.text()
  const json = text !== '' ? JSON.parse(text) : undefined
  if (!res.ok) throw new ApiError(res.status, json?.error?.code ?? 'ERR_HTTP', json?.error?.message ?? `HTTP ${res.status}`)
  return json
}

export const seg = encodeURIComponent

/** Trades the one-time code in `#login=…` for a session cookie; removes it from the address bar. */
export async function loginFromHash () {
  const match = /^#login=([\w-]+)$/.exec(location.hash)
  if (match == null) return false
  history.replaceState(null, '', location.pathname)
  await api('POST', '/v1/login', { code: match[1] })
  return true
}

/** Subscribes to the live event stream; `handlers[type](detail)`; `onState('live'|'down')`. */
export function subscribe (handlers, onState) {
  const source = new EventSource('/v1/events')
  const types = ['ready', 'message', 'message-updated', 'messages-deleted', 'delivery', 'typing', 'conversation-updated', 'contact-key-changed', 'contact-removed', 'screenshot', 'wiped', 'reachability', 'device-link-request', 'devices-changed', 'contact-devices-changed', 'contact-updated', 'attachment-progress', 'group-updated', 'group-refused', 'channel-post', 'channel-post-updated', 'history-progress', 'history-done', 'group-join-requested', 'group-join-answered', 'group-join-settled']
  for (const type of types) {
    source.addEventListener(type, (evt) => { handlers[type]?.(JSON.parse(evt.data)) })
  }
  source.addEventListener('ready', () => { onState('live') })
  source.addEventListener('error', () => { onState('down') })
  return source
}
