import type { Conversation } from '../store/index.js'
import type { Attachment } from '../wire/content.js'
import type { GroupJoin } from '../wire/groups.js'
import type { Events } from './components.js'
import type { MessengerEvents } from './types.js'

/** An event to emit once the store transaction that caused it has committed. */
export type EmitEffect = {
  [K in keyof MessengerEvents & string]: { kind: 'emit', type: K, detail: MessengerEvents[K] }
}[keyof MessengerEvents & string]

/**
 * What applying one received content asks for after its transaction commits: events, a
 * DELIVERED receipt, or follow-up work (re-sending after a session reset, wiping a closed
 * secret chat). Receive handlers return these instead of acting, so they stay pure over a
 * `StoreTransaction` and can be tested without a network.
 */
export type Effect =
  | EmitEffect
  | { kind: 'delivered-receipt', conversationId: string, messageId: Uint8Array }
  | { kind: 'resend-undelivered', conversation: Conversation }
  | { kind: 'wipe-secret-chat', conversation: Conversation }
  /** Groups: membership updates were received for this group; apply them (outside the receive transaction). */
  | { kind: 'group-update', conversationId: string }
  /** Groups: a member device asked for this device's sender chain (answered after the commit). */
  | { kind: 'sender-key-request', peer: { conversationId: string, address: string, device: Uint8Array } }
  /** Groups: a join request by invite link, or the answer to ours (handled after the commit). */
  | { kind: 'group-join', conversationId: string, from: { address: string, device: Uint8Array }, join: GroupJoin }
  | { kind: 'adopt-own-record', record: Uint8Array }
  | { kind: 'device-unlinked' }
  /** Another device of this account left this one's history at the relays (issue #19). */
  | { kind: 'history-archive', from: Uint8Array, archive: Attachment }

/** An `emit` effect, typed by event name. */
export function emitEffect<K extends keyof MessengerEvents & string> (type: K, detail: MessengerEvents[K]): EmitEffect {
  return { kind: 'emit', type, detail } as EmitEffect
}

/** Emits one event effect. */
export function emitNow (events: Events, effect: EmitEffect): void {
  (events.emit as (type: string, detail: unknown) => void)(effect.type, effect.detail)
}
