// The daemon's network reachability in words (GET /v1/status, then `reachability` events):
// "online" only when the daemon says so; otherwise degraded or offline with the reason, and
// browsers that cannot reach this daemon said plainly. Queued messages say why they wait.

const WAITING = {
  ERR_UNREACHABLE: 'the contact’s devices and relays could not be reached; retrying',
  ERR_ACCOUNT_NOT_FOUND: 'the contact’s account could not be found yet; retrying',
  ERR_TIMEOUT: 'timed out; retrying'
}

/** An error code in words (the code when it has none). */
export function reasonInWords (code) { return WAITING[code] ?? code }

/** Shows `view` (a ReachabilityView) in `node`: its state as data-state, its reason as text. */
export function renderReachability (node, view) {
  node.dataset.state = view.state
  const text = view.state === 'online' ? 'network: online' : `network ${view.state}: ${view.reasons[0] ?? 'not reachable'}`
  const browsers = view.browsers.reachable ? '' : ` · browsers cannot reach this daemon: ${view.browsers.reason ?? ''}`
  node.textContent = text
  node.title = `${text}${browsers}`
  node.dataset.browsers = view.browsers.reachable ? 'yes' : 'no'
}

/** Why an outgoing queued message waits ("waiting: relay unreachable: …"), "sending…", or null. */
export function waitingText (m, view) {
  if (m.direction !== 'out' || m.status !== 'queued') return null
  if (view != null && view.state !== 'online' && view.reasons.length > 0) return `waiting: ${view.reasons[0]}`
  if (m.lastError != null) return `waiting: ${reasonInWords(m.lastError)}`
  return 'sending…'
}
