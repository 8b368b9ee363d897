import type { Conversation, StoreTransaction } from '../../../store/index.js'
import type { Content } from '../../../wire/content.js'
import type { Effect } from '../../effects.js'

/** One received content, in the conversation it belongs to, inside the receiving transaction. */
export interface ReceivedContent {
  tx: StoreTransaction
  content: Content
  conversation: Conversation
  /** The sender's address (proven by the sealed box and its account record). */
  sender: string
  /** The sender's device key. */
  senderDevice: Uint8Array
  /** Sent by another device of this account (a synced copy). */
  fromSelf: boolean
  /** The time now (ms). */
  now: number
}

/**
 * Applies one content kind: reads and writes only through `tx`, returns what should happen once
 * it commits (events, receipts, follow-ups). Pure over the transaction: no network, no clock.
 */
export type ReceiveHandler = (received: ReceivedContent) => Promise<Effect[]>
