/**
 * Reachability and waiting messages in words, for `<parley-chat>`: the header's status from the
 * messenger's `reachability()` ("online" only when it says so), and why a queued message waits.
 */
import type { MessageView, ReachabilityView } from '../../messenger/types.js'

/** What the header's status says: its state (for the dot's colour) and its text. */
export function statusOf (view: ReachabilityView): { state: 'online' | 'degraded' | 'offline', text: string } {
  if (view.state === 'online') return { state: 'online', text: 'online' }
  return { state: view.state, text: `${view.state}: ${view.reasons[0] ?? 'not reachable'}` }
}

/** Error codes a message can wait on, in words. */
const WAITING_REASONS: Record<string, string> = {
  ERR_UNREACHABLE: 'the contact’s devices and relays could not be reached; retrying',
  ERR_ACCOUNT_NOT_FOUND: 'the contact’s account could not be found yet; retrying',
  ERR_TIMEOUT: 'timed out; retrying',
  ERR_RELAY_UNREACHABLE: 'the contact’s relays could not be reached; retrying'
}

/** An error code in words ("ERR_X" when it has none). */
export function reasonInWords (code: string): string {
  return WAITING_REASONS[code] ?? code
}

/**
 * Why an outgoing message is still queued: this device's own reachability first (nothing leaves
 * while its relay is unreachable), else the last attempt's error; "sending…" while it has none.
 */
export function waitingText (m: MessageView, view: ReachabilityView | undefined): string | undefined {
  if (m.direction !== 'out' || m.status !== 'queued') return undefined
  if (view != null && view.state !== 'online' && view.reasons.length > 0) return `waiting: ${view.reasons[0]}`
  if (m.lastError != null) return `waiting: ${reasonInWords(m.lastError)}`
  return 'sending…'
}
