import type { LimitScope } from '../../net/rate-limiter.js'
import type { SlotScope } from '../stream-slots.js'

/** Frozen metric label objects, one per series (the metrics registry caches their rendering). */

export type RateLimitedOp = 'deposit' | 'owner' | 'prekey'
export const RATE_LIMITED_WHAT: Record<RateLimitedOp, string> = { deposit: 'Deposit', owner: 'Owner request', prekey: 'Prekey request' }
export const SCOPE_WHAT: Record<LimitScope, string> = { peer: 'peer', address: 'network address', network: 'IPv6 /48 network' }
const rateLimitedLabels = (op: RateLimitedOp): Record<LimitScope, Record<string, string>> =>
  ({ peer: Object.freeze({ op, scope: 'peer' }), address: Object.freeze({ op, scope: 'address' }), network: Object.freeze({ op, scope: 'network' }) })
export const RATE_LIMITED_LABELS: Record<RateLimitedOp, Record<LimitScope, Record<string, string>>> = {
  deposit: rateLimitedLabels('deposit'), owner: rateLimitedLabels('owner'), prekey: rateLimitedLabels('prekey')
}

export const SLOT_LABELS: Record<SlotScope, Record<string, string>> = {
  address: Object.freeze({ scope: 'address' }), network: Object.freeze({ scope: 'network' }), relay: Object.freeze({ scope: 'relay' })
}
export const BUSY_MESSAGE: Record<SlotScope, string> = {
  address: 'Too many mailbox streams from this network address',
  network: 'Too many mailbox streams from this IPv6 /48 network',
  relay: 'Relay busy'
}
export type IdleState = 'unauthenticated' | 'authenticated' | 'subscribed'
export const IDLE_LABELS: Record<IdleState, Record<string, string>> = {
  unauthenticated: Object.freeze({ state: 'unauthenticated' }), authenticated: Object.freeze({ state: 'authenticated' }), subscribed: Object.freeze({ state: 'subscribed' })
}
const addressLabels = (op: string): Record<'address' | 'network', Record<string, string>> =>
  ({ address: Object.freeze({ op, scope: 'address' }), network: Object.freeze({ op, scope: 'network' }) })
export const DEPOSIT_BYTES_LABELS = addressLabels('deposit_bytes')
/** Prekey uploads take from the same per-address byte bucket as deposits. */
export const PREKEY_UPLOAD_BYTES_LABELS = addressLabels('prekey_upload_bytes')
/** First owner logins (new owned mailboxes) per address. */
export const NEW_MAILBOX_LABELS = addressLabels('new_mailbox')
export const ADDRESS_WHAT: Record<'address' | 'network', string> = { address: 'network address', network: 'IPv6 /48 network' }
export const PREKEY_MAILBOX_LABELS = Object.freeze({ op: 'prekey', scope: 'mailbox' })
export const STORED = Object.freeze({ result: 'stored' })
export const DUPLICATE = Object.freeze({ result: 'duplicate' })
